#include "src/storage/memory_engine.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "src/core/numbers.h"
#include "src/core/settings.h"
#include "src/core/stampede.h"
#include "src/storage/item_table.h"

namespace tinkercache {

struct MemoryEngine::Item {
  uint64_t cas;
  uint32_t deadline;  // absolute unix seconds, 0: never
  uint32_t flags;
  uint32_t value_length;
  uint8_t key_length;
  uint8_t bits;
  uint16_t access;  // unix seconds of the last access, modulo 2^16

  char* key_data() { return reinterpret_cast<char*>(this + 1); }
  char* value_data() { return key_data() + key_length; }
  std::string_view key() { return {key_data(), key_length}; }
  std::string_view value() { return {value_data(), value_length}; }
  bool Expired(uint32_t now) const { return DeadlinePassed(deadline, now); }
};

// The header is the per-item overhead that the memory target is sized on.
static_assert(sizeof(MemoryEngine::Item) == 24);

namespace {

// A shard lock is taken on every request and held for a hash probe and a
// copy, so it spins (then yields, in case the holder was preempted) rather
// than sleeping: a few instructions uncontended, where absl::Mutex costs
// about 60 and pthread's about 70. Annotated like absl::Mutex.
class ABSL_LOCKABLE ShardMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < 128) {
          Pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    locked_.store(false, std::memory_order_release);
  }

 private:
  static void Pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  std::atomic<bool> locked_{false};
};

class ABSL_SCOPED_LOCKABLE ShardLock {
 public:
  explicit ShardLock(ShardMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->Lock();
  }
  ~ShardLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  ShardLock(const ShardLock&) = delete;
  ShardLock& operator=(const ShardLock&) = delete;

 private:
  ShardMutex* const mu_;
};

}  // namespace

struct alignas(64) MemoryEngine::Shard {
  ShardMutex mu;
  ItemTable<Item> table ABSL_GUARDED_BY(mu);
  size_t clock_hand ABSL_GUARDED_BY(mu) = 0;
  size_t reclaim_hand ABSL_GUARDED_BY(mu) = 0;
  uint64_t index = 0;
  int64_t unreported ABSL_GUARDED_BY(mu) = 0;  // bytes not yet in the estimate
  // Stats, under mu so the hot path needs no atomics.
  uint64_t bytes ABSL_GUARDED_BY(mu) = 0;
  uint64_t total_items ABSL_GUARDED_BY(mu) = 0;
  uint64_t evictions ABSL_GUARDED_BY(mu) = 0;
  uint64_t evicted_unfetched ABSL_GUARDED_BY(mu) = 0;
  uint64_t reclaimed ABSL_GUARDED_BY(mu) = 0;
  uint64_t expired_unfetched ABSL_GUARDED_BY(mu) = 0;
  uint64_t get_expired ABSL_GUARDED_BY(mu) = 0;
  uint64_t out_of_memory ABSL_GUARDED_BY(mu) = 0;
};

