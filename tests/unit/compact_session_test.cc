// The compact protocol over the real engine, against spec/compact.md.
// Every case is also replayed split at every byte boundary.

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocols/compact/compact_parser.h"
#include "protocols/compact/compact_session.h"
#include "tests/unit/session_harness.h"
#include "tinkercache/compact_opcodes.h"

namespace tinkercache::compact {
namespace {

using CompactHarness = SessionHarness<CompactSession>;

std::string Op(uint8_t code) { return std::string(1, static_cast<char>(code)); }
std::string U8(uint8_t code, uint8_t v) { return Op(code) + Op(v); }
std::string U32(uint8_t code, uint32_t v) {
  std::string s = Op(code);
  for (int i = 0; i < 4; ++i) s += static_cast<char>(v >> (24 - 8 * i));
  return s;
}
std::string U64(uint8_t code, uint64_t v) {
  std::string s = Op(code);
  for (int i = 0; i < 8; ++i) s += static_cast<char>(v >> (56 - 8 * i));
  return s;
}
std::string Str8(uint8_t code, std::string_view v) {
  return Op(code) + Op(static_cast<uint8_t>(v.size())) + std::string(v);
}
std::string Str32(uint8_t code, std::string_view v) {
  return U32(code, static_cast<uint32_t>(v.size())) + std::string(v);
}
std::string Key(std::string_view k) { return Str8(TC_OP_KEY, k); }
std::string Value(std::string_view v) { return Str8(TC_OP_VALUE8, v); }
const std::string kGo = Op(TC_OP_GO);
const std::string kClear = Op(TC_OP_CLEAR);
const std::string kOk = Op(TC_R_OK);
std::string Status(uint8_t code) { return U8(TC_R_STATUS, code); }
std::string Message(std::string_view m) { return Str8(TC_R_MESSAGE, m); }
std::string RValue(std::string_view v) { return Str8(TC_R_VALUE8, v); }
std::string Number(uint64_t n) { return U64(TC_R_NUMBER, n); }

struct Case {
  std::string name, in, out;
  bool closes = false;
};

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      {"set then get", kClear + Op(TC_OP_SET) + Key("k") + Value("hello") + kGo +
                           Op(TC_OP_GET) + kGo,
       kOk + RValue("hello") + kOk},
      {"get miss", kClear + Op(TC_OP_GET) + Key("nokey") + kGo,
       Status(TC_STATUS_NOT_FOUND)},
      {"flags come back when not zero",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + U32(TC_OP_FLAGS, 7) +
           kGo + Op(TC_OP_GET) + kGo,
       kOk + U32(TC_R_FLAGS, 7) + RValue("v") + kOk},
      {"CLEAR forgets FLAGS too",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + U32(TC_OP_FLAGS, 7) +
           kGo + kClear + Op(TC_OP_SET) + Key("k") + Value("w") + kGo +
           Op(TC_OP_GET) + kGo,
       kOk + kOk + RValue("w") + kOk},
      {"stream-lining reuses registers: same value, new keys",
       kClear + Op(TC_OP_SET) + Value("same") + Key("a") + kGo + Key("b") + kGo +
           Op(TC_OP_GET) + kGo + Key("a") + kGo,
       kOk + kOk + RValue("same") + kOk + RValue("same") + kOk},
      {"long VALUE form", kClear + Op(TC_OP_SET) + Key("k") +
                              Str32(TC_OP_VALUE, std::string(300, 'x')) + kGo +
                              Op(TC_OP_GET) + kGo,
       kOk + U32(TC_R_VALUE, 300) + std::string(300, 'x') + kOk},
      {"quiet multi-get with keys, ended by NOOP",
       kClear + Op(TC_OP_SET) + Value("1") + Key("a") + kGo + Key("c") + kGo +
           kClear + Op(TC_OP_GET) + Op(TC_OP_QUIET) + Op(TC_OP_WANT_KEY) +
           Key("a") + kGo + Key("b") + kGo + Key("c") + kGo +
           Op(TC_OP_NOOP) + kGo,
       kOk + kOk + Str8(TC_R_KEY, "a") + RValue("1") + kOk +
           Str8(TC_R_KEY, "c") + RValue("1") + kOk + kOk},
      {"quiet stores are silent, errors are not",
       kClear + Op(TC_OP_QUIET) + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
           Op(TC_OP_ADD) + kGo + Op(TC_OP_NOOP) + kGo,
       Status(TC_STATUS_NOT_STORED) + kOk},
      {"add replace append prepend",
       kClear + Op(TC_OP_REPLACE) + Key("k") + Value("b") + kGo +
           Op(TC_OP_ADD) + kGo + Op(TC_OP_ADD) + kGo + Op(TC_OP_APPEND) +
           Value("c") + kGo + Op(TC_OP_PREPEND) + Value("a") + kGo +
           Op(TC_OP_GET) + kGo,
       Status(TC_STATUS_NOT_STORED) + kOk + Status(TC_STATUS_NOT_STORED) + kOk +
           kOk + RValue("abc") + kOk},
      {"cas missing, then mismatch",
       kClear + Op(TC_OP_CAS) + Key("k") + Value("v") + U64(TC_OP_UNIQUE, 1) +
           kGo + kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
           Op(TC_OP_CAS) + U64(TC_OP_UNIQUE, 999999) + kGo,
       Status(TC_STATUS_NOT_FOUND) + kOk + Status(TC_STATUS_EXISTS)},
      {"the CAS register stays for the next store (stream-lining)",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + U64(TC_OP_UNIQUE, 1) +
           kGo,
       Status(TC_STATUS_NOT_FOUND)},
      {"delete", kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
                     Op(TC_OP_DELETE) + kGo + kGo,
       kOk + kOk + Status(TC_STATUS_NOT_FOUND)},
      {"incr decr", kClear + Op(TC_OP_SET) + Key("n") + Value("10") + kGo +
                        Op(TC_OP_INCR) + U8(TC_OP_DELTA8, 5) + kGo +
                        Op(TC_OP_DECR) + U32(TC_OP_DELTA32, 100) + kGo +
                        Op(TC_OP_INCR) + U64(TC_OP_DELTA64, 3) + kGo,
       kOk + Number(15) + kOk + Number(0) + kOk + Number(3) + kOk},
      {"incr creates with INITIAL", kClear + Op(TC_OP_INCR) + Key("n") +
                                        U8(TC_OP_DELTA8, 1) +
                                        U64(TC_OP_INITIAL, 42) + kGo + kGo,
       Number(42) + kOk + Number(43) + kOk},
      {"incr without INITIAL on a missing key",
       kClear + Op(TC_OP_INCR) + Key("n") + U8(TC_OP_DELTA8, 1) + kGo,
       Status(TC_STATUS_NOT_FOUND)},
      {"incr non-numeric",
       kClear + Op(TC_OP_SET) + Key("n") + Value("abc") + kGo + Op(TC_OP_INCR) +
           U8(TC_OP_DELTA8, 1) + kGo,
       kOk + Message("cannot increment or decrement non-numeric value") +
           Status(TC_STATUS_NON_NUMERIC)},
      {"touch and gat", kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
                            Op(TC_OP_TOUCH) + U32(TC_OP_EXPTIME, 100) + kGo +
                            Op(TC_OP_GAT) + kGo + Key("zz") + kGo,
       kOk + kOk + RValue("v") + kOk + Status(TC_STATUS_NOT_FOUND)},
      {"want cas", kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
                       Op(TC_OP_GET) + Op(TC_OP_WANT_CAS) + kGo,
       kOk + "CAS"},  // checked below: a CAS field, then the value
      {"opaque is echoed", kClear + U32(TC_OP_OPAQUE, 0x01020304) +
                               Op(TC_OP_GET) + Key("k") + kGo,
       U32(TC_R_OPAQUE, 0x01020304) + Status(TC_STATUS_NOT_FOUND)},
      {"flush", kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
                    Op(TC_OP_FLUSH) + kGo + Op(TC_OP_GET) + kGo,
       kOk + kOk + Status(TC_STATUS_NOT_FOUND)},
      {"version", kClear + Op(TC_OP_VERSION) + kGo,
       RValue("1.6.18-tinkercache-0.1.0") + kOk},
      {"stats group", kClear + Op(TC_OP_STATS) + Str8(TC_OP_GROUP, "sizes") + kGo,
       Str8(TC_R_STAT_NAME, "sizes_status") + Str8(TC_R_STAT_VALUE, "disabled") +
           kOk},
      {"stats unknown group",
       kClear + Op(TC_OP_STATS) + Str8(TC_OP_GROUP, "bogus") + kGo,
       Message("no such stats group") + Status(TC_STATUS_NOT_FOUND)},
      {"verbosity", kClear + Op(TC_OP_VERBOSITY) + U8(TC_OP_DELTA8, 1) + kGo, kOk},
      {"noop", kClear + Op(TC_OP_NOOP) + kGo, kOk},
      // GO's checks.
      {"GO with no action", kClear + kGo,
       Message("GO with no action selected") + Status(TC_STATUS_NO_ACTION)},
      {"GO without required registers", kClear + Op(TC_OP_CAS) + Key("k") + kGo,
       Message("GO needs VALUE CAS") + Status(TC_STATUS_MISSING)},
      {"CLEAR forgets registers",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kClear + Op(TC_OP_SET) + kGo,
       Message("GO needs KEY VALUE") + Status(TC_STATUS_MISSING)},
      {"key too long", kClear + Op(TC_OP_GET) + Key(std::string(251, 'a')) + kGo,
       Message("KEY is longer than 250 bytes") + Status(TC_STATUS_INVALID)},
      {"empty key", kClear + Op(TC_OP_GET) + Key("") + kGo,
       Message("KEY is empty") + Status(TC_STATUS_INVALID)},
      // Unknown opcodes with a parameter: skipped, reported once.
      {"unknown opcodes with a parameter are skipped",
       kClear + U8(0x3e, 9) + U32(0x5e, 1) + Str8(0x7e, "abc") +
           Str32(0x9e, "long string") + U64(0xbe, 5) + Op(TC_OP_NOOP) + kGo,
       U8(TC_R_SKIPPED, 5) + kOk},
      {"unknown extended opcodes with a parameter are skipped",
       kClear + Op(0xff) + Str8(0x70, "xy") + Op(0xff) + U8(0x33, 1) +
           Op(TC_OP_NOOP) + kGo,
       U8(TC_R_SKIPPED, 2) + kOk},
      // An unknown no-parameter opcode is an action: GO refuses it and never
      // runs the action selected before it.
      {"unknown action after SET executes nothing",
       kClear + Op(TC_OP_SET) + Key("a") + Value("x") + kGo + Op(0x1d) +
           Value("y") + kGo + Op(TC_OP_GET) + kGo,
       kOk + Message("unknown action 0x1d") +
           Status(TC_STATUS_UNKNOWN_COMMAND) + RValue("x") + kOk},
      {"unregistered extended action executes nothing",
       kClear + Op(TC_OP_SET) + Key("a") + Value("x") + kGo + Op(0xff) +
           Op(0x05) + Value("y") + kGo + Op(TC_OP_GET) + kGo,
       kOk + Message("unknown action 0xff 0x05") +
           Status(TC_STATUS_UNKNOWN_COMMAND) + RValue("x") + kOk},
      {"a known action replaces an unknown one",
       kClear + Op(0x1f) + Op(TC_OP_NOOP) + kGo, kOk},
      // UNIQUE is compared whenever it is set: 0 matches no item.
      {"set and delete with UNIQUE 0",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
           U64(TC_OP_UNIQUE, 0) + Value("w") + kGo + Op(TC_OP_DELETE) + kGo +
           Key("none") + kGo + kClear + Op(TC_OP_GET) + Key("k") + kGo,
       kOk + Status(TC_STATUS_EXISTS) + Status(TC_STATUS_EXISTS) +
           Status(TC_STATUS_NOT_FOUND) + RValue("v") + kOk},
      {"replace, append and incr with UNIQUE 0",
       kClear + Op(TC_OP_SET) + Key("n") + Value("1") + kGo +
           U64(TC_OP_UNIQUE, 0) + Op(TC_OP_REPLACE) + kGo + Op(TC_OP_APPEND) +
           kGo + Op(TC_OP_INCR) + U8(TC_OP_DELTA8, 1) + kGo,
       kOk + Status(TC_STATUS_EXISTS) + Status(TC_STATUS_EXISTS) +
           Status(TC_STATUS_EXISTS)},
      {"add and get ignore UNIQUE",
       kClear + U64(TC_OP_UNIQUE, 0) + Op(TC_OP_ADD) + Key("k") + Value("v") +
           kGo + Op(TC_OP_GET) + kGo,
       kOk + RValue("v") + kOk},
      {"append ignores FLAGS",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
           U32(TC_OP_FLAGS, 9) + Op(TC_OP_APPEND) + kGo + kClear +
           Op(TC_OP_GET) + Key("k") + kGo,
       kOk + kOk + RValue("vv") + kOk},
      // FORGET drops one register or flag.
      {"FORGET UNIQUE makes the next set unconditional",
       kClear + Op(TC_OP_SET) + Key("k") + Value("v") + U64(TC_OP_UNIQUE, 5) +
           kGo + U8(TC_OP_FORGET, TC_OP_UNIQUE) + kGo,
       Status(TC_STATUS_NOT_FOUND) + kOk},
      {"FORGET names a register by any of its forms",
       kClear + Op(TC_OP_INCR) + Key("n") + U8(TC_OP_DELTA8, 1) +
           U8(TC_OP_FORGET, TC_OP_DELTA64) + kGo,
       Message("GO needs DELTA") + Status(TC_STATUS_MISSING)},
      {"FORGET QUIET",
       kClear + Op(TC_OP_QUIET) + Op(TC_OP_SET) + Key("k") + Value("v") + kGo +
           U8(TC_OP_FORGET, TC_OP_QUIET) + kGo,
       kOk},
      {"FORGET of what is no register does nothing",
       kClear + U8(TC_OP_FORGET, TC_OP_GO) + U8(TC_OP_FORGET, 0x7e) +
           Op(TC_OP_NOOP) + kGo,
       kOk},
      // A refused register answers every GO that uses it, until replaced.
      {"a refused KEY outlives GO and does not touch NOOP",
       kClear + Op(TC_OP_GET) + Key("") + kGo + kGo + Op(TC_OP_NOOP) + kGo +
           Op(TC_OP_GET) + Key("k") + kGo,
       Message("KEY is empty") + Status(TC_STATUS_INVALID) +
           Message("KEY is empty") + Status(TC_STATUS_INVALID) + kOk +
           Status(TC_STATUS_NOT_FOUND)},
      {"a refused KEY outranks MISSING",
       kClear + Op(TC_OP_SET) + Key(std::string(251, 'k')) + kGo,
       Message("KEY is longer than 250 bytes") + Status(TC_STATUS_INVALID)},
      {"GO without an action ignores a refused KEY",
       kClear + Key("") + kGo,
       Message("GO with no action selected") + Status(TC_STATUS_NO_ACTION)},
      {"FORGET KEY ends its refusal",
       kClear + Op(TC_OP_GET) + Key("") + U8(TC_OP_FORGET, TC_OP_KEY) + kGo,
       Message("GO needs KEY") + Status(TC_STATUS_MISSING)},
      {"incr answers CAS before NUMBER",
       kClear + Op(TC_OP_INCR) + Op(TC_OP_WANT_CAS) + Key("n") +
           U8(TC_OP_DELTA8, 1) + U64(TC_OP_INITIAL, 7) + kGo,
       U64(TC_R_CAS, 1) + Number(7) + kOk},
      // Framing errors close.
      {"reserved range closes",
       kClear + Op(0xc3) + Op(TC_OP_NOOP) + kGo,
       Message("reserved opcode 0xc3: the stream cannot be parsed") +
           Status(TC_STATUS_FRAMING),
       true},
      {"escaped reserved range closes",
       kClear + Op(0xff) + Op(0xff) + Op(TC_OP_NOOP) + kGo,
       Message("reserved opcode 0xff: the stream cannot be parsed") +
           Status(TC_STATUS_FRAMING),
       true},
      {"quit", kClear + Op(TC_OP_QUIT) + kGo + Op(TC_OP_NOOP) + kGo, kOk, true},
      {"quiet quit", kClear + Op(TC_OP_QUIET) + Op(TC_OP_QUIT) + kGo, "", true},
  };
  return *cases;
}

