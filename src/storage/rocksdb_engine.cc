#include "src/storage/rocksdb_engine.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/compaction_filter.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "src/core/byte_order.h"
#include "src/core/numbers.h"
#include "src/core/settings.h"
#include "src/core/stampede.h"

namespace tinkercache {
namespace {

// Record header: CAS (8), deadline (4), flags (4), mark bits (1), all
// little-endian so a data directory moves between machines.
constexpr size_t kHeaderSize = 17;
constexpr size_t kDeadlineOffset = 8;
constexpr uint8_t kStale = 1;
constexpr uint8_t kTokenSent = 2;
constexpr uint8_t kBinaryKey = 4;

// The on-disk layout this build reads and writes.
constexpr uint64_t kFormat = 1;

// Under ThreadSanitizer writes enter RocksDB one at a time: its write group
// hands one writer's batch to another through atomics inside the
// uninstrumented library, which TSan cannot see and reports as a race on
// our batch. Production builds keep RocksDB's group commit.
#if defined(__SANITIZE_THREAD__)
constexpr bool kSerializeWrites = true;
#else
constexpr bool kSerializeWrites = false;
#endif

constexpr char kMetaFamily[] = "tinkercache";
constexpr char kFormatKey[] = "format";
constexpr char kCasKey[] = "cas_ceiling";
constexpr char kFlushKey[] = "flush_at";

using little_endian::Load32;
using little_endian::Load64;
using little_endian::Store32;
using little_endian::Store64;

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

std::string Encode64(uint64_t v) {
  std::string s(8, '\0');
  Store64(s.data(), v);
  return s;
}

// Every key the protocols accept (at most kMaxKeyLength bytes) sorts
// before this one, so ["", kEndKey) is the whole item space.
const std::string& EndKey() {
  static const std::string* const key =
      new std::string(kMaxKeyLength + 1, '\xff');
  return *key;
}

// RocksDB's warnings and errors go to our stderr instead of a LOG file in
// the data directory: on a full disk that file fails too, and Debian's
// librocksdb (built with assertions) aborts on the next line written to it.
class StderrLogger final : public rocksdb::Logger {
 public:
  explicit StderrLogger(std::string dir)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL),
        dir_(std::move(dir)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[512];
    const int n = std::vsnprintf(line, sizeof(line), format, ap);
    if (n < 0) return;
    std::string out = "tinkercache: rocksdb (" + dir_ + "): ";
    out.append(line, std::min<size_t>(n, sizeof(line) - 1));
    while (!out.empty() && out.back() == '\n') out.pop_back();
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stderr);
  }

 private:
  const std::string dir_;
};

}  // namespace

struct RocksDbEngine::Record {
  uint64_t cas = 0;
  uint32_t deadline = 0;
  uint32_t flags = 0;
  uint8_t bits = 0;
  std::string_view value = {};

  bool Decode(std::string_view raw) {
    if (raw.size() < kHeaderSize) return false;
    cas = Load64(raw.data());
    deadline = Load32(raw.data() + kDeadlineOffset);
    flags = Load32(raw.data() + 12);
    bits = static_cast<uint8_t>(raw[16]);
    value = raw.substr(kHeaderSize);
    return true;
  }
  void EncodeHeader(char* out) const {
    Store64(out, cas);
    Store32(out + kDeadlineOffset, deadline);
    Store32(out + 12, flags);
    out[16] = static_cast<char>(bits);
  }
  bool Expired(uint32_t now) const { return DeadlinePassed(deadline, now); }
  StampedeMarks marks() const {
    return {(bits & kStale) != 0, (bits & kTokenSent) != 0};
  }
  void set_marks(const StampedeMarks& m) {
    bits = static_cast<uint8_t>((bits & ~(kStale | kTokenSent)) |
                                (m.stale ? kStale : 0) |
                                (m.token_sent ? kTokenSent : 0));
  }
};

// Drops expired items during compaction, so disk use follows the live data.
// RocksDB turns a dropped record into a deletion, so an older version of the
// key below it cannot resurface.
class RocksDbEngine::ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(const Clock& clock) : clock_(clock) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/,
              const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    if (value.size() < kHeaderSize) return false;
    if (!DeadlinePassed(Load32(value.data() + kDeadlineOffset),
                        clock_.NowSeconds())) {
      return false;
    }
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const char* Name() const override { return "tinkercache.ExpiryFilter"; }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  const Clock& clock_;
  mutable std::atomic<uint64_t> dropped_{0};
};