namespace {

using Item = MemoryEngine::Item;
using Shard = MemoryEngine::Shard;

constexpr uint8_t kReferenced = 1;  // CLOCK: used since the hand last passed
constexpr uint8_t kFetched = 2;     // read at least once
constexpr uint8_t kStale = 4;       // stampede marks (src/core/stampede.h)
constexpr uint8_t kTokenSent = 8;
constexpr uint8_t kBinaryKey = 16;  // StoreArgs::binary_key
constexpr uint64_t kReclaimSlotsPerTick = 64;

// The last access fits the header's 16 spare bits as seconds modulo 2^16.
// The reclaimer visits every item well within that period and holds the
// stamp of an item idle for longer at kIdleHorizon, so an age reads exactly
// up to about nine hours and as "at least kIdleHorizon" beyond.
constexpr uint32_t kIdleHorizon = 1u << 15;

uint16_t Stamp(uint32_t now) { return static_cast<uint16_t>(now); }

uint32_t SecondsIdle(const Item* item, uint32_t now) {
  return static_cast<uint16_t>(Stamp(now) - item->access);
}

StampedeMarks MarksOf(const Item* item) {
  return {(item->bits & kStale) != 0, (item->bits & kTokenSent) != 0};
}

void SetMarks(Item* item, StampedeMarks marks) {
  item->bits = static_cast<uint8_t>((item->bits & ~(kStale | kTokenSent)) |
                                    (marks.stale ? kStale : 0) |
                                    (marks.token_sent ? kTokenSent : 0));
}

uint64_t HashKey(std::string_view key) {
  // Through absl::string_view: Abseil's own string hash. (Debian's
  // std::string_view is a distinct type that Abseil hashes via std::hash,
  // which costs twice the instructions for a short key.)
  return absl::Hash<absl::string_view>{}(
      absl::string_view(key.data(), key.size()));
}

// What the allocator really takes for an item (glibc: 8 bytes of chunk
// header, 16-byte granularity), so the memory limit tracks resident memory.
uint64_t Charge(const Item* item) {
  const size_t n = sizeof(Item) + item->key_length + item->value_length;
  return std::max<size_t>(32, (n + 8 + 15) & ~size_t{15});
}

Item* NewItem(std::string_view key, size_t value_length, uint32_t flags,
              uint32_t deadline, uint32_t now) {
  void* mem = ::operator new(sizeof(Item) + key.size() + value_length);
  Item* item = new (mem) Item{};
  item->access = Stamp(now);
  item->flags = flags;
  item->deadline = deadline;
  item->value_length = static_cast<uint32_t>(value_length);
  item->key_length = static_cast<uint8_t>(key.size());
  std::memcpy(item->key_data(), key.data(), key.size());
  return item;
}

// Items removed under a shard lock, freed after it is released.
using Graveyard = absl::InlinedVector<Item*, 4>;

void FreeAll(const Graveyard& dead) {
  for (Item* item : dead) ::operator delete(item);
}

ItemView View(Item* item) {
  return ItemView{item->key(), item->value(), item->flags, item->cas,
                  item->deadline};
}

}  // namespace

constexpr size_t kNone = ItemTable<Item>::kNotFound;

// Operations on one locked shard. Removed items go to a graveyard that the
// caller frees after unlocking, so no free() runs under a shard lock.
struct MemoryEngine::Located {
  Shard& shard;
  uint64_t hash;
  std::string_view key;
  Graveyard graveyard = {};

  // The slot of the live item with this key, or kNone; an expired one is
  // removed.
  size_t FindLive(uint32_t now, bool count_get = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    const size_t slot = shard.table.Find(hash, [this](Item* item) {
      return item->key_length == key.size() &&
             std::memcmp(item->key_data(), key.data(), key.size()) == 0;
    });
    if (slot == kNone || !shard.table.at(slot)->Expired(now)) return slot;
    if (count_get) ++shard.get_expired;
    Bury(slot, /*evicted=*/false);
    return kNone;
  }

  Item* at(size_t slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    return shard.table.at(slot);
  }

  // Removes a slot's item without counting it as evicted or reclaimed.
  void Remove(size_t slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    Item* item = shard.table.at(slot);
    shard.table.Erase(slot);
    shard.bytes -= Charge(item);
    graveyard.push_back(item);
  }

  uint64_t Bury(size_t slot, bool evicted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    Item* item = shard.table.at(slot);
    const uint64_t charge = Charge(item);
    Remove(slot);
    const bool fetched = item->bits & kFetched;
    if (evicted) {
      ++shard.evictions;
      if (!fetched) ++shard.evicted_unfetched;
    } else {
      ++shard.reclaimed;
      if (!fetched) ++shard.expired_unfetched;
    }
    return charge;
  }

