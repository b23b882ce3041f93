#ifndef TINKERCACHE_TESTS_UNIT_SESSION_HARNESS_H_
#define TINKERCACHE_TESTS_UNIT_SESSION_HARNESS_H_

#include <string>
#include <string_view>

#include "src/core/clock.h"
#include "src/core/executor.h"
#include "src/core/stats.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"

namespace tinkercache {

// A whole protocol stack without sockets: session, executor, default handler
// and the real in-memory engine, driven as a connection would drive it.
template <typename Session>
class SessionHarness {
 public:
  explicit SessionHarness(Settings settings = {},
                          const ExtensionRegistry* extensions = nullptr)
      : settings_(settings),
        engine_(clock_, EngineOptions(settings)),
        handler_(engine_, clock_),
        registry_(settings_, clock_),
        executor_(handler_, registry_, extensions),
        session_(executor_) {}

  // Feeds `input` in pieces of `chunk` bytes (0: all at once) and returns
  // everything the session answered.
  std::string Run(std::string_view input, size_t chunk = 0) {
    OutBuffer out;
    std::string sent;
    if (chunk == 0) chunk = input.size() ? input.size() : 1;
    for (size_t pos = 0; pos < input.size() && !closed_; pos += chunk) {
      pending_.append(input.substr(pos, chunk));
      // As a connection does: call again while a large batch left
      // complete requests behind.
      for (ProcessResult r; !closed_ && !pending_.empty();) {
        r = session_.Process(pending_, out);
        pending_.erase(0, r.consumed);
        closed_ = r.close;
        const bool answered = !out.empty();
        sent.append(out.view());  // "sent": the buffer is free again
        out.Clear();
        // Nothing taken and nothing said: the next request is incomplete.
        if (r.consumed == 0 && !answered) break;
      }
    }
    return sent;
  }

  bool closed() const { return closed_; }
  size_t pending() const { return pending_.size(); }
  ManualClock& clock() { return clock_; }
  StatsRegistry& registry() { return registry_; }
  MemoryEngine& engine() { return engine_; }
  Session& session() { return session_; }

 private:
  static MemoryEngineOptions EngineOptions(const Settings& s) {
    MemoryEngineOptions o;
    o.max_bytes = s.max_bytes;
    o.item_size_max = s.item_size_max;
    o.evictions = s.evictions;
    o.reclaim_interval = absl::ZeroDuration();
    return o;
  }

  Settings settings_;
  ManualClock clock_;
  MemoryEngine engine_;
  EngineHandler handler_;
  StatsRegistry registry_;
  Executor executor_;
  Session session_;
  std::string pending_;
  bool closed_ = false;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_TESTS_UNIT_SESSION_HARNESS_H_