RocksDbEngine::RocksDbEngine(const Clock& clock, RocksDbEngineOptions options)
    : clock_(clock),
      options_(std::move(options)),
      filter_(std::make_unique<ExpiryFilter>(clock)) {}

RocksDbEngine::~RocksDbEngine() {
  if (db_ == nullptr) return;
  if (items_ != nullptr) db_->DestroyColumnFamilyHandle(items_);
  if (meta_ != nullptr) db_->DestroyColumnFamilyHandle(meta_);
  db_->Close();
  delete db_;
}

absl::StatusOr<std::unique_ptr<RocksDbEngine>> RocksDbEngine::Open(
    const Clock& clock, RocksDbEngineOptions options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError(
        "the rocksdb engine needs a data directory (--data-dir)");
  }
  options.cas_block = std::max<uint64_t>(options.cas_block, 1);
  std::unique_ptr<RocksDbEngine> engine(
      new RocksDbEngine(clock, std::move(options)));
  if (absl::Status status = engine->OpenDb(); !status.ok()) return status;
  return engine;
}

absl::Status RocksDbEngine::OpenDb() {
  const std::string& dir = options_.data_dir;
  auto failed = [&](const char* what, const rocksdb::Status& s) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, " data directory ", dir, ": ",
                     s.ToString()));
  };
  // Made here rather than by RocksDB, which logs a missing directory as an
  // error before creating it.
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create data directory ", dir, ": ", error.message()));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.info_log = std::make_shared<StderrLogger>(dir);
  if (options_.env != nullptr) db_options.env = options_.env;

  rocksdb::BlockBasedTableOptions table;
  block_cache_ = rocksdb::NewLRUCache(options_.cache_bytes);
  table.block_cache = block_cache_;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions items;
  items.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  items.compaction_filter = filter_.get();
  items.level_compaction_dynamic_level_bytes = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, items},
      {kMetaFamily, rocksdb::ColumnFamilyOptions()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, dir, families, &handles, &db_);
  if (!s.ok()) {
    db_ = nullptr;
    return failed("open", s);
  }
  items_ = handles[0];
  meta_ = handles[1];

  std::string value;
  s = db_->Get(rocksdb::ReadOptions(), meta_, kFormatKey, &value);
  if (s.ok() && (value.size() != 8 || Load64(value.data()) != kFormat)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", dir, " holds an unknown format; this build reads ",
        kFormat));
  }
  if (!s.ok() && !s.IsNotFound()) return failed("read", s);
  uint64_t ceiling = 0;
  s = db_->Get(rocksdb::ReadOptions(), meta_, kCasKey, &value);
  if (s.ok() && value.size() == 8) ceiling = Load64(value.data());
  if (!s.ok() && !s.IsNotFound()) return failed("read", s);
  s = db_->Get(rocksdb::ReadOptions(), meta_, kFlushKey, &value);
  if (s.ok() && value.size() == 8) {
    flush_at_.store(static_cast<uint32_t>(Load64(value.data())));
  }

  // Uniques handed out before a crash are all at most the durable ceiling;
  // start above it. Writing now also proves the directory is writable.
  next_cas_.store(ceiling);
  rocksdb::WriteBatch batch;
  batch.Put(meta_, kFormatKey, Encode64(kFormat));
  batch.Put(meta_, kCasKey, Encode64(ceiling + options_.cas_block));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  s = db_->Write(sync, &batch);
  if (!s.ok()) return failed("write to", s);
  cas_ceiling_.store(ceiling + options_.cas_block);
  RunDueFlush(Now());
  return absl::OkStatus();
}

std::mutex& RocksDbEngine::StripeFor(std::string_view key) {
  return stripes_[absl::HashOf(key) % kStripes];
}

Status RocksDbEngine::ReadLive(std::string_view key, uint32_t now,
                               rocksdb::PinnableSlice& raw, Record& record) {
  raw.Reset();
  const rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), items_, ToSlice(key), &raw);
  if (s.IsNotFound()) return Status::kNotFound;
  if (!s.ok() || !record.Decode(raw.ToStringView())) {
    return Status::kInternalError;
  }
  return record.Expired(now) ? Status::kNotFound : Status::kOk;
}