  // One sequence for the whole engine, as memcached's: a later write has a
  // larger CAS whatever its key, which meta I's "older CAS" test relies on.
  static uint64_t NextCas(std::atomic<uint64_t>& sequence) {
    return sequence.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  // A client's explicit CAS (meta E) or the next unique one.
  static uint64_t CasFor(const std::optional<uint64_t>& explicit_cas,
                         std::atomic<uint64_t>& sequence) {
    return explicit_cas ? *explicit_cas : NextCas(sequence);
  }

  // Puts `fresh` in `slot` (replacing that item, which has the same key)
  // or, with kNone, adds it. Adding may rebuild the table (a shard only
  // ever stalls its own keys).
  void Place(size_t slot, Item* fresh) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    ++shard.total_items;
    shard.bytes += Charge(fresh);
    if (slot != kNone) {
      Item* old = shard.table.at(slot);
      shard.table.Replace(slot, fresh);
      shard.bytes -= Charge(old);
      graveyard.push_back(old);
      return;
    }
    shard.table.Insert(hash, fresh,
                       [](Item* item) { return HashKey(item->key()); });
  }

  // Advances `hand` over up to `max_slots` slots, removing expired items
  // and, with `evict`, items not referenced since the hand last passed
  // (CLOCK), until `want` bytes are freed. Returns the bytes freed.
  uint64_t Sweep(size_t& hand, uint64_t want, uint32_t now, size_t max_slots,
                 bool evict) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    uint64_t freed = 0;
    const size_t capacity = shard.table.capacity();
    for (size_t n = 0; n < max_slots && freed < want; ++n) {
      if (hand >= capacity) hand = 0;
      const size_t slot = hand++;
      Item* item = shard.table.at(slot);
      if (item == nullptr) continue;
      if (item->Expired(now)) {
        freed += Bury(slot, /*evicted=*/false);
        continue;
      }
      if (SecondsIdle(item, now) > kIdleHorizon) {
        item->access = static_cast<uint16_t>(Stamp(now) - kIdleHorizon);
      }
      if (evict && !(item->bits & kReferenced)) {
        freed += Bury(slot, /*evicted=*/true);
      } else if (evict) {
        item->bits &= ~kReferenced;
      }
    }
    return freed;
  }
};

MemoryEngine::MemoryEngine(const Clock& clock, MemoryEngineOptions options)
    : clock_(clock),
      options_(options),
      num_shards_(size_t{1} << options.shard_bits),
      shards_(new Shard[num_shards_]),
      // A 1/64 share of each shard's part of the limit, at most 64 KiB: the
      // estimate stays within 1/64 of the limit.
      report_step_(static_cast<int64_t>(std::clamp<uint64_t>(
          options.max_bytes / num_shards_ / 64, 1, 64 * 1024))),
      max_bytes_(options.max_bytes) {
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& s = shards_[i];
    ShardLock lock(&s.mu);
    s.index = i;
  }
  if (options_.reclaim_interval > absl::ZeroDuration()) {
    reclaimer_ = std::thread([this] { ReclaimLoop(); });
  }
}

MemoryEngine::~MemoryEngine() {
  stop_.Notify();
  if (reclaimer_.joinable()) reclaimer_.join();
  ClearAll();
}

MemoryEngine::Shard& MemoryEngine::ShardFor(uint64_t hash) const {
  // High bits pick the shard, low bits the bucket: independent choices.
  return shards_[options_.shard_bits == 0 ? 0
                                          : hash >> (64 - options_.shard_bits)];
}

void MemoryEngine::RunDueFlush(uint32_t now) {
  uint32_t at = flush_at_.load(std::memory_order_acquire);
  if (at == 0 || now < at) return;
  if (flush_at_.compare_exchange_strong(at, 0)) ClearAll();
}

void MemoryEngine::ClearAll() {
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& s = shards_[i];
    std::vector<Item*> dead;
    {
      ShardLock lock(&s.mu);
      dead.reserve(s.table.size());
      s.table.Clear([&dead](Item* item) { dead.push_back(item); });
      Account(s, -static_cast<int64_t>(s.bytes));
      s.bytes = 0;
    }
    for (Item* item : dead) ::operator delete(item);
  }
}

void MemoryEngine::Account(Shard& shard, int64_t delta) {
  shard.unreported += delta;
  if (shard.unreported >= report_step_ || shard.unreported <= -report_step_) {
    used_estimate_.fetch_add(shard.unreported, std::memory_order_relaxed);
    shard.unreported = 0;
  }
}

