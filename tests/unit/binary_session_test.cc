// The binary front end over the real engine. Expected packets were recorded
// from memcached 1.6.18 on the same input; every case is also replayed split
// at every byte boundary.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "tests/unit/session_harness.h"

namespace tinkercache::binary {
namespace {

using BinaryHarness = SessionHarness<BinarySession>;

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  Store32(s.data(), v);
  return s;
}
std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  Store64(s.data(), v);
  return s;
}

struct Packet {
  uint8_t opcode;
  std::string key = "";
  std::string extras = "";
  std::string value = "";
  uint64_t cas = 0;
  uint32_t opaque = 0xAABBCCDD;
  int key_length = -1;   // override, for malformed packets
  int body_length = -1;  // override
  uint8_t magic = kRequestMagic;
};

std::string Encode(const Packet& p) {
  std::string h(kHeaderSize, '\0');
  h[0] = static_cast<char>(p.magic);
  h[1] = static_cast<char>(p.opcode);
  Store16(h.data() + 2, static_cast<uint16_t>(
                            p.key_length >= 0 ? p.key_length : p.key.size()));
  h[4] = static_cast<char>(p.extras.size());
  const size_t body = p.extras.size() + p.key.size() + p.value.size();
  Store32(h.data() + 8, static_cast<uint32_t>(
                            p.body_length >= 0 ? p.body_length : body));
  std::memcpy(h.data() + 12, &p.opaque, 4);
  Store64(h.data() + 16, p.cas);
  return h + p.extras + p.key + p.value;
}

std::string Get(uint8_t op, std::string key) { return Encode({op, key}); }
std::string Store(uint8_t op, std::string key, std::string value,
                  uint32_t flags = 5, uint32_t exptime = 0, uint64_t cas = 0) {
  return Encode({op, key, Be32(flags) + Be32(exptime), value, cas});
}
std::string Arith(uint8_t op, std::string key, uint64_t delta,
                  uint64_t initial, uint32_t exptime) {
  return Encode({op, key, Be64(delta) + Be64(initial) + Be32(exptime)});
}
std::string Simple(uint8_t op, std::string extras = "") {
  return Encode({op, "", extras});
}
std::string Noop() { return Simple(kNoop); }

// One line per reply packet, as the memcached recording was written.
std::string Describe(std::string_view out) {
  std::vector<std::string> lines;
  while (out.size() >= kHeaderSize) {
    const Header h = DecodeHeader(out.data());
    std::string_view body = out.substr(kHeaderSize, h.body_length);
    std::string value(body.substr(h.extras_length + h.key_length));
    for (char& c : value) {
      if (c < 32 || c > 126) c = '.';
    }
    lines.push_back(absl::StrCat(
        absl::Hex(h.opcode, absl::kZeroPad2), " ", absl::Hex(h.vbucket_or_status, absl::kZeroPad4),
        " x=", h.extras_length, " k=", std::string(body.substr(h.extras_length, h.key_length)),
        " v=", value, h.cas ? " cas" : "",
        h.magic == kResponseMagic && h.opaque == 0xAABBCCDD ? "" : " BAD"));
    out.remove_prefix(kHeaderSize + h.body_length);
  }
  if (!out.empty()) lines.push_back(absl::StrCat("trailing ", out.size()));
  return absl::StrJoin(lines, "\n");
}

