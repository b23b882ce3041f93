// A whole connection without the socket: the protocol picked from the first
// byte as the server picks it, the shared executor and handler, and the real
// in-memory engine with a small memory limit. The stream arrives in pieces
// whose size the input chooses, the clock moves between pieces, and the
// session is driven exactly as the server's Connection drives it.
//
// Checked besides crashes, leaks and sanitizer reports: the session never
// consumes more than it was given, the bytes it leaves unconsumed and the
// reply it builds in one call stay within fixed bounds, and the engine keeps
// to its memory limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/core/clock.h"
#include "src/core/codec_session.h"
#include "src/core/executor.h"
#include "src/core/out_buffer.h"
#include "src/core/stats.h"
#include "src/server/connection.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"
#include "tests/fuzz/fuzz_check.h"

namespace tinkercache {
namespace {

constexpr uint32_t kItemSizeMax = 2048;
constexpr uint64_t kMaxBytes = 64 * 1024;
// The longest input a session may leave waiting: an ASCII retrieval line
// (1 MiB) or a storage command whose value is still arriving.
constexpr size_t kMaxPending = (1u << 20) + kItemSizeMax + 2048;
// One call's output: the soft limit plus the largest single reply (a value,
// or the stats listing).
constexpr size_t kMaxOutput = kOutputSoftLimit + kItemSizeMax + 64 * 1024;

MemoryEngineOptions EngineOptions() {
  MemoryEngineOptions o;
  o.max_bytes = kMaxBytes;
  o.item_size_max = kItemSizeMax;
  o.shard_bits = 2;
  o.reclaim_interval = absl::ZeroDuration();
  return o;
}

Settings ServerSettings() {
  Settings s;
  s.max_bytes = kMaxBytes;
  s.item_size_max = kItemSizeMax;
  return s;
}

}  // namespace
}  // namespace tinkercache

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinkercache;
  if (size < 3) return 0;
  const size_t chunk = data[0] % 64 + 1;
  const uint32_t clock_step = data[1] % 8;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  const Settings settings = ServerSettings();
  ManualClock clock;
  MemoryEngine engine(clock, EngineOptions());
  EngineHandler handler(engine, clock);
  StatsRegistry registry(settings, clock);
  Executor executor(handler, registry);
  std::unique_ptr<ProtocolSession> session =
      NewSession(static_cast<unsigned char>(stream[0]), executor);

  std::string pending;
  OutBuffer out;
  bool closed = false;
  for (size_t pos = 0; pos < stream.size() && !closed; pos += chunk) {
    pending.append(stream.substr(pos, chunk));
    clock.Advance(clock_step);
    while (!closed && !pending.empty()) {
      const ProcessResult r = session->Process(pending, out);
      FUZZ_CHECK(r.consumed <= pending.size());
      FUZZ_CHECK(out.size() <= kMaxOutput);
      pending.erase(0, r.consumed);
      closed = r.close;
      const bool answered = !out.empty();
      out.Clear();  // "sent"
      // Nothing taken and nothing said: the next request is incomplete.
      if (r.consumed == 0 && !answered) break;
    }
    FUZZ_CHECK(pending.size() <= kMaxPending);
  }
  FUZZ_CHECK(engine.used_bytes() <= kMaxBytes + engine.accounting_slack());
  return 0;
}