uint64_t MemoryEngine::used_bytes() const {
  uint64_t n = 0;
  for (size_t i = 0; i < num_shards_; ++i) {
    ShardLock lock(&shards_[i].mu);
    n += shards_[i].bytes;
  }
  return n;
}

bool MemoryEngine::MakeRoom(uint64_t charge) {
  // The estimate may lag the exact figure by the slack: budgeting against
  // the limit less the slack keeps the exact figure (stats "bytes") within
  // -m, as memcached's is.
  const uint64_t slack = accounting_slack();
  const uint64_t max_bytes = max_bytes_.load(std::memory_order_relaxed);
  const uint64_t limit = max_bytes > slack ? max_bytes - slack : 0;
  auto fits = [&] {
    const int64_t used = used_estimate_.load(std::memory_order_relaxed);
    return std::max<int64_t>(used, 0) + static_cast<int64_t>(charge) <=
           static_cast<int64_t>(limit);
  };
  if (fits()) return true;
  if (!options_.evictions || charge > limit) return false;
  const uint32_t now = Now();
  // Two rounds over all shards: CLOCK may first only clear reference bits.
  for (size_t attempt = 0; attempt < 2 * num_shards_ && !fits(); ++attempt) {
    Shard& s = shards_[evict_cursor_.fetch_add(1, std::memory_order_relaxed) &
                       (num_shards_ - 1)];
    Located at{s, 0, {}};
    {
      ShardLock lock(&s.mu);
      const int64_t used = used_estimate_.load(std::memory_order_relaxed);
      const int64_t over = used + static_cast<int64_t>(charge) -
                           static_cast<int64_t>(limit);
      const uint64_t want = over > 0 ? static_cast<uint64_t>(over) : 1;
      const uint64_t freed =
          at.Sweep(s.clock_hand, want, now, s.table.capacity(),
                   /*evict=*/true);
      // Evictions report at once: the next fits() must see them.
      s.unreported -= static_cast<int64_t>(freed);
      used_estimate_.fetch_add(s.unreported, std::memory_order_relaxed);
      s.unreported = 0;
    }
    FreeAll(at.graveyard);
  }
  return fits();
}

// One read path for get, touch and the meta get, so every read marks an
// item the same way; the meta get's extras compile out of plain reads.
Status MemoryEngine::Get(std::string_view key, ItemVisitor visit) {
  return Read</*kReport=*/false>(FetchArgs{key}, visit);
}

Status MemoryEngine::GetAndTouch(std::string_view key, uint32_t deadline,
                                 ItemVisitor visit) {
  FetchArgs args{key};
  args.new_deadline = deadline;
  return Read</*kReport=*/false>(args, visit);
}

Status MemoryEngine::Fetch(const FetchArgs& args, ItemVisitor visit) {
  return Read</*kReport=*/true>(args, visit);
}