std::optional<uint64_t> RocksDbEngine::NextCas(std::optional<uint64_t> chosen) {
  if (chosen) return chosen;
  const uint64_t cas = next_cas_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (cas > cas_ceiling_.load(std::memory_order_acquire) && !ReserveCas(cas)) {
    return std::nullopt;
  }
  return cas;
}

// The ceiling reaches the log, fsynced, before any unique above the old one
// is used, so a recovered item's CAS is never above the recovered ceiling.
bool RocksDbEngine::ReserveCas(uint64_t cas) {
  std::lock_guard lock(cas_mu_);
  if (cas <= cas_ceiling_.load(std::memory_order_relaxed)) return true;
  const uint64_t ceiling = cas + options_.cas_block;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::WriteBatch batch;
  batch.Put(meta_, kCasKey, Encode64(ceiling));
  const rocksdb::Status s = Write(sync, batch);
  if (!s.ok()) {
    NoteWriteError(s);
    return false;
  }
  cas_ceiling_.store(ceiling, std::memory_order_release);
  return true;
}

rocksdb::Status RocksDbEngine::Write(const rocksdb::WriteOptions& options,
                                     rocksdb::WriteBatch& batch) {
  if constexpr (kSerializeWrites) {
    std::lock_guard lock(serial_writes_);
    return db_->Write(options, &batch);
  }
  return db_->Write(options, &batch);
}

Status RocksDbEngine::Commit(rocksdb::WriteBatch& batch) {
  // After a failed write RocksDB refuses writes until it recovers: by itself
  // from a full disk once there is space, or when resumed, which writes try
  // at most once a second.
  if (degraded_.load(std::memory_order_relaxed)) {
    const uint32_t now = Now();
    if (resume_tried_at_.exchange(now, std::memory_order_relaxed) != now &&
        db_->Resume().ok()) {
      degraded_.store(false, std::memory_order_relaxed);
    }
  }
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  const rocksdb::Status s = Write(write, batch);
  if (s.ok()) return Status::kOk;
  NoteWriteError(s);
  return Status::kInternalError;
}

void RocksDbEngine::NoteWriteError(const rocksdb::Status& status) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  if (!degraded_.exchange(true, std::memory_order_relaxed)) {
    std::cerr << "tinkercache: write to data directory " << options_.data_dir
              << " failed: " << status.ToString()
              << "; writes answer a server error until it recovers\n";
  }
}

Status RocksDbEngine::Put(std::string_view key, const Record& record,
                          std::string_view suffix) {
  char header[kHeaderSize];
  record.EncodeHeader(header);
  const rocksdb::Slice key_part = ToSlice(key);
  const rocksdb::Slice parts[] = {{header, kHeaderSize},
                                  ToSlice(record.value), ToSlice(suffix)};
  rocksdb::WriteBatch batch(kHeaderSize + key.size() + record.value.size() +
                            suffix.size() + 32);
  batch.Put(items_, rocksdb::SliceParts(&key_part, 1),
            rocksdb::SliceParts(parts, suffix.empty() ? 2 : 3));
  return Commit(batch);
}

void RocksDbEngine::RunDueFlush(uint32_t now) {
  const uint32_t at = flush_at_.load(std::memory_order_acquire);
  if (at == 0 || now < at) return;
  std::lock_guard gate(flush_gate_);
  const uint32_t again = flush_at_.load(std::memory_order_acquire);
  if (again == 0 || now < again) return;
  FlushLocked();
}

void RocksDbEngine::FlushLocked() {
  rocksdb::WriteBatch batch;
  batch.DeleteRange(items_, rocksdb::Slice(), EndKey());
  batch.Delete(meta_, kFlushKey);
  if (Commit(batch) == Status::kOk) {
    flush_at_.store(0, std::memory_order_release);
  }
}

bool RocksDbEngine::SetMemoryLimit(uint64_t bytes) {
  if (block_cache_ == nullptr) return false;
  block_cache_->SetCapacity(bytes);
  return true;
}

void RocksDbEngine::Flush(uint32_t when) {
  if (when == 0 || when <= Now()) {
    // As memcached's immediate flush, it takes a CAS unique of its own.
    next_cas_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard gate(flush_gate_);
    FlushLocked();
    return;
  }
  rocksdb::WriteBatch batch;
  batch.Put(meta_, kFlushKey, Encode64(when));
  std::shared_lock gate(flush_gate_);
  if (Commit(batch) == Status::kOk) {
    flush_at_.store(when, std::memory_order_release);
  }
}

