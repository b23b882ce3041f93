#ifndef TINKERCACHE_SRC_CORE_EXECUTOR_H_
#define TINKERCACHE_SRC_CORE_EXECUTOR_H_

#include <string_view>

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
  // the item could never fit. memcached refuses it before counting the
  // command (no cmd_set); its text protocols count store_too_large
  // (`count_too_large`), its binary protocol does not. As memcached does for
  // a plain set (and any meta set), the old value is dropped so no stale
  // data survives a failed overwrite.
  void RejectTooLarge(const Request& request, bool count_too_large = true);

  // A request the protocol refused that memcached has counted already by
  // then (a flush_all with a bad delay, a value without its "\r\n"):
  // counts its command counter.
  void CountRefused(const Request& request);
  // A get refused after memcached looked its key up: counts a miss when the
  // key is missing, nothing for a hit.
  void CountRefusedGet(const Request& request);

  // Per-prefix statistics for a read memcached records that the command
  // table does not say is one (the binary protocol's TOUCH).
  void RecordDetailGet(std::string_view key, bool hit) {
    if (registry_.detail_enabled()) {
      registry_.prefix_stats().RecordGet(key, hit);
    }
  }

  const Settings& settings() const { return registry_.settings(); }
  StatsRegistry& registry() { return registry_; }
  const ExtensionRegistry* extensions() const { return extensions_; }
  ThreadStats& thread_stats() { return *thread_stats_; }

 private:
  Status RunStats(const Request& request, ResponseSink& sink);
  Status WriteGeneral(const Request& request, ResponseSink& sink);
  void WriteCachedump(const StatsGroup& group, StatWriter& out);
  void WriteConns(StatWriter& out);
  // `created`: an incr/decr that created its item, which memcached counts
  // neither as a hit nor as a miss.
  // Deletes the old item of a set refused as too large.
  void DropRefused(const Request& request);
  void Count(const Request& request, Status status, bool created);
  // Feeds the per-prefix statistics as memcached does: classic reads,
  // stores and deletes (not the meta commands), once per key.
  void RecordDetail(const Request& request, Status status);

  Status RunExtension(const Request& request, ResponseSink& sink);

  Handler& handler_;
  StatsRegistry& registry_;
  const ExtensionRegistry* extensions_;
  ThreadStats* thread_stats_;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_EXECUTOR_H_