template <bool kReport>
Status MemoryEngine::Read(const FetchArgs& args, ItemVisitor visit) {
  const uint32_t now = Now();
  RunDueFlush(now);
  const uint64_t hash = HashKey(args.key);
  Located at{ShardFor(hash), hash, args.key};
  // A vivified item is built before the lock, as stores are; without room
  // for it the miss stays a miss.
  Item* fresh = nullptr;
  if (kReport && args.vivify_deadline && !args.key.empty() &&
      args.key.size() <= kMaxKeyLength) {
    fresh = NewItem(args.key, 0, 0, *args.vivify_deadline, now);
    if (!MakeRoom(Charge(fresh))) {
      ::operator delete(fresh);
      fresh = nullptr;
    }
  }
  Status status = Status::kNotFound;
  {
    ShardLock lock(&at.shard.mu);
    const uint64_t before = at.shard.bytes;
    const size_t slot = at.FindLive(now, /*count_get=*/true);
    Item* item = slot != kNone ? at.at(slot) : nullptr;
    const bool created = item == nullptr && fresh != nullptr;
    if (created) {
      fresh->cas = at.NextCas(cas_sequence_);
      at.Place(kNone, fresh);
      item = fresh;
      fresh = nullptr;
    }
    if (item != nullptr) {
      ItemView view = View(item);
      if constexpr (kReport) {
        view.previous_deadline = item->deadline;
        view.last_access = now - SecondsIdle(item, now);
      }
      if (args.new_deadline && !(created && args.vivify_last)) {
        item->deadline = *args.new_deadline;
      }
      if constexpr (kReport) {
        if (!args.peek) {
          StampedeMarks marks = MarksOf(item);
          view.state = OnFetch(marks, created, item->deadline,
                               args.recache_deadline.value_or(0));
          SetMarks(item, marks);
        }
        if (created) view.state |= kItemCreated;
        if (item->bits & kFetched) view.state |= kItemHitBefore;
        if (item->bits & kBinaryKey) view.state |= kItemBinaryKey;
        view.footprint = static_cast<uint32_t>(Charge(item));
      }
      if (args.bump && !args.peek) {
        item->bits |= kReferenced | kFetched;
        item->access = Stamp(now);
      }
      view.deadline = item->deadline;
      visit(view);
      status = Status::kOk;
    }
    Account(at.shard, static_cast<int64_t>(at.shard.bytes - before));
  }
  if (fresh != nullptr) ::operator delete(fresh);
  FreeAll(at.graveyard);
  return status;
}

StoreResult MemoryEngine::Store(const StoreArgs& args) {
  const std::string_view key = args.key;
  const std::string_view value = args.value;
  const StoreMode mode = args.mode;
  if (key.empty() || key.size() > kMaxKeyLength) {
    return {Status::kInvalidArguments};
  }
  if (!ItemFits(options_.item_size_max, key.size(), value.size(),
                args.flags)) {
    return {Status::kTooLarge};
  }
  const uint32_t now = Now();
  RunDueFlush(now);
  const uint64_t hash = HashKey(key);
  Located at{ShardFor(hash), hash, key};
  const bool concat = mode == StoreMode::kAppend || mode == StoreMode::kPrepend;

  // Whole-value stores build the item before taking the lock.
  Item* fresh = nullptr;
  if (!concat) {
    fresh = NewItem(key, value.size(), args.flags, args.deadline, now);
    std::memcpy(fresh->value_data(), value.data(), value.size());
    if (!MakeRoom(Charge(fresh))) {
      ::operator delete(fresh);
      ShardLock lock(&at.shard.mu);
      ++at.shard.out_of_memory;
      return {Status::kNoMemory};
    }
  }

  StoreResult result;
  {
    ShardLock lock(&at.shard.mu);
    const uint64_t before = at.shard.bytes;
    const size_t slot = at.FindLive(now);
    Item* current = slot != kNone ? at.at(slot) : nullptr;
    StampedeMarks marks;
    if (current == nullptr) {
      if (concat && args.vivify_deadline) {
        fresh = NewItem(key, value.size(), args.flags, *args.vivify_deadline,
                        now);
        std::memcpy(fresh->value_data(), value.data(), value.size());
      } else if (concat || mode == StoreMode::kReplace) {
        result.status = args.expected_cas && !concat ? Status::kNotFound
                                                     : Status::kNotStored;
      } else if (args.expected_cas) {
        result.status = Status::kNotFound;
      }
    } else if (args.expected_cas && current->cas != *args.expected_cas) {
      // Invalidation accepts an older CAS: the value is stored but stale,
      // keeping the item's deadline and whether a client already won.
      if (args.invalidate && !concat && mode != StoreMode::kAdd &&
          *args.expected_cas != 0 &&
          *args.expected_cas < current->cas) {
        marks = {true, (current->bits & kTokenSent) != 0};
        fresh->deadline = current->deadline;
      } else {
        result.status = Status::kExists;
      }
    } else if (mode == StoreMode::kAdd && !args.expected_cas) {
      current->bits |= kReferenced;
      result.status = Status::kNotStored;
    } else if (concat) {
      const size_t length = current->value_length + value.size();
      if (!ItemFits(options_.item_size_max, key.size(), length,
                    current->flags)) {
        // memcached cannot allocate the joined item: "not stored".
        result.status = Status::kNotStored;
      } else {
        fresh = NewItem(key, length, current->flags, current->deadline, now);
        char* out = fresh->value_data();
        if (mode == StoreMode::kAppend) {
          std::memcpy(out, current->value_data(), current->value_length);
          std::memcpy(out + current->value_length, value.data(), value.size());
        } else {
          std::memcpy(out, value.data(), value.size());
          std::memcpy(out + value.size(), current->value_data(),
                      current->value_length);
        }
      }
    }
    if (result.status == Status::kOk) {
      fresh->cas = at.CasFor(args.new_cas, cas_sequence_);
      // memcached joins an append into a new item that does not keep the
      // base64 mark.
      const bool joined = concat && current != nullptr;
      fresh->bits =
          kReferenced | (args.binary_key && !joined ? kBinaryKey : 0);
      SetMarks(fresh, marks);
      result.cas = fresh->cas;
      at.Place(slot, fresh);
      fresh = nullptr;
    }
    Account(at.shard, static_cast<int64_t>(at.shard.bytes - before));
  }
  if (fresh != nullptr) ::operator delete(fresh);
  FreeAll(at.graveyard);
  if (concat && result.status == Status::kOk) MakeRoom(0);
  return result;
}