class CompactCaseTest : public ::testing::TestWithParam<size_t> {};

TEST_P(CompactCaseTest, AnswersAsTheSpecSays) {
  const Case& c = Cases()[GetParam()];
  CompactHarness h;
  std::string out = h.Run(c.in);
  if (c.out.ends_with("CAS")) {
    // CAS values are not fixed: check the shape (CAS field, value, OK).
    ASSERT_GE(out.size(), 9u);
    const std::string want_prefix = c.out.substr(0, c.out.size() - 3);
    EXPECT_EQ(out.substr(0, want_prefix.size()), want_prefix);
    EXPECT_EQ(static_cast<uint8_t>(out[want_prefix.size()]), TC_R_CAS);
    EXPECT_EQ(out.substr(want_prefix.size() + 9), RValue("v") + kOk);
  } else {
    EXPECT_EQ(out, c.out) << c.name;
  }
  EXPECT_EQ(h.closed(), c.closes) << c.name;
}

TEST_P(CompactCaseTest, SameBytesAtEveryFragmentSize) {
  const Case& c = Cases()[GetParam()];
  CompactHarness whole;
  const std::string want = whole.Run(c.in);
  for (size_t chunk = 1; chunk < c.in.size(); ++chunk) {
    CompactHarness h;
    ASSERT_EQ(h.Run(c.in, chunk), want) << c.name << " in chunks of " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Spec, CompactCaseTest,
                         ::testing::Range<size_t>(0, Cases().size()));

TEST(CompactSession, TooLargeValueIsSkippedAndAnsweredAtGo) {
  CompactHarness h;
  h.Run(kClear + Op(TC_OP_SET) + Key("big") + Value("old") + kGo);
  const std::string big(2'000'000, 'x');
  EXPECT_EQ(h.Run(Str32(TC_OP_VALUE, big) + kGo + Op(TC_OP_GET) + kGo, 4096),
            Message("VALUE exceeds the item size limit") +
                Status(TC_STATUS_TOO_LARGE) + Status(TC_STATUS_NOT_FOUND));
  EXPECT_LT(h.pending(), 4096u);  // never buffered
}

TEST(CompactSession, EscapeAtEndOfStreamWaits) {
  CompactHarness h;
  EXPECT_EQ(h.Run(kClear + Op(0xff)), "");
  EXPECT_EQ(h.pending(), 1u);
  EXPECT_EQ(h.Run(Op(0x21) + Op(0x07) + Op(TC_OP_NOOP) + kGo),
            U8(TC_R_SKIPPED, 1) + kOk);
}

TEST(CompactSession, TooLargeAtGoDropsTheOldValue) {
  CompactHarness h;
  const size_t limit = Settings{}.item_size_max;
  h.Run(kClear + Op(TC_OP_SET) + Key("k") + Value("old") + kGo);
  // Under the VALUE limit, over the item limit once the key and memcached's
  // 59 bytes are counted.
  EXPECT_EQ(h.Run(Str32(TC_OP_VALUE, std::string(limit - 59, 'x')) + kGo +
                  Op(TC_OP_GET) + kGo),
            Message("object too large for cache") +
                Status(TC_STATUS_TOO_LARGE) + Status(TC_STATUS_NOT_FOUND));
  // Exactly at the limit: key + value + 59 == item_size_max.
  EXPECT_EQ(h.Run(Op(TC_OP_SET) + Str32(TC_OP_VALUE, std::string(limit - 60, 'x')) +
                  kGo),
            kOk);
  // FLAGS not 0 count 4 bytes more.
  EXPECT_EQ(h.Run(U32(TC_OP_FLAGS, 1) + kGo),
            Message("object too large for cache") + Status(TC_STATUS_TOO_LARGE));
}

TEST(CompactSession, RefusesAStreamThatCannotBeCompact) {
  // An ASCII client on the dedicated compact port: "g" would be a string
  // opcode with a 32-byte length, and the connection would wait forever.
  CompactHarness h;
  EXPECT_EQ(h.Run("get k\r\n"),
            Message("not a compact stream: a connection begins with a "
                    "no-parameter opcode such as CLEAR") +
                Status(TC_STATUS_FRAMING));
  EXPECT_TRUE(h.closed());
  CompactHarness lf;
  lf.Run("\n");
  EXPECT_TRUE(lf.closed());
  // Only the first byte is checked.
  CompactHarness later;
  EXPECT_EQ(later.Run(kClear + Op(TC_OP_NOOP) + kGo), kOk);
  EXPECT_EQ(later.Run("g"), "");
  EXPECT_FALSE(later.closed());
}

TEST(CompactSession, VerbosityIsCappedAtTwo) {
  CompactHarness h;
  EXPECT_EQ(h.Run(kClear + Op(TC_OP_VERBOSITY) + U8(TC_OP_DELTA8, 1) + kGo),
            kOk);
  EXPECT_EQ(h.registry().verbosity(), 1);
  EXPECT_EQ(h.Run(U64(TC_OP_DELTA64, uint64_t{1} << 40) + kGo), kOk);
  EXPECT_EQ(h.registry().verbosity(), 2);
}

TEST(CompactSession, LongStatValuesUseTheLongForm) {
  CompactHarness h;
  const std::string key(250, 'k');
  h.Run(kClear + Op(TC_OP_SET) + Key(key) + Value("v") + kGo);
  const std::string line = key + " [1 b; 0 s]";
  EXPECT_EQ(h.Run(kClear + Op(TC_OP_STATS) +
                  Str8(TC_OP_GROUP, "cachedump 1 0") + kGo),
            Str8(TC_R_STAT_NAME, "ITEM") +
                Str32(TC_R_STAT_VALUE_LONG, line) + kOk);
}

TEST(CompactSession, NoGoNoReply) {
  CompactHarness h;
  EXPECT_EQ(h.Run(kClear + Op(TC_OP_SET) + Key("k") + Value("v")), "");
  EXPECT_EQ(h.pending(), 0u);
  // The registers wait for GO, even after the input they came in is gone.
  EXPECT_EQ(h.Run(kGo + Op(TC_OP_GET) + kGo), kOk + RValue("v") + kOk);
}

TEST(CompactSession, ValueRegisterOutlivesItsInput) {
  CompactHarness h;
  h.Run(kClear + Op(TC_OP_SET) + Value("kept") + Key("a") + kGo);
  // More input that leaves the registers alone but reuses the buffer.
  std::string filler;
  for (int i = 0; i < 50; ++i) filler += U8(TC_OP_DELTA8, 1);
  h.Run(filler);
  EXPECT_EQ(h.Run(Key("b") + kGo + Op(TC_OP_GET) + kGo),
            kOk + RValue("kept") + kOk);
}

TEST(CompactSession, ExpiryFollowsTheClock) {
  CompactHarness h;
  h.Run(kClear + Op(TC_OP_SET) + Key("k") + Value("v") +
        U32(TC_OP_EXPTIME, 10) + kGo);
  h.clock().Advance(9);
  EXPECT_EQ(h.Run(kClear + Op(TC_OP_GET) + Key("k") + kGo), RValue("v") + kOk);
  h.clock().Advance(1);
  EXPECT_EQ(h.Run(kGo), Status(TC_STATUS_NOT_FOUND));
  // A negative EXPTIME has already passed, as in memcached.
  h.Run(kClear + Op(TC_OP_SET) + Key("n") + Value("v") +
        U32(TC_OP_EXPTIME, 0xffffffffu) + kGo);
  EXPECT_EQ(h.Run(kClear + Op(TC_OP_GET) + Key("n") + kGo),
            Status(TC_STATUS_NOT_FOUND));
}

// The opcode table in spec/ is read here, at test time, and compared with
// what the server compiled: a stale generated header or a hand-edited table
// fails this test.
TEST(CompactSpec, CompiledTablesMatchTheSpecTable) {
  std::ifstream in(TINKERCACHE_SOURCE_DIR "/spec/compact_opcodes.tsv");
  ASSERT_TRUE(in) << "spec/compact_opcodes.tsv not found";
  std::string line;
  int requests = 0;
  const std::map<std::string, Param> params = {
      {"none", Param::kNone}, {"u8", Param::kU8},     {"u32", Param::kU32},
      {"str8", Param::kStr8}, {"str32", Param::kStr32}, {"u64", Param::kU64}};
  std::set<int> request_codes;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    ASSERT_EQ(cols.size(), 7u) << line;
    const std::string& kind = cols[0];
    if (kind == "status") continue;
    const int code = std::stoi(cols[2], nullptr, 16);
    EXPECT_EQ(ParamOf(static_cast<uint8_t>(code)), params.at(cols[3])) << line;
    if (kind != "field" && kind != "end") {
      ++requests;
      request_codes.insert(code);
    }
  }
  EXPECT_GT(requests, 20);
  for (int code = 0; code < 256; ++code) {
    EXPECT_EQ(IsKnownRequest(false, static_cast<uint8_t>(code)),
              request_codes.count(code) == 1)
        << "opcode " << code;
  }
}

}  // namespace
}  // namespace tinkercache::compact