struct Case {
  std::string name;
  std::string in;
  std::string out;
  bool closes = false;
};

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      {"get miss", Get(kGet, "nokey"), "00 0001 x=0 k= v=Not found"},
      {"getk miss", Get(kGetK, "nokey"), "0c 0001 x=0 k=nokey v="},
      {"getq miss is silent", Get(kGetQ, "nokey") + Noop(), "0a 0000 x=0 k= v="},
      {"getkq miss is silent", Get(kGetKQ, "nokey") + Noop(),
       "0a 0000 x=0 k= v="},
      {"set get getk",
       Store(kSet, "k", "hello") + Get(kGet, "k") + Get(kGetK, "k") +
           Get(kGetQ, "k") + Get(kGetKQ, "k"),
       "01 0000 x=0 k= v= cas\n00 0000 x=4 k= v=hello cas\n"
       "0c 0000 x=4 k=k v=hello cas\n09 0000 x=4 k= v=hello cas\n"
       "0d 0000 x=4 k=k v=hello cas"},
      {"setq is silent", Store(kSetQ, "k", "v") + Get(kGet, "k"),
       "00 0000 x=4 k= v=v cas"},
      {"add exists", Store(kSet, "k", "v") + Store(kAdd, "k", "w"),
       "01 0000 x=0 k= v= cas\n02 0002 x=0 k= v=Data exists for key."},
      {"addq error is sent", Store(kSet, "k", "v") + Store(kAddQ, "k", "w"),
       "01 0000 x=0 k= v= cas\n12 0002 x=0 k= v=Data exists for key."},
      {"add new", Store(kAdd, "k", "v"), "02 0000 x=0 k= v= cas"},
      {"replace missing", Store(kReplace, "nokey", "v"),
       "03 0001 x=0 k= v=Not found"},
      {"replace", Store(kSet, "k", "v") + Store(kReplaceQ, "k", "w", 9) +
                      Get(kGet, "k"),
       "01 0000 x=0 k= v= cas\n00 0000 x=4 k= v=w cas"},
      {"append missing", Encode({kAppend, "nokey", "", "v"}),
       "0e 0005 x=0 k= v=Not stored."},
      {"append prepend",
       Store(kSet, "k", "b") + Encode({kAppend, "k", "", "c"}) +
           Encode({kPrependQ, "k", "", "a"}) + Get(kGet, "k"),
       "01 0000 x=0 k= v= cas\n0e 0000 x=0 k= v= cas\n"
       "00 0000 x=4 k= v=abc cas"},
      {"set cas mismatch",
       Store(kSet, "k", "v") + Store(kSet, "k", "v", 5, 0, 12345),
       "01 0000 x=0 k= v= cas\n01 0002 x=0 k= v=Data exists for key."},
      {"set cas missing", Store(kSet, "nokey", "v", 5, 0, 12345),
       "01 0001 x=0 k= v=Not found"},
      {"append cas mismatch",
       Store(kSet, "k", "v") + Encode({kAppend, "k", "", "x", 999999}),
       "01 0000 x=0 k= v= cas\n0e 0002 x=0 k= v=Data exists for key."},
      {"delete", Store(kSet, "k", "v") + Get(kDelete, "k") + Get(kDelete, "k"),
       "01 0000 x=0 k= v= cas\n04 0000 x=0 k= v=\n04 0001 x=0 k= v=Not found"},
      {"deleteq", Store(kSet, "k", "v") + Get(kDeleteQ, "k") +
                      Get(kDeleteQ, "k") + Noop(),
       "01 0000 x=0 k= v= cas\n14 0001 x=0 k= v=Not found\n0a 0000 x=0 k= v="},
      {"delete cas mismatch", Store(kSet, "k", "v") + Encode({kDelete, "k", "", "", 999999}),
       "01 0000 x=0 k= v= cas\n04 0002 x=0 k= v=Data exists for key."},
      {"incr creates then adds",
       Arith(kIncrement, "n", 5, 100, 0) + Arith(kIncrement, "n", 5, 100, 0),
       "05 0000 x=0 k= v=.......d cas\n05 0000 x=0 k= v=.......i cas"},
      {"incr without create", Arith(kIncrement, "n", 5, 100, 0xffffffff),
       "05 0001 x=0 k= v=Not found"},
      {"incr non-numeric", Store(kSet, "k", "abc") + Arith(kIncrement, "k", 5, 0, 0),
       "01 0000 x=0 k= v= cas\n"
       "05 0006 x=0 k= v=Non-numeric server-side value for incr or decr"},
      {"decr floors at zero",
       Arith(kDecrement, "n", 5, 3, 0) + Arith(kDecrement, "n", 5, 3, 0),
       "06 0000 x=0 k= v=........ cas\n06 0000 x=0 k= v=........ cas"},
      {"incrq decrq silent",
       Arith(kIncrementQ, "n", 1, 7, 0) + Arith(kDecrementQ, "n", 2, 0, 0) +
           Get(kGet, "n"),
       "00 0000 x=4 k= v=5 cas"},
      {"version", Simple(kVersion), "0b 0000 x=0 k= v=1.6.18-tinkercache-0.1.0"},
      {"noop", Noop(), "0a 0000 x=0 k= v="},
      {"flush", Store(kSet, "k", "v") + Simple(kFlush) + Get(kGet, "k"),
       "01 0000 x=0 k= v= cas\n08 0000 x=0 k= v=\n00 0001 x=0 k= v=Not found"},
      {"flush with delay", Simple(kFlush, Be32(10)), "08 0000 x=0 k= v="},
      {"flushq", Simple(kFlushQ) + Noop(), "0a 0000 x=0 k= v="},
      {"stat unknown group", Encode({kStat, "bogus"}),
       "10 0001 x=0 k= v=Not found"},
      {"stat reset", Encode({kStat, "reset"}), "10 0000 x=0 k= v="},
      {"stat sizes", Encode({kStat, "sizes"}),
       "10 0000 x=0 k=sizes_status v=disabled\n10 0000 x=0 k= v="},
      {"verbosity", Simple(kVerbosity, Be32(1)), "1b 0000 x=0 k= v="},
      {"verbosity without extras", Simple(kVerbosity) + Noop(),
       "1b 0081 x=0 k= v=Unknown command\n0a 0000 x=0 k= v="},
      {"touch", Store(kSet, "k", "v") + Encode({kTouch, "k", Be32(10)}) +
                    Encode({kTouch, "nokey", Be32(10)}),
       "01 0000 x=0 k= v= cas\n1c 0000 x=4 k= v= cas\n"
       "1c 0001 x=0 k= v=Not found"},
      {"gat gatk",
       Store(kSet, "k", "v") + Encode({kGat, "k", Be32(10)}) +
           Encode({kGatK, "k", Be32(10)}) + Encode({kGat, "nokey", Be32(10)}),
       "01 0000 x=0 k= v= cas\n1d 0000 x=4 k= v=v cas\n"
       "23 0000 x=4 k=k v=v cas\n1d 0001 x=0 k= v=Not found"},
      {"gatq gatkq miss", Encode({kGatQ, "nokey", Be32(10)}) +
                              Encode({kGatKQ, "nokey", Be32(10)}) + Noop(),
       "0a 0000 x=0 k= v="},
      {"key of 250 bytes", Get(kGet, std::string(250, 'a')),
       "00 0001 x=0 k= v=Not found"},
      // Unknown opcodes: answered, body skipped, connection kept.
      {"unknown opcode", Simple(0x55) + Noop(),
       "55 0081 x=0 k= v=Unknown command\n0a 0000 x=0 k= v="},
      {"unknown opcode with body", Encode({0x55, "key", "", "val"}) + Noop(),
       "55 0081 x=0 k= v=Unknown command\n0a 0000 x=0 k= v="},
      {"sasl is unknown", Simple(0x20) + Noop(),
       "20 0081 x=0 k= v=Unknown command\n0a 0000 x=0 k= v="},
      // Malformed packets: invalid arguments, then the connection closes.
      {"get with extras", Encode({kGet, "k", "xxxx"}) + Noop(),
       "00 0004 x=0 k= v=Invalid arguments", true},
      {"set without extras", Encode({kSet, "k", "", "v"}) + Noop(),
       "01 0004 x=0 k= v=Invalid arguments", true},
      // Extras and key beyond the body: memcached waits for them, then
      // answers "Unknown command" and closes.
      {"key length beyond body", Encode({kGet, "k", "", "", 0, 0xAABBCCDD, 10, 1}) + Noop(),
       "00 0081 x=0 k= v=Unknown command", true},
      {"extras and key beyond body",
       Encode({kSet, "ab", std::string(8, '\0'), "", 0, 0xAABBCCDD, -1, 6}) +
           Noop(),
       "01 0081 x=0 k= v=Unknown command", true},
      {"noop with key", Encode({kNoop, "k"}) + Noop(),
       "0a 0004 x=0 k= v=Invalid arguments", true},
      {"get without key", Simple(kGet) + Noop(),
       "00 0004 x=0 k= v=Invalid arguments", true},
      {"key too long", Get(kGet, std::string(251, 'a')) + Noop(),
       "00 0004 x=0 k= v=Invalid arguments", true},
      {"incr with short extras", Encode({kIncrement, "n", "1234"}) + Noop(),
       "05 0004 x=0 k= v=Invalid arguments", true},
      {"touch without extras", Get(kTouch, "k") + Noop(),
       "1c 0004 x=0 k= v=Invalid arguments", true},
      {"flush with bad extras", Simple(kFlush, "12") + Noop(),
       "08 0004 x=0 k= v=Invalid arguments", true},
      {"wrong magic closes silently",
       Noop() + Encode({kNoop, "", "", "", 0, 0xAABBCCDD, -1, -1, 0x81}) + Noop(),
       "0a 0000 x=0 k= v=", true},
      {"quit", Simple(kQuit) + Noop(), "07 0000 x=0 k= v=", true},
      {"quitq", Simple(kQuitQ) + Noop(), "", true},
  };
  return *cases;
}