Status MemoryEngine::Delete(const DeleteArgs& args) {
  const uint32_t now = Now();
  RunDueFlush(now);
  const uint64_t hash = HashKey(args.key);
  Located at{ShardFor(hash), hash, args.key};
  Status status = Status::kNotFound;
  {
    ShardLock lock(&at.shard.mu);
    const uint64_t before = at.shard.bytes;
    if (const size_t slot = at.FindLive(now); slot != kNone) {
      Item* item = at.at(slot);
      if (args.expected_cas && item->cas != *args.expected_cas) {
        status = Status::kExists;
      } else if (args.invalidate) {
        StampedeMarks marks = MarksOf(item);
        OnInvalidate(marks);
        SetMarks(item, marks);
        item->cas = at.CasFor(args.new_cas, cas_sequence_);
        if (args.new_deadline) item->deadline = *args.new_deadline;
        status = Status::kOk;
      } else {
        at.Remove(slot);
        status = Status::kOk;
      }
    }
    Account(at.shard, static_cast<int64_t>(at.shard.bytes - before));
  }
  FreeAll(at.graveyard);
  return status;
}

ArithmeticResult MemoryEngine::Arithmetic(const ArithmeticArgs& args) {
  const std::string_view key = args.key;
  if (key.empty() || key.size() > kMaxKeyLength) {
    return {Status::kInvalidArguments};
  }
  const uint32_t now = Now();
  RunDueFlush(now);
  const uint64_t hash = HashKey(key);
  Located at{ShardFor(hash), hash, key};
  ArithmeticResult result;
  int64_t bytes_delta = 0;
  {
    ShardLock lock(&at.shard.mu);
    const uint64_t before = at.shard.bytes;
    const size_t slot = at.FindLive(now);
    char digits[20];
    Item* changed = nullptr;
    if (slot == kNone) {
      if (!args.create) {
        result.status = Status::kNotFound;
      } else {
        const size_t n = static_cast<size_t>(
            std::to_chars(digits, digits + 20, args.create->initial).ptr -
            digits);
        changed = NewItem(key, n, 0, args.create->deadline, now);
        std::memcpy(changed->value_data(), digits, n);
        changed->bits = kReferenced;
        at.Place(kNone, changed);
        result.value = args.create->initial;
        result.created = true;
      }
    } else if (at.at(slot)->value_length == 0) {
      result.status = Status::kNonNumeric;  // before the CAS, as memcached
    } else if (args.expected_cas && at.at(slot)->cas != *args.expected_cas) {
      result.status = Status::kExists;
    } else if (auto current = ParseCounter(at.at(slot)->value())) {
      Item* item = at.at(slot);
      result.previous_deadline = item->deadline;
      uint64_t next;
      if (args.increment) {
        next = *current + args.delta;  // wraps at 2^64 like memcached
      } else {
        next = args.delta > *current ? 0 : *current - args.delta;
      }
      const size_t n = static_cast<size_t>(
          std::to_chars(digits, digits + 20, next).ptr - digits);
      if (n <= item->value_length) {
        // In place, space-padded as memcached does: the length stays.
        std::memcpy(item->value_data(), digits, n);
        std::memset(item->value_data() + n, ' ', item->value_length - n);
        changed = item;
      } else {
        changed = NewItem(key, n, item->flags, item->deadline, now);
        std::memcpy(changed->value_data(), digits, n);
        at.Place(slot, changed);
      }
      changed->bits |= kReferenced;  // a change, not a fetch (meta h)
      changed->access = Stamp(now);
      result.value = next;
    } else {
      result.status = Status::kNonNumeric;
    }
    if (changed != nullptr) {
      changed->cas = at.CasFor(args.new_cas, cas_sequence_);
      if (args.new_deadline &&
          !(result.created && args.create->keeps_deadline)) {
        changed->deadline = *args.new_deadline;
      }
      result.cas = changed->cas;
      result.deadline = changed->deadline;
    }
    bytes_delta = static_cast<int64_t>(at.shard.bytes - before);
    Account(at.shard, bytes_delta);
  }
  FreeAll(at.graveyard);
  if (bytes_delta > 0) MakeRoom(0);
  return result;
}

