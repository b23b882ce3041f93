#include "src/core/executor.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tinkercache {
namespace {

using Callback = Status (Handler::*)(const Request&, ResponseSink&);

constexpr std::array<Callback, kNumCommands> kCallbacks = {
#define TINKERCACHE_CALLBACK(id, name, counter, hit, miss) &Handler::id,
    TINKERCACHE_COMMANDS(TINKERCACHE_CALLBACK)
#undef TINKERCACHE_CALLBACK
};

struct CommandCounters {
  Counter counter, hit, miss;
};

constexpr std::array<CommandCounters, kNumCommands> kCounters = {{
#define TINKERCACHE_COUNTERS_OF(id, name, counter, hit, miss) \
  {Counter::counter, Counter::hit, Counter::miss},
    TINKERCACHE_COMMANDS(TINKERCACHE_COUNTERS_OF)
#undef TINKERCACHE_COUNTERS_OF
}};

class NullSink final : public ResponseSink {
 public:
  void Send(const Response&) override {}
};

// Passes an incr/decr's replies on and notes whether it created the item.
class CreationWatch final : public ResponseSink {
 public:
  explicit CreationWatch(ResponseSink& next) : next_(next) {}
  void Send(const Response& r) override {
    created_ |= (r.item & kItemCreated) != 0;
    next_.Send(r);
  }
  bool created() const { return created_; }

 private:
  ResponseSink& next_;
  bool created_ = false;
};

// Keeps stat lines to send them in another order.
class StatCollector final : public ResponseSink {
 public:
  void Send(const Response& r) override {
    lines.emplace_back(std::string(r.key), std::string(r.value));
  }
  std::vector<std::pair<std::string, std::string>> lines;
};

bool IsStore(CommandId command) {
  switch (command) {
    case CommandId::kSet:
    case CommandId::kAdd:
    case CommandId::kReplace:
    case CommandId::kAppend:
    case CommandId::kPrepend:
    case CommandId::kCas:
      return true;
    default:
      return false;
  }
}

}  // namespace

Executor::Executor(Handler& handler, StatsRegistry& registry,
                   const ExtensionRegistry* extensions)
    : handler_(handler),
      registry_(registry),
      extensions_(extensions),
      thread_stats_(registry.NewThreadStats()) {}

Status Executor::RunExtension(const Request& request, ResponseSink& sink) {
  const Extension* extension =
      extensions_ != nullptr ? extensions_->Find(request.command) : nullptr;
  if (extension == nullptr) {
    Response r;
    r.status = Status::kUnknownCommand;
    sink.Send(r);
    return r.status;
  }
  const size_t index = static_cast<size_t>(request.command) - kNumCommands;
  const Status status = extension->callback(request, sink);
  thread_stats_->AddExtension(index, ThreadStats::kCalls);
  if (status == Status::kOk)
    thread_stats_->AddExtension(index, ThreadStats::kHits);
  if (status == Status::kNotFound) {
    thread_stats_->AddExtension(index, ThreadStats::kMisses);
  }
  return status;
}

Status Executor::Execute(const Request& request, ResponseSink& sink) {
  if (IsExtension(request.command)) return RunExtension(request, sink);
  if (request.command == CommandId::kStats) return RunStats(request, sink);
  if (request.command == CommandId::kVerbosity) {
    // memcached has levels 0 to 2 and caps any higher one.
    const uint64_t level = std::min<uint64_t>(request.delta, 2);
    registry_.set_verbosity(static_cast<int>(level));
  }
  const Callback callback = kCallbacks[static_cast<size_t>(request.command)];
  Status status;
  bool created = false;
  if (request.create) {
    // Only an incr/decr that may create its item looks at its replies.
    CreationWatch watch(sink);
    status = (handler_.*callback)(request, watch);
    created = watch.created();
  } else {
    status = (handler_.*callback)(request, sink);
  }
  // Refused by the engine rather than by the codec (an item whose value
  // fits but whose whole does not): the same rule.
  if (status == Status::kTooLarge) DropRefused(request);
  if (request.command == CommandId::kMemoryLimit && status == Status::kOk) {
    registry_.set_max_bytes(request.delta);
  }
  Count(request, status, created);
  if (registry_.detail_enabled()) RecordDetail(request, status);
  return status;
}

