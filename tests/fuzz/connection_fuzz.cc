// A whole connection without the socket: the protocol picked from the first
// byte as the server picks it, the shared executor and handler, and the real
// in-memory engine with a small memory limit, driven through the server's
// own ConnectionDriver by the event loop of tests/unit/conversation.h. The
// input chooses the piece size, the output limit (16 bytes to 512 KiB, so
// the pause-and-resume path is reached with small input), how fast the
// client reads its replies, and how far the clock moves between pieces.
//
// Checked besides crashes, leaks and sanitizer reports: the connection never
// stalls, the input it holds and the replies waiting stay within fixed
// bounds, the engine keeps to its memory limit, and, with the clock still,
// the client receives exactly what the session answers to the whole stream
// at once: one reply per request, in order, whatever the schedule.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/core/clock.h"
#include "src/core/connection_driver.h"
#include "src/core/executor.h"
#include "src/core/out_buffer.h"
#include "src/core/stats.h"
#include "src/server/connection.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/unit/conversation.h"

namespace tinkercache {
namespace {

constexpr uint32_t kItemSizeMax = 2048;
constexpr uint64_t kMaxBytes = 64 * 1024;
// The longest input a session may leave waiting: an ASCII retrieval line
// (1 MiB) or a storage command whose value is still arriving.
constexpr size_t kMaxPending = (1u << 20) + kItemSizeMax + 2048;
// Replies waiting past the output limit: the largest single reply (a value,
// or the stats listing).
constexpr size_t kMaxOutput = kItemSizeMax + 64 * 1024;

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

// The stack one conversation runs on.
struct Stack {
  Settings settings = ServerSettings();
  ManualClock clock;
  MemoryEngine engine{clock, EngineOptions()};
  EngineHandler handler{engine, clock};
  StatsRegistry registry{settings, clock};
  Executor executor{handler, registry};
};

std::string Reference(std::string_view stream) {
  Stack stack;
  return RepliesAtOnce(
      *NewSession(static_cast<unsigned char>(stream[0]), stack.executor),
      stream);
}

}  // namespace
}  // namespace tinkercache

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinkercache;
  if (size < 3) return 0;
  const size_t chunk = data[0] % 64 + 1;
  const int reader = data[0] >> 6;  // 0, 1: fast; 2: slow; 3: when blocked
  const uint32_t clock_step = data[1] % 8;
  DriverLimits limits;
  limits.output_limit = size_t{16} << ((data[1] >> 3) % 16);
  limits.initial_read = 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  Stack stack;
  ConnectionDriver driver(stack.executor, &NewSession, limits);
  ConversationStats stats;
  const std::string received = Converse(
      driver, stream, EveryNBytes(stream.size(), chunk),
      [&](size_t step) {
        stack.clock.Advance(clock_step);  // between events
        FUZZ_CHECK(driver.buffered() <= kMaxPending);
        FUZZ_CHECK(driver.output_waiting() <=
                   limits.output_limit + kMaxOutput);
        switch (reader) {
          case 2: return step % 7 == 0;
          case 3: return false;
          default: return true;
        }
      },
      /*half_close=*/true, &stats);
  FUZZ_CHECK(!stats.stalled);
  FUZZ_CHECK(driver.Done());
  FUZZ_CHECK(stats.max_buffered <= kMaxPending);
  FUZZ_CHECK(stats.max_waiting <= limits.output_limit + kMaxOutput);
  FUZZ_CHECK(stack.engine.used_bytes() <=
             kMaxBytes + stack.engine.accounting_slack());
  // Stats answers carry process figures (rusage) that differ between runs.
  if (clock_step == 0 && received.find("rusage") == std::string::npos) {
    const std::string expected = Reference(stream);
    if (expected.find("rusage") == std::string::npos) {
      FUZZ_CHECK(received == expected);
    }
  }
  return 0;
}