bool MemoryEngine::SetMemoryLimit(uint64_t bytes) {
  // As memcached's: nothing is evicted now; stores evict as they need room.
  max_bytes_.store(bytes, std::memory_order_relaxed);
  return true;
}

void MemoryEngine::Flush(uint32_t when) {
  if (when == 0 || when <= Now()) {
    // memcached's immediate flush takes a CAS unique of its own: the next
    // item's CAS is two above the last one before it.
    cas_sequence_.fetch_add(1, std::memory_order_relaxed);
    flush_at_.store(0, std::memory_order_release);
    ClearAll();
  } else {
    flush_at_.store(when, std::memory_order_release);
  }
}

size_t MemoryEngine::SweepExpired(size_t shard_index, uint32_t now,
                                  bool whole_shard) {
  Located at{shards_[shard_index], 0, {}};
  {
    ShardLock lock(&at.shard.mu);
    const size_t slots = at.shard.table.capacity();
    const size_t slice =
        whole_shard ? slots
                    : std::max<size_t>(kReclaimSlotsPerTick, slots / 16);
    const uint64_t freed = at.Sweep(at.shard.reclaim_hand, UINT64_MAX, now,
                                    slice, /*evict=*/false);
    Account(at.shard, -static_cast<int64_t>(freed));
  }
  const size_t removed = at.graveyard.size();
  FreeAll(at.graveyard);
  return removed;
}

size_t MemoryEngine::ReclaimExpired() {
  const uint32_t now = Now();
  RunDueFlush(now);
  size_t removed = 0;
  for (size_t i = 0; i < num_shards_; ++i) {
    removed += SweepExpired(i, now, /*whole_shard=*/true);
  }
  return removed;
}

void MemoryEngine::ReclaimLoop() {
  // Incremental: each tick sweeps a slice of every shard, so a large cache
  // is covered over several ticks instead of in one long pause.
  while (!stop_.WaitForNotificationWithTimeout(options_.reclaim_interval)) {
    const uint32_t now = Now();
    RunDueFlush(now);
    for (size_t i = 0; i < num_shards_ && !stop_.HasBeenNotified(); ++i) {
      SweepExpired(i, now, /*whole_shard=*/false);
    }
  }
}

uint64_t MemoryEngine::item_count() const {
  uint64_t n = 0;
  for (size_t i = 0; i < num_shards_; ++i) {
    ShardLock lock(&shards_[i].mu);
    n += shards_[i].table.size();
  }
  return n;
}

