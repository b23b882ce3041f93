#ifndef TINKERCACHE_SRC_CORE_EXECUTOR_H_
#define TINKERCACHE_SRC_CORE_EXECUTOR_H_

#include "src/core/extension.h"
#include "src/core/handler.h"
#include "src/core/request.h"
#include "src/core/stats.h"

namespace tinkercache {

// The single path from every protocol to the handler: dispatches a decoded
// request to its callback and counts it. One executor per worker thread, so
// counting touches only that thread's counters.
class Executor {
 public:
  // `extensions` (may be null) are the registered commands beside the
  // built-in ones; they must outlive the executor.
  Executor(Handler& handler, StatsRegistry& registry,
           const ExtensionRegistry* extensions = nullptr);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  Status Execute(const Request& request, ResponseSink& sink);

  // A storage request the protocol refused before reading its value, because
  // the item could never fit: counts it and, as memcached does for a plain
  // set, drops the old value so no stale data survives a failed overwrite.
  void RejectTooLarge(const Request& request);

  const Settings& settings() const { return registry_.settings(); }
  StatsRegistry& registry() { return registry_; }
  const ExtensionRegistry* extensions() const { return extensions_; }
  ThreadStats& thread_stats() { return *thread_stats_; }

 private:
  Status RunStats(const Request& request, ResponseSink& sink);
  void Count(CommandId command, Status status);

  Status RunExtension(const Request& request, ResponseSink& sink);

  Handler& handler_;
  StatsRegistry& registry_;
  const ExtensionRegistry* extensions_;
  ThreadStats* thread_stats_;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_EXECUTOR_H_
