#include "src/core/executor.h"

#include <array>

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
  if (status == Status::kOk) thread_stats_->AddExtension(index, ThreadStats::kHits);
  if (status == Status::kNotFound) {
    thread_stats_->AddExtension(index, ThreadStats::kMisses);
  }
  return status;
}

Status Executor::Execute(const Request& request, ResponseSink& sink) {
  if (IsExtension(request.command)) return RunExtension(request, sink);
  Status status;
  if (request.command == CommandId::kStats) {
    status = RunStats(request, sink);
  } else {
    if (request.command == CommandId::kVerbosity) {
      registry_.set_verbosity(static_cast<int>(request.delta));
    }
    status = (handler_.*kCallbacks[static_cast<size_t>(request.command)])(
        request, sink);
  }
  // memcached counts a meta get-and-touch that misses as a get miss.
  const bool meta_touch_miss = request.command == CommandId::kGetAndTouch &&
                               status == Status::kNotFound &&
                               (request.meta & kMetaReport) != 0;
  Count(meta_touch_miss ? CommandId::kGet : request.command, status);
  return status;
}

void Executor::Count(CommandId command, Status status) {
  const CommandCounters& c = kCounters[static_cast<size_t>(command)];
  ThreadStats& stats = *thread_stats_;
  stats.Add(c.counter);
  switch (status) {
    case Status::kOk:
      stats.Add(c.hit);
      break;
    case Status::kNotFound:
      stats.Add(c.miss);
      break;
    case Status::kExists:
      if (command == CommandId::kCas) stats.Add(Counter::cas_badval);
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

Status Executor::RunStats(const Request& request, ResponseSink& sink) {
  StatWriter out(sink);
  const std::string_view group = request.key;
  if (group.empty()) {
    registry_.WriteGeneral(out);
    // Registered commands are counted like built-in ones.
    for (size_t i = 0; extensions_ != nullptr && i < extensions_->size(); ++i) {
      const std::string& name = extensions_->at(i).spec.name;
      out.Add("cmd_" + name, registry_.TotalExtension(i, ThreadStats::kCalls));
      out.Add(name + "_hits", registry_.TotalExtension(i, ThreadStats::kHits));
      out.Add(name + "_misses",
              registry_.TotalExtension(i, ThreadStats::kMisses));
    }
  } else if (group == "settings") {
    registry_.WriteSettings(out);
  } else if (group == "reset") {
    registry_.Reset();
  }
  return handler_.Stats(request, sink);
}

void Executor::RejectTooLarge(const Request& request) {
  Count(request.command, Status::kTooLarge);
  if (request.command == CommandId::kSet) {
    Request del;
    del.command = CommandId::kDelete;
    del.key = request.key;
    NullSink sink;
    handler_.Delete(del, sink);
  }
}

}  // namespace tinkercache