void Executor::Count(const Request& request, Status status, bool created) {
  CommandId command = request.command;
  // memcached counts a meta get-and-touch that misses as a get miss.
  if (command == CommandId::kGetAndTouch && status == Status::kNotFound &&
      (request.meta & kMetaReport) != 0) {
    command = CommandId::kGet;
  }
  // A set, add or replace with a CAS (the binary protocol's) is memcached's
  // CAS operation: cas_hits, cas_misses, cas_badval.
  if (request.cas != 0 &&
      (command == CommandId::kSet || command == CommandId::kAdd ||
       command == CommandId::kReplace)) {
    command = CommandId::kCas;
  }
  const CommandCounters& c = kCounters[static_cast<size_t>(command)];
  ThreadStats& stats = *thread_stats_;
  stats.Add(c.counter);
  switch (status) {
    case Status::kOk:
      // Neither an incr/decr that created its item nor a meta delete that
      // only invalidates is a hit for memcached.
      if (!created && !(command == CommandId::kDelete &&
                        (request.meta & kMetaInvalidate) != 0)) {
        stats.Add(c.hit);
      }
      break;
    case Status::kNotFound:
      stats.Add(c.miss);
      break;
    case Status::kExists:
      if (command == CommandId::kCas) {
        stats.Add(Counter::cas_badval);
      } else if (command == CommandId::kDelete &&
                 (request.meta & kMetaCommand) != 0) {
        // A meta delete whose CAS differs is a miss; a binary one is not.
        stats.Add(Counter::delete_misses);
      }
      break;
    case Status::kTooLarge:
      stats.Add(Counter::store_too_large);
      break;
    case Status::kNoMemory:
      stats.Add(Counter::store_no_memory);
      break;
    default:
      break;
  }
}

void Executor::RecordDetail(const Request& request, Status status) {
  if ((request.meta & (kMetaReport | kMetaCommand)) != 0) return;
  PrefixStats& prefixes = registry_.prefix_stats();
  switch (request.command) {
    case CommandId::kGet:
    case CommandId::kGetAndTouch:
      prefixes.RecordGet(request.key, status == Status::kOk);
      break;
    case CommandId::kDelete:
      prefixes.RecordDelete(request.key);
      break;
    default:
      if (IsStore(request.command)) prefixes.RecordSet(request.key);
      break;
  }
}

void Executor::CountRefused(const Request& request) {
  if (IsExtension(request.command)) return;
  thread_stats_->Add(kCounters[static_cast<size_t>(request.command)].counter);
  // memcached records a set's prefix before it reads the value.
  if (registry_.detail_enabled()) RecordDetail(request, Status::kNotStored);
}

void Executor::CountRefusedGet(const Request& request) {
  NullSink sink;
  if (handler_.Get(request, sink) == Status::kNotFound) {
    Count(request, Status::kNotFound, /*created=*/false);
  }
}

Status Executor::RunStats(const Request& request, ResponseSink& sink) {
  const StatsGroup group =
      ParseStatsGroup(request.key, settings().dump_enabled);
  StatWriter out(sink);
  // The handler sees the group's name alone.
  Request named = request;
  named.key = group.name;
  switch (group.kind) {
    case StatsGroup::kGeneral:
      return WriteGeneral(named, sink);
    case StatsGroup::kRefused:
      return Status::kInvalidArguments;
    case StatsGroup::kDetailOn:
    case StatsGroup::kDetailOff:
      registry_.set_detail_enabled(group.kind == StatsGroup::kDetailOn);
      return Status::kOk;
    case StatsGroup::kDetailDump:
      registry_.prefix_stats().Dump(
          [&](std::string_view prefix, const PrefixStats::Counts& counts) {
            out.Add("PREFIX", PrefixStats::Fields(prefix, counts));
          });
      return Status::kOk;
    case StatsGroup::kCachedump:
      WriteCachedump(group, out);
      return Status::kOk;
    case StatsGroup::kConns:
      WriteConns(out);
      return Status::kOk;
    case StatsGroup::kReset:
      registry_.Reset();
      return handler_.Stats(named, sink);
    case StatsGroup::kOther:
      if (group.name == "settings") registry_.WriteSettings(out);
      return handler_.Stats(named, sink);
  }
  return Status::kNotFound;
}

