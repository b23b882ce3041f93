#ifndef TINKERCACHE_TESTS_UNIT_SESSION_HARNESS_H_
#define TINKERCACHE_TESTS_UNIT_SESSION_HARNESS_H_

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "gtest/gtest.h"

#include "src/core/clock.h"
#include "src/core/connection_driver.h"
#include "src/core/executor.h"
#include "src/core/stats.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"

namespace tinkercache {

// A whole protocol stack without sockets: session, executor, default handler
// and the real in-memory engine, driven through the ConnectionDriver the
// server's connections use, by a client that reads every reply at once.
template <typename Session>
class SessionHarness {
 public:
  explicit SessionHarness(Settings settings = {},
                          const ExtensionRegistry* extensions = nullptr,
                          DriverLimits limits = {})
      : settings_(settings),
        engine_(clock_, EngineOptions(settings)),
        handler_(engine_, clock_),
        registry_(settings_, clock_),
        executor_(handler_, registry_, extensions),
        driver_(executor_, std::make_unique<Session>(executor_), limits) {}

  // Feeds `input` in pieces of at most `chunk` bytes (0: all at once) and
  // returns everything the connection sent.
  std::string Run(std::string_view input, size_t chunk = 0) {
    std::string sent;
    if (chunk == 0) chunk = input.size() ? input.size() : 1;
    while (!input.empty() && !driver_.closing()) {
      if (!driver_.CanRead()) {
        // Replies or requests wait behind the output limit: read them.
        if (!Drain(sent)) ADD_FAILURE() << "stalled: cannot read or write";
        continue;
      }
      const absl::Span<char> room = driver_.BeginRead();
      const size_t n = std::min({chunk, room.size(), input.size()});
      std::memcpy(room.data(), input.data(), n);
      input.remove_prefix(n);
      driver_.EndRead(n);
      Drain(sent);
    }
    return sent;
  }

  bool closed() const { return driver_.closing(); }
  size_t pending() const { return driver_.buffered(); }
  ManualClock& clock() { return clock_; }
  StatsRegistry& registry() { return registry_; }
  MemoryEngine& engine() { return engine_; }
  Session& session() { return static_cast<Session&>(*driver_.session()); }
  ConnectionDriver& driver() { return driver_; }

 private:
  // Sends every reply the connection has, as a client that reads at once;
  // false if there was none.
  bool Drain(std::string& sent) {
    bool any = false;
    for (std::string_view out = driver_.BeginWrite(); !out.empty();
         out = driver_.BeginWrite()) {
      sent.append(out);
      driver_.EndWrite();
      any = true;
    }
    return any;
  }

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
  ConnectionDriver driver_;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_TESTS_UNIT_SESSION_HARNESS_H_