Status RocksDbEngine::Get(std::string_view key, ItemVisitor visit) {
  return Read</*kReport=*/false>(FetchArgs{key}, visit);
}

Status RocksDbEngine::GetAndTouch(std::string_view key, uint32_t deadline,
                                  ItemVisitor visit) {
  FetchArgs args{key};
  args.new_deadline = deadline;
  return Read</*kReport=*/false>(args, visit);
}

Status RocksDbEngine::Fetch(const FetchArgs& args, ItemVisitor visit) {
  return Read</*kReport=*/true>(args, visit);
}

// Reads take no lock of ours. A read that changes the item (a touch, a
// vivify, a recache win) reads again under the key's stripe and writes.
// Last access and "fetched before" are not kept: they would turn every read
// into a write.
template <bool kReport>
Status RocksDbEngine::Read(const FetchArgs& args, ItemVisitor visit) {
  const uint32_t now = Now();
  RunDueFlush(now);
  if (args.key.empty() || args.key.size() > kMaxKeyLength) {
    return Status::kNotFound;
  }
  const uint32_t recache = args.recache_deadline.value_or(0);
  auto report = [&](const Record& record, uint32_t previous_deadline,
                    uint8_t state) {
    ItemView view{args.key, record.value, record.flags, record.cas,
                  record.deadline};
    if constexpr (kReport) {
      view.previous_deadline = previous_deadline;
      view.state = state;
      if (record.bits & kBinaryKey) view.state |= kItemBinaryKey;
      view.footprint = static_cast<uint32_t>(kHeaderSize + args.key.size() +
                                             record.value.size());
    }
    visit(view);
  };

  rocksdb::PinnableSlice raw;
  Record record;
  Status status = ReadLive(args.key, now, raw, record);
  if (status == Status::kInternalError) return status;
  if (status == Status::kNotFound) {
    if (!raw.empty()) get_expired_.fetch_add(1, std::memory_order_relaxed);
    if (!kReport || !args.vivify_deadline) return status;
  } else if (!args.new_deadline) {
    StampedeMarks marks = record.marks();
    const uint8_t state =
        kReport && !args.peek ? OnFetch(marks, false, record.deadline, recache)
                              : 0;
    if (marks.token_sent == record.marks().token_sent) {
      report(record, record.deadline, state);
      return Status::kOk;
    }
  }

  std::shared_lock gate(flush_gate_);
  std::lock_guard lock(StripeFor(args.key));
  status = ReadLive(args.key, now, raw, record);
  if (status == Status::kInternalError) return status;
  const bool created =
      status == Status::kNotFound && kReport && args.vivify_deadline;
  if (status == Status::kNotFound && !created) return status;
  const Record before = record;
  if (created) {
    record = Record{};
    record.deadline = *args.vivify_deadline;
    const std::optional<uint64_t> cas = NextCas(std::nullopt);
    if (!cas) return Status::kInternalError;
    record.cas = *cas;
  }
  const uint32_t previous_deadline = record.deadline;
  if (args.new_deadline && !(created && args.vivify_last)) {
    record.deadline = *args.new_deadline;
  }
  uint8_t state = 0;
  if (kReport && !args.peek) {
    StampedeMarks marks = record.marks();
    state = OnFetch(marks, created, record.deadline, recache);
    record.set_marks(marks);
  }
  if (created) state |= kItemCreated;
  if (created || record.deadline != before.deadline ||
      record.bits != before.bits) {
    if (Status s = Put(args.key, record); s != Status::kOk) return s;
  }
  report(record, previous_deadline, state);
  return Status::kOk;
}