Status Executor::WriteGeneral(const Request& request, ResponseSink& sink) {
  // The server's lines, the registered commands' and the handler's (the
  // engine's), sent in memcached's order wherever memcached has the name.
  StatCollector lines;
  {
    StatWriter out(lines);
    registry_.WriteGeneral(out);
    for (size_t i = 0; extensions_ != nullptr && i < extensions_->size(); ++i) {
      const std::string& name = extensions_->at(i).spec.name;
      out.Add("cmd_" + name, registry_.TotalExtension(i, ThreadStats::kCalls));
      out.Add(name + "_hits", registry_.TotalExtension(i, ThreadStats::kHits));
      out.Add(name + "_misses",
              registry_.TotalExtension(i, ThreadStats::kMisses));
    }
  }
  const Status status = handler_.Stats(request, lines);
  std::stable_sort(lines.lines.begin(), lines.lines.end(),
                   [](const auto& a, const auto& b) {
                     return GeneralStatRank(a.first) < GeneralStatRank(b.first);
                   });
  StatWriter out(sink);
  for (const auto& [name, value] : lines.lines) out.Add(name, value);
  return status;
}

void Executor::WriteCachedump(const StatsGroup& group, StatWriter& out) {
  // Every item is in one class, 1, as `stats items` and `stats slabs`
  // show; the other classes are empty.
  if (group.slab_class != 1) return;
  size_t bytes = 6;  // "END\r\n" and the NUL memcached counts after it
  uint32_t shown = 0;
  handler_.ListItems([&](const ItemListing& item) {
    if (group.limit != 0 && shown >= group.limit) return false;
    // memcached prints the key as a C string.
    std::string_view key = item.key;
    key = key.substr(0, key.find('\0'));
    const std::string fields =
        absl::StrCat(absl::string_view(key.data(), key.size()), " [",
                     item.value_bytes, " b; ", item.deadline, " s]");
    const size_t line = 5 + fields.size() + 2;  // "ITEM " ... "\r\n"
    if (bytes + line > kCachedumpLimit) return false;
    bytes += line;
    out.Add("ITEM", fields);
    ++shown;
    return true;
  });
}

void Executor::WriteConns(StatWriter& out) {
  const ConnectionLister* lister = registry_.connection_lister();
  if (lister == nullptr) return;
  lister->ListConnections([&](const ConnectionInfo& c) {
    const std::string fd = absl::StrCat(c.fd, ":");
    out.Add(fd + "addr", c.addr);
    if (!c.listen_addr.empty()) out.Add(fd + "listen_addr", c.listen_addr);
    out.Add(fd + "state", c.state);
    out.Add(fd + "secs_since_last_cmd", uint64_t{c.secs_since_last_cmd});
  });
}

void Executor::RejectTooLarge(const Request& request, bool count_too_large) {
  if (count_too_large) thread_stats_->Add(Counter::store_too_large);
  if (registry_.detail_enabled() &&
      (request.meta & (kMetaReport | kMetaCommand)) == 0) {
    registry_.prefix_stats().RecordSet(request.key);
  }
  DropRefused(request);
}

void Executor::DropRefused(const Request& request) {
  // memcached unlinks the old item when a set fails for size, so that a
  // failed write never leaves a stale value readable.
  if (request.command == CommandId::kSet ||
      (request.meta & kMetaCommand) != 0) {
    Request del;
    del.command = CommandId::kDelete;
    del.key = request.key;
    NullSink sink;
    handler_.Delete(del, sink);
  }
}

}  // namespace tinkercache