class BinaryCaseTest : public ::testing::TestWithParam<size_t> {};

TEST_P(BinaryCaseTest, AnswersAsMemcached) {
  const Case& c = Cases()[GetParam()];
  BinaryHarness h;
  EXPECT_EQ(Describe(h.Run(c.in)), c.out) << c.name;
  EXPECT_EQ(h.closed(), c.closes) << c.name;
}

TEST_P(BinaryCaseTest, SameBytesAtEveryFragmentSize) {
  const Case& c = Cases()[GetParam()];
  BinaryHarness whole;
  const std::string want = whole.Run(c.in);
  for (size_t chunk = 1; chunk < c.in.size(); ++chunk) {
    BinaryHarness h;
    ASSERT_EQ(h.Run(c.in, chunk), want) << c.name << " in chunks of " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Memcached, BinaryCaseTest,
                         ::testing::Range<size_t>(0, Cases().size()));

TEST(BinarySession, OpaqueIsEchoedVerbatim) {
  BinaryHarness h;
  Packet p{kGet, "nokey"};
  p.opaque = 0x01020304;
  const std::string in = Encode(p);
  const std::string out = h.Run(in);
  ASSERT_GE(out.size(), kHeaderSize);
  EXPECT_EQ(out.substr(12, 4), in.substr(12, 4));
}

TEST(BinarySession, CasFromGetIsAcceptedBySet) {
  BinaryHarness h;
  const std::string stored = h.Run(Store(kSet, "k", "v"));
  const uint64_t cas = DecodeHeader(stored.data()).cas;
  const std::string got = h.Run(Get(kGet, "k"));
  EXPECT_EQ(DecodeHeader(got.data()).cas, cas);
  EXPECT_EQ(Describe(h.Run(Store(kSet, "k", "w", 0, 0, cas))),
            "01 0000 x=0 k= v= cas");
  EXPECT_EQ(Describe(h.Run(Store(kSet, "k", "x", 0, 0, cas))),
            "01 0002 x=0 k= v=Data exists for key.");
}

TEST(BinarySession, TooLargeIsRefusedWithoutBufferingTheValue) {
  BinaryHarness h;
  const std::string big(2'000'000, 'x');
  // The old value goes too, as memcached does for a failed set.
  EXPECT_EQ(Describe(h.Run(Store(kSet, "big", "old") + Store(kSet, "big", big) +
                           Get(kGet, "big"), 4096)),
            "01 0000 x=0 k= v= cas\n01 0003 x=0 k= v=Too large.\n"
            "00 0001 x=0 k= v=Not found");
  EXPECT_LT(h.pending(), 4096u);
  // Errors are sent even for the quiet form.
  EXPECT_EQ(Describe(h.Run(Store(kSetQ, "big", big) + Noop())),
            "11 0003 x=0 k= v=Too large.\n0a 0000 x=0 k= v=");
  // An append whose join would pass the limit is "not stored", as in
  // memcached (the join cannot be allocated).
  const std::string fits((1 << 20) - 1024, 'y');
  EXPECT_EQ(Describe(h.Run(Store(kSet, "f", fits) +
                           Encode({kAppend, "f", "", std::string(2048, 'z')}))),
            "01 0000 x=0 k= v= cas\n0e 0005 x=0 k= v=Not stored.");
}

TEST(BinarySession, OutOfMemoryWithoutEvictions) {
  Settings settings;
  settings.max_bytes = 64 * 1024;
  settings.evictions = false;
  BinaryHarness h(settings);
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out = Describe(h.Run(Store(kSet, "k" + std::to_string(i),
                               std::string(1000, 'v'))));
  }
  EXPECT_EQ(out, "01 0082 x=0 k= v=Out of memory");
}