StoreResult RocksDbEngine::Store(const StoreArgs& args) {
  const std::string_view key = args.key;
  const StoreMode mode = args.mode;
  if (key.empty() || key.size() > kMaxKeyLength) {
    return {Status::kInvalidArguments};
  }
  if (!ItemFits(options_.item_size_max, key.size(), args.value.size(),
                args.flags)) {
    return {Status::kTooLarge};
  }
  const uint32_t now = Now();
  RunDueFlush(now);
  const bool concat = mode == StoreMode::kAppend || mode == StoreMode::kPrepend;

  std::shared_lock gate(flush_gate_);
  std::lock_guard lock(StripeFor(key));
  rocksdb::PinnableSlice raw;
  Record current;
  Status found = Status::kNotFound;
  // A plain set replaces whatever is there without looking.
  if (mode != StoreMode::kSet || args.expected_cas) {
    found = ReadLive(key, now, raw, current);
    if (found == Status::kInternalError) return {found};
  }
  Record next;
  next.flags = args.flags;
  next.deadline = args.deadline;
  next.value = args.value;
  std::string_view suffix;
  StampedeMarks marks;
  if (found != Status::kOk) {
    if (concat && args.vivify_deadline) {
      next.deadline = *args.vivify_deadline;
    } else if (concat || mode == StoreMode::kReplace) {
      return {args.expected_cas && !concat ? Status::kNotFound
                                           : Status::kNotStored};
    } else if (args.expected_cas) {
      return {Status::kNotFound};
    }
  } else if (args.expected_cas && current.cas != *args.expected_cas) {
    // Invalidation accepts an older CAS: the value is stored but stale,
    // keeping the item's deadline and whether a client already won.
    if (!(args.invalidate && !concat && mode != StoreMode::kAdd &&
          *args.expected_cas != 0 &&
          *args.expected_cas < current.cas)) {
      return {Status::kExists};
    }
    marks = {true, current.marks().token_sent};
    next.deadline = current.deadline;
  } else if (mode == StoreMode::kAdd && !args.expected_cas) {
    return {Status::kNotStored};
  } else if (concat) {
    if (!ItemFits(options_.item_size_max, key.size(),
                  current.value.size() + args.value.size(), current.flags)) {
      return {Status::kNotStored};  // as memcached: the join cannot be made
    }
    next.flags = current.flags;
    next.deadline = current.deadline;
    next.value = mode == StoreMode::kAppend ? current.value : args.value;
    suffix = mode == StoreMode::kAppend ? args.value : current.value;
  }
  const std::optional<uint64_t> cas = NextCas(args.new_cas);
  if (!cas) return {Status::kInternalError};
  next.cas = *cas;
  // As memcached's: an append joined to an item drops the base64 mark.
  next.bits = args.binary_key && !(concat && found == Status::kOk) ? kBinaryKey
                                                                   : 0;
  next.set_marks(marks);
  if (Status s = Put(key, next, suffix); s != Status::kOk) return {s};
  total_items_.fetch_add(1, std::memory_order_relaxed);
  return {Status::kOk, next.cas};
}

Status RocksDbEngine::Delete(const DeleteArgs& args) {
  if (args.key.empty() || args.key.size() > kMaxKeyLength) {
    return Status::kNotFound;
  }
  const uint32_t now = Now();
  RunDueFlush(now);
  std::shared_lock gate(flush_gate_);
  std::lock_guard lock(StripeFor(args.key));
  rocksdb::PinnableSlice raw;
  Record record;
  const Status found = ReadLive(args.key, now, raw, record);
  if (found != Status::kOk) return found;
  if (args.expected_cas && record.cas != *args.expected_cas) {
    return Status::kExists;
  }
  if (args.invalidate) {
    StampedeMarks marks = record.marks();
    OnInvalidate(marks);
    record.set_marks(marks);
    const std::optional<uint64_t> cas = NextCas(args.new_cas);
    if (!cas) return Status::kInternalError;
    record.cas = *cas;
    if (args.new_deadline) record.deadline = *args.new_deadline;
    return Put(args.key, record);
  }
  rocksdb::WriteBatch batch;
  batch.Delete(items_, ToSlice(args.key));
  return Commit(batch);
}

