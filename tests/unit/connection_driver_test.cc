// The connection driver under every schedule a socket loop can produce: the
// stream cut at every position and into pieces of every size, a client that
// reads each reply at once, one that reads late, and one that reads only
// when the server refuses more input. Small output limits push the large
// replies through the paths that pause and resume.
//
// Regression: after a multi-get whose replies passed the output limit, the
// requests that followed were answered twice and later input was misread,
// because a read in flight into the input buffer was moved under it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_session.h"
#include "src/core/clock.h"
#include "src/core/connection_driver.h"
#include "src/core/executor.h"
#include "src/core/stats.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"
#include "tests/unit/conversation.h"
#include "tinkercache/compact_opcodes.h"

namespace tinkercache {
namespace {

MemoryEngineOptions SmallEngine() {
  MemoryEngineOptions o;
  o.shard_bits = 2;
  o.reclaim_interval = absl::ZeroDuration();
  return o;
}

// A fresh server stack for one conversation.
struct Stack {
  ManualClock clock;
  MemoryEngine engine{clock, SmallEngine()};
  EngineHandler handler{engine, clock};
  Settings settings;
  StatsRegistry registry{settings, clock};
  Executor executor{handler, registry};
};

template <typename Session>
std::unique_ptr<ProtocolSession> Make(Executor& executor) {
  return std::make_unique<Session>(executor);
}

using Factory = std::function<std::unique_ptr<ProtocolSession>(Executor&)>;

std::string Reference(const Factory& factory, std::string_view input) {
  Stack stack;
  return RepliesAtOnce(*factory(stack.executor), input);
}

enum class Reader { kFast, kSlow, kWhenBlocked };

std::string ReaderName(Reader r) {
  switch (r) {
    case Reader::kFast: return "fast";
    case Reader::kSlow: return "slow";
    default: return "when-blocked";
  }
}

struct Run {
  std::string replies;
  ConversationStats stats;
};

Run Talk(const Factory& factory, std::string_view input,
         const std::vector<size_t>& cuts, Reader reader, size_t limit) {
  Stack stack;
  DriverLimits limits;
  limits.output_limit = limit;
  limits.initial_read = 64;
  ConnectionDriver driver(stack.executor, factory(stack.executor), limits);
  Run run;
  run.replies = Converse(
      driver, input, cuts,
      [reader](size_t step) {
        switch (reader) {
          case Reader::kFast: return true;
          case Reader::kSlow: return step % 5 == 0;
          default: return false;
        }
      },
      /*half_close=*/false, &run.stats);
  return run;
}

// Every split and every fragment size, every reader, small and default
// output limits: each conversation answers exactly `expected`.
void CheckEverySchedule(const Factory& factory, std::string_view input,
                        std::string_view expected) {
  const std::vector<size_t> limits = {1, 64, 1000, kOutputSoftLimit};
  for (Reader reader : {Reader::kFast, Reader::kSlow, Reader::kWhenBlocked}) {
    for (size_t limit : limits) {
      auto check = [&](const std::vector<size_t>& cuts, std::string what) {
        const Run run = Talk(factory, input, cuts, reader, limit);
        ASSERT_FALSE(run.stats.stalled) << what;
        ASSERT_EQ(run.replies, expected)
            << what << ", reader " << ReaderName(reader) << ", limit "
            << limit;
      };
      for (size_t at = 1; at < input.size(); ++at) {
        check({at}, absl::StrCat("split at ", at));
        if (::testing::Test::HasFailure()) return;  // one report suffices
      }
      for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
        check(EveryNBytes(input.size(), chunk),
              absl::StrCat("pieces of ", chunk));
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

const std::string kBig(1000, 'x');

TEST(ConnectionDriverTest, AsciiMultiGetPastTheLimitThenMoreRequests) {
  const std::string input = absl::StrCat(
      "set big0 0 0 1000\r\n", kBig, "\r\nset k12 0 0 3\r\nabc\r\nmn\r\n",
      "get big0 k12\r\nget k12\r\nmn\r\n",   // the multi-get pauses after big0
      "set user 0 0 4\r\n0x10\r\nmn\r\n",    // was answered with a replay
      "get user\r\nmn\r\n",
      "get big0 k12 big0 nokey k12\r\nmg big0 v q\r\nmg nokey v q\r\nmn\r\n");
  const std::string value_big0 =
      absl::StrCat("VALUE big0 0 1000\r\n", kBig, "\r\n");
  const std::string expected = absl::StrCat(
      "STORED\r\nSTORED\r\nMN\r\n", value_big0,
      "VALUE k12 0 3\r\nabc\r\nEND\r\nVALUE k12 0 3\r\nabc\r\nEND\r\nMN\r\n",
      "STORED\r\nMN\r\n", "VALUE user 0 4\r\n0x10\r\nEND\r\nMN\r\n",
      value_big0, "VALUE k12 0 3\r\nabc\r\n", value_big0,
      "VALUE k12 0 3\r\nabc\r\nEND\r\n", "VA 1000\r\n", kBig,
      "\r\nMN\r\n");
  const Factory ascii = Make<ascii::AsciiSession>;
  ASSERT_EQ(Reference(ascii, input), expected);
  CheckEverySchedule(ascii, input, expected);
}

std::string Packet(uint8_t opcode, uint32_t opaque, std::string_view key = {},
                   std::string_view extras = {},
                   std::string_view value = {}) {
  std::string p(binary::kHeaderSize, '\0');
  p[0] = static_cast<char>(binary::kRequestMagic);
  p[1] = static_cast<char>(opcode);
  binary::Store16(p.data() + 2, static_cast<uint16_t>(key.size()));
  p[4] = static_cast<char>(extras.size());
  binary::Store32(p.data() + 8, static_cast<uint32_t>(
                                    extras.size() + key.size() + value.size()));
  binary::Store32(p.data() + 12, opaque);
  return p.append(extras).append(key).append(value);
}

std::string SetPacket(uint32_t opaque, std::string_view key,
                      std::string_view value) {
  return Packet(binary::kSet, opaque, key, std::string(8, '\0'), value);
}

// The (opcode, opaque) of every reply packet, in order.
std::vector<std::pair<uint8_t, uint32_t>> Replies(std::string_view stream) {
  std::vector<std::pair<uint8_t, uint32_t>> replies;
  while (stream.size() >= binary::kHeaderSize) {
    EXPECT_EQ(static_cast<uint8_t>(stream[0]), binary::kResponseMagic);
    const uint32_t body = binary::Load32(stream.data() + 8);
    replies.emplace_back(static_cast<uint8_t>(stream[1]),
                         binary::Load32(stream.data() + 12));
    stream.remove_prefix(std::min(stream.size(), binary::kHeaderSize + body));
  }
  EXPECT_TRUE(stream.empty());
  return replies;
}

TEST(ConnectionDriverTest, BinaryGetsPastTheLimitThenMoreRequests) {
  using namespace binary;
  const std::string input = absl::StrCat(
      SetPacket(1, "big0", kBig), SetPacket(2, "k12", "abc"),
      Packet(kNoop, 3), Packet(kGet, 4, "big0"), Packet(kGet, 5, "k12"),
      Packet(kNoop, 6), SetPacket(7, "user", "0x10"), Packet(kNoop, 8),
      Packet(kGetK, 9, "user"), Packet(kGetKQ, 10, "big0"),
      Packet(kGetQ, 11, "nokey"), Packet(kGetQ, 12, "big0"),
      Packet(kGetKQ, 13, "k12"), Packet(kNoop, 14));
  const Factory session = Make<BinarySession>;
  const std::string expected = Reference(session, input);
  const std::vector<std::pair<uint8_t, uint32_t>> order = {
      {kSet, 1},   {kSet, 2},    {kNoop, 3},   {kGet, 4},
      {kGet, 5},   {kNoop, 6},   {kSet, 7},    {kNoop, 8},
      {kGetK, 9},  {kGetKQ, 10}, {kGetQ, 12},  {kGetKQ, 13},
      {kNoop, 14}};
  ASSERT_EQ(Replies(expected), order);
  CheckEverySchedule(session, input, expected);
}

std::string Op(uint8_t code) { return std::string(1, static_cast<char>(code)); }
std::string Str8(uint8_t code, std::string_view v) {
  return Op(code) + Op(static_cast<uint8_t>(v.size())) + std::string(v);
}
std::string Str32(uint8_t code, std::string_view v) {
  std::string s = Op(code) + std::string(4, '\0');
  binary::Store32(s.data() + 1, static_cast<uint32_t>(v.size()));
  return s + std::string(v);
}

TEST(ConnectionDriverTest, CompactQuietMultiGetPastTheLimitThenMore) {
  const std::string input = absl::StrCat(
      Op(TC_OP_CLEAR), Op(TC_OP_SET), Str8(TC_OP_KEY, "big0"),
      Str32(TC_OP_VALUE, kBig), Op(TC_OP_GO), Str8(TC_OP_KEY, "k12"),
      Str8(TC_OP_VALUE8, "abc"), Op(TC_OP_GO),
      // A quiet multi-get with keys whose replies pass the limit.
      Op(TC_OP_CLEAR), Op(TC_OP_GET), Op(TC_OP_QUIET), Op(TC_OP_WANT_KEY),
      Str8(TC_OP_KEY, "big0"), Op(TC_OP_GO), Str8(TC_OP_KEY, "nokey"),
      Op(TC_OP_GO), Str8(TC_OP_KEY, "k12"), Op(TC_OP_GO),
      Str8(TC_OP_KEY, "big0"), Op(TC_OP_GO), Op(TC_OP_NOOP), Op(TC_OP_GO),
      // Then a store and a get that must be answered once each.
      Op(TC_OP_CLEAR), Op(TC_OP_SET), Str8(TC_OP_KEY, "user"),
      Str8(TC_OP_VALUE8, "0x10"), Op(TC_OP_GO), Op(TC_OP_GET), Op(TC_OP_GO));
  const Factory session = Make<compact::CompactSession>;
  const std::string ok = Op(TC_R_OK);
  const std::string big0 =
      absl::StrCat(Str8(TC_R_KEY, "big0"), Str32(TC_R_VALUE, kBig), ok);
  const std::string expected = absl::StrCat(
      ok, ok, big0, Str8(TC_R_KEY, "k12"), Str8(TC_R_VALUE8, "abc"), ok, big0,
      ok, ok, Str8(TC_R_VALUE8, "0x10"), ok);
  ASSERT_EQ(Reference(session, input), expected);
  CheckEverySchedule(session, input, expected);
}

// A client that never reads: the server stops reading once replies wait,
// so what it holds stays bounded however much the client sends.
TEST(ConnectionDriverTest, NeverReadingClientHoldsBoundedMemory) {
  std::string input = absl::StrCat("set big0 0 0 1000\r\n", kBig, "\r\n");
  for (int i = 0; i < 2000; ++i) input += "get big0 big0 big0\r\n";
  Stack stack;
  DriverLimits limits;
  limits.output_limit = 4096;
  ConnectionDriver driver(stack.executor,
                          std::make_unique<ascii::AsciiSession>(
                              stack.executor),
                          limits);
  ConversationStats stats;
  const std::string replies =
      Converse(driver, input, {}, [](size_t) { return false; },
               /*half_close=*/true, &stats);
  EXPECT_FALSE(stats.stalled);
  EXPECT_TRUE(driver.Done());
  // The replies are all there, once each, in order.
  const std::string one =
      absl::StrCat("VALUE big0 0 1000\r\n", kBig, "\r\n");
  std::string expected = "STORED\r\n";
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&expected, one, one, one,
                                                 "END\r\n");
  EXPECT_EQ(replies, expected);
  // One batch of replies past the limit, and the reads before the stop.
  EXPECT_LE(stats.max_waiting, limits.output_limit + one.size() + 64);
  EXPECT_LE(stats.max_write, limits.output_limit + one.size() + 64);
  EXPECT_LE(stats.max_buffered, limits.initial_read);
}

}  // namespace
}  // namespace tinkercache