TEST(BinarySession, ExpiryFollowsTheClock) {
  BinaryHarness h;
  h.Run(Store(kSet, "k", "v", 0, 10));
  h.clock().Advance(9);
  EXPECT_EQ(Describe(h.Run(Get(kGet, "k"))), "00 0000 x=4 k= v=v cas");
  h.clock().Advance(1);
  EXPECT_EQ(Describe(h.Run(Get(kGet, "k"))), "00 0001 x=0 k= v=Not found");
  // A created counter takes the exptime too.
  h.Run(Arith(kIncrement, "n", 1, 0, 5));
  h.clock().Advance(5);
  EXPECT_EQ(Describe(h.Run(Get(kGet, "n"))), "00 0001 x=0 k= v=Not found");
}

TEST(BinarySession, StatsEndWithAnEmptyPacket) {
  BinaryHarness h;
  const std::string out = Describe(h.Run(Simple(kStat)));
  EXPECT_THAT(out, ::testing::HasSubstr("10 0000 x=0 k=curr_items v=0\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("10 0000 x=0 k=cmd_get v=0\n"));
  EXPECT_TRUE(out.ends_with("\n10 0000 x=0 k= v=")) << out;
}

TEST(BinarySession, StreamThatStopsMidPacketWaits) {
  BinaryHarness h;
  const std::string set = Store(kSet, "k", "value");
  EXPECT_EQ(h.Run(set.substr(0, 10)), "");
  EXPECT_EQ(h.pending(), 10u);
  EXPECT_EQ(h.Run(set.substr(10, 20)), "");
  EXPECT_EQ(Describe(h.Run(set.substr(30))), "01 0000 x=0 k= v= cas");
}

}  // namespace
}  // namespace tinkercache::binary