ArithmeticResult RocksDbEngine::Arithmetic(const ArithmeticArgs& args) {
  const std::string_view key = args.key;
  if (key.empty() || key.size() > kMaxKeyLength) {
    return {Status::kInvalidArguments};
  }
  const uint32_t now = Now();
  RunDueFlush(now);
  std::shared_lock gate(flush_gate_);
  std::lock_guard lock(StripeFor(key));
  rocksdb::PinnableSlice raw;
  Record record;
  const Status found = ReadLive(key, now, raw, record);
  if (found == Status::kInternalError) return {found};
  ArithmeticResult result;
  std::string digits;
  if (found == Status::kNotFound) {
    if (!args.create) return {Status::kNotFound};
    record = Record{};
    record.deadline = args.create->deadline;
    result.value = args.create->initial;
    result.created = true;
    digits = std::to_string(result.value);
  } else {
    // An empty value is refused before the CAS is compared, as memcached.
    if (record.value.empty()) return {Status::kNonNumeric};
    if (args.expected_cas && record.cas != *args.expected_cas) {
      return {Status::kExists};
    }
    const std::optional<uint64_t> current = ParseCounter(record.value);
    if (!current) return {Status::kNonNumeric};
    result.previous_deadline = record.deadline;
    if (args.increment) {
      result.value = *current + args.delta;  // wraps at 2^64 like memcached
    } else {
      result.value = args.delta > *current ? 0 : *current - args.delta;
    }
    digits = std::to_string(result.value);
    // A shorter number keeps the length, space-padded, as memcached does.
    if (digits.size() < record.value.size()) {
      digits.resize(record.value.size(), ' ');
    }
  }
  const std::optional<uint64_t> cas = NextCas(args.new_cas);
  if (!cas) return {Status::kInternalError};
  record.cas = *cas;
  if (args.new_deadline &&
      !(result.created && args.create->keeps_deadline)) {
    record.deadline = *args.new_deadline;
  }
  record.value = digits;
  if (Status s = Put(key, record); s != Status::kOk) return {s};
  result.cas = record.cas;
  result.deadline = record.deadline;
  return result;
}

bool RocksDbEngine::WriteStats(std::string_view group, StatWriter& out) {
  auto property = [&](const char* name) {
    uint64_t v = 0;
    db_->GetIntProperty(items_, name, &v);
    return v;
  };
  const uint64_t keys = property("rocksdb.estimate-num-keys");
  if (group.empty()) {
    uint64_t wal_bytes = 0;
    rocksdb::VectorLogPtr wal_files;
    if (db_->GetSortedWalFiles(wal_files).ok()) {
      for (const auto& file : wal_files) wal_bytes += file->SizeFileBytes();
    }
    const uint64_t sst_bytes = property("rocksdb.total-sst-files-size");
    out.Add("get_expired", get_expired_.load(std::memory_order_relaxed));
    out.Add("get_flushed", uint64_t{0});  // a flush deletes at once
    out.Add("bytes", property("rocksdb.estimate-live-data-size") +
                         property("rocksdb.cur-size-all-mem-tables"));
    out.Add("curr_items", keys);
    out.Add("total_items", total_items_.load(std::memory_order_relaxed));
    out.Add("expired_unfetched", uint64_t{0});
    out.Add("evicted_unfetched", uint64_t{0});
    out.Add("evictions", uint64_t{0});  // the disk holds everything
    out.Add("reclaimed", filter_->dropped());
    out.Add("rocksdb_keys", keys);
    out.Add("rocksdb_disk_bytes", sst_bytes + wal_bytes);
    out.Add("rocksdb_sst_bytes", sst_bytes);
    out.Add("rocksdb_wal_bytes", wal_bytes);
    out.Add("rocksdb_memtable_bytes",
            property("rocksdb.cur-size-all-mem-tables"));
    out.Add("rocksdb_write_errors",
            write_errors_.load(std::memory_order_relaxed));
    return true;
  }
  if (group == "items") {
    if (keys == 0) return true;
    out.Add("items:1:number", keys);
    out.Add("items:1:reclaimed", filter_->dropped());
    return true;
  }
  if (group == "settings") {
    out.Add("engine", "rocksdb");
    out.Add("data_dir", options_.data_dir);
    out.Add("sync", options_.sync ? "yes" : "no");
    return true;
  }
  return false;
}

void RocksDbEngine::ListItems(ItemListVisitor visit) {
  const uint32_t now = Now();
  RunDueFlush(now);
  // The iterator reads a consistent view and takes no lock of ours.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), items_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Record record;
    if (!record.Decode(it->value().ToStringView()) || record.Expired(now)) {
      continue;
    }
    if (!visit(ItemListing{it->key().ToStringView(), record.value.size(),
                           record.deadline})) {
      return;
    }
  }
}

void RocksDbEngine::ResetStats() {
  total_items_.store(0, std::memory_order_relaxed);
  get_expired_.store(0, std::memory_order_relaxed);
}

void RocksDbEngine::CompactAll() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  db_->CompactRange(options, items_, nullptr, nullptr);
}

uint64_t RocksDbEngine::CountRecords() {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), items_));
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

}  // namespace tinkercache