bool MemoryEngine::WriteStats(std::string_view group, StatWriter& out) {
  struct Totals {
    uint64_t count = 0, bytes = 0, total_items = 0, evictions = 0,
             evicted_unfetched = 0, reclaimed = 0, expired_unfetched = 0,
             get_expired = 0, out_of_memory = 0, slots = 0;
  } t;
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& s = shards_[i];
    ShardLock lock(&s.mu);
    t.count += s.table.size();
    t.bytes += s.bytes;
    t.total_items += s.total_items;
    t.evictions += s.evictions;
    t.evicted_unfetched += s.evicted_unfetched;
    t.reclaimed += s.reclaimed;
    t.expired_unfetched += s.expired_unfetched;
    t.get_expired += s.get_expired;
    t.out_of_memory += s.out_of_memory;
    t.slots += s.table.capacity();
  }
  if (group.empty()) {
    out.Add("get_expired", t.get_expired);
    out.Add("get_flushed", uint64_t{0});  // flush frees items at once
    uint64_t power = 0;
    while ((uint64_t{1} << (power + 1)) <= t.slots) ++power;
    out.Add("hash_power_level", power);
    out.Add("hash_bytes", t.slots * sizeof(uint64_t));
    out.Add("hash_is_expanding", false);
    out.Add("bytes", t.bytes);
    out.Add("curr_items", t.count);
    out.Add("total_items", t.total_items);
    out.Add("expired_unfetched", t.expired_unfetched);
    out.Add("evicted_unfetched", t.evicted_unfetched);
    out.Add("evictions", t.evictions);
    out.Add("reclaimed", t.reclaimed);
    return true;
  }
  if (group == "items") {
    // One item class: the whole cache. Per-class dashboards still sum right.
    if (t.count == 0) return true;
    out.Add("items:1:number", t.count);
    out.Add("items:1:age", uint64_t{0});
    out.Add("items:1:mem_requested", t.bytes);
    out.Add("items:1:evicted", t.evictions);
    out.Add("items:1:evicted_nonzero", uint64_t{0});
    out.Add("items:1:evicted_time", uint64_t{0});
    out.Add("items:1:outofmemory", t.out_of_memory);
    out.Add("items:1:reclaimed", t.reclaimed);
    out.Add("items:1:expired_unfetched", t.expired_unfetched);
    out.Add("items:1:evicted_unfetched", t.evicted_unfetched);
    return true;
  }
  if (group == "slabs") {
    out.Add("active_slabs", uint64_t{t.count > 0 ? 1u : 0u});
    out.Add("total_malloced", t.bytes);
    return true;
  }
  if (group == "sizes") {
    out.Add("sizes_status", "disabled");
    return true;
  }
  return false;
}

void MemoryEngine::ListItems(ItemListVisitor visit) {
  const uint32_t now = Now();
  RunDueFlush(now);
  // A shard's live items are copied out under its lock and visited after,
  // so the visitor never runs under a shard lock.
  struct Listed {
    size_t key_at;
    uint8_t key_length;
    uint32_t value_length;
    uint32_t deadline;
  };
  std::vector<Listed> listed;
  std::string keys;
  for (size_t i = 0; i < num_shards_; ++i) {
    listed.clear();
    keys.clear();
    {
      Shard& s = shards_[i];
      ShardLock lock(&s.mu);
      for (size_t slot = 0; slot < s.table.capacity(); ++slot) {
        Item* item = s.table.at(slot);
        if (item == nullptr || item->Expired(now)) continue;
        listed.push_back(Listed{keys.size(), item->key_length,
                                item->value_length, item->deadline});
        keys.append(item->key());
      }
    }
    for (const Listed& l : listed) {
      const std::string_view key(keys.data() + l.key_at, l.key_length);
      if (!visit(ItemListing{key, l.value_length, l.deadline})) return;
    }
  }
}

void MemoryEngine::ResetStats() {
  for (size_t i = 0; i < num_shards_; ++i) {
    Shard& s = shards_[i];
    ShardLock lock(&s.mu);
    s.total_items = s.evictions = s.evicted_unfetched = s.reclaimed =
        s.expired_unfetched = s.get_expired = s.out_of_memory = 0;
  }
}

}  // namespace tinkercache
