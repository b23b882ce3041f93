// The ASCII front end over the real engine. Expected bytes were recorded from
// memcached 1.6.18 on the same input (see tests/integration for the live
// comparison); every case is also replayed split at every fragment size.

#include <regex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocols/ascii/ascii_session.h"
#include "tests/unit/session_harness.h"

namespace tinkercache {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using AsciiHarness = SessionHarness<ascii::AsciiSession>;

struct Case {
  std::string in;
  std::string out;
};

std::string Key(size_t n) { return std::string(n, 'a'); }

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      // Unknown and malformed lines.
      {"bogus\r\n", "ERROR\r\n"},
      {"\r\n", "ERROR\r\n"},
      {"GET k\r\n", "ERROR\r\n"},
      {"get\r\n", "ERROR\r\n"},
      {"gets\r\n", "ERROR\r\n"},
      {"gat\r\n", "ERROR\r\n"},
      {"touch k\r\n", "ERROR\r\n"},
      {"incr k\r\n", "ERROR\r\n"},
      {"delete\r\n", "ERROR\r\n"},
      {"verbosity\r\n", "ERROR\r\n"},
      {"verbosity 1 2 3\r\n", "ERROR\r\n"},
      // cache_memlimit: megabytes, read into 32 bits as memcached reads them.
      {"cache_memlimit 100\r\n", "OK\r\n"},
      {"cache_memlimit +9 x\r\n", "OK\r\n"},
      {"cache_memlimit 4294967304\r\n", "OK\r\n"},
      {"cache_memlimit 7\r\n",
       "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"},
      {"cache_memlimit 1000000001\r\n",
       "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n"},
      {"cache_memlimit 18446744073709551615\r\n",
       "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n"},
      {"cache_memlimit 18446744073709551616\r\n", "ERROR\r\n"},
      {"cache_memlimit -1\r\n", "ERROR\r\n"},
      {"cache_memlimit 0x10\r\n", "ERROR\r\n"},
      {"cache_memlimit\r\n", "ERROR\r\n"},
      {"cache_memlimit 9 x y\r\n", "ERROR\r\n"},
      {"cache_memlimit 9 noreply x\r\n", "ERROR\r\n"},
      {"cache_memlimit 64 noreply\r\ncache_memlimit 7 noreply\r\n"
       "cache_memlimit x noreply\r\nmn\r\n",
       "MN\r\n"},
      // Storage.
      {"set k 0 0 5\r\nhello\r\n", "STORED\r\n"},
      {"set k 0 0 5\r\nhelloXX\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n"},
      {"set k 0 0 1\nx\nget k\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n"},
      {"set k 0 0 abc\r\nhello\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set k abc 0 5\r\nhello\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set k 0 abc 5\r\nhello\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set k 0 0 -1\r\n", "CLIENT_ERROR bad command line format\r\n"},
      {"set k 0 0 4294967295\r\n", "CLIENT_ERROR bad command line format\r\n"},
      {"set k 0x1 0 1\r\nx\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set k -1 0 1\r\nx\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set k 99999999999999999999 0 1\r\nx\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set k 0 0\r\n", "ERROR\r\n"},
      {"set k 0 0 1 2 3 4 5 6 7 8 9\r\nx\r\n", "ERROR\r\nERROR\r\n"},
      {"set k 0 0 5 noreply\r\nhello\r\nget k\r\n",
       "VALUE k 0 5\r\nhello\r\nEND\r\n"},
      {"set k 0 0 5 junk\r\nhello\r\n", "STORED\r\n"},
      {"set k 0 0 1 noreply\r\nxx\r\n", "ERROR\r\n"},
      {"set k 0 0 01\r\nx\r\n", "STORED\r\n"},
      {"set k 0 0 +1\r\nx\r\n", "STORED\r\n"},
      {"set k  0 0 1\r\nx\r\n", "STORED\r\n"},
      {"set k 0 0 1 \r\nx\r\n", "STORED\r\n"},
      {"set k\tx 0 0 1\r\nx\r\n", "STORED\r\n"},
      {"set k 0 0 0\r\n\r\nget k\r\n", "STORED\r\nVALUE k 0 0\r\n\r\nEND\r\n"},
      {"set " + Key(251) + " 0 0 1\r\nx\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"set " + Key(250) + " 0 0 1\r\nx\r\n", "STORED\r\n"},
      {"set k 4294967296 0 1\r\nx\r\nget k\r\n",
       "STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n"},
      {"set k 4294967295 0 1\r\nx\r\nget k\r\n",
       "STORED\r\nVALUE k 4294967295 1\r\nx\r\nEND\r\n"},
      {"add k 0 0 1\r\na\r\nadd k 0 0 1\r\nb\r\nget k\r\n",
       "STORED\r\nNOT_STORED\r\nVALUE k 0 1\r\na\r\nEND\r\n"},
      {"replace k 0 0 1\r\na\r\nset k 0 0 1\r\nb\r\nreplace k 3 0 1\r\nc\r\n"
       "get k\r\n",
       "NOT_STORED\r\nSTORED\r\nSTORED\r\nVALUE k 3 1\r\nc\r\nEND\r\n"},
      {"append nokey 0 0 1\r\nx\r\n", "NOT_STORED\r\n"},
      {"set k 0 0 1\r\nx\r\nappend k 5 5 1\r\ny\r\nprepend k 0 0 1\r\nw\r\n"
       "get k\r\n",
       "STORED\r\nSTORED\r\nSTORED\r\nVALUE k 0 3\r\nwxy\r\nEND\r\n"},
      {"cas k 0 0 1\r\nx\r\n", "ERROR\r\nERROR\r\n"},
      {"cas k 0 0 1 abc\r\nx\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"cas nokey 0 0 1 5\r\nx\r\n", "NOT_FOUND\r\n"},
      {"set k 0 0 1\r\nx\r\ncas k 0 0 1 0\r\ny\r\n", "STORED\r\nEXISTS\r\n"},
      {"cas k 0 0 1 5 noreply\r\nx\r\nget k\r\n", "END\r\n"},
      // Retrieval.
      {"get " + Key(251) + "\r\n", "CLIENT_ERROR bad command line format\r\n"},
      {"get " + Key(250) + "\r\n", "END\r\n"},
      {"set k 0 0 1\r\nx\r\nget k " + Key(251) + " k\r\n",
       "STORED\r\nCLIENT_ERROR bad command line format\r\n"},
      {"set k 0 0 1\r\nx\r\nget  k   k \r\n",
       "STORED\r\nVALUE k 0 1\r\nx\r\nVALUE k 0 1\r\nx\r\nEND\r\n"},
      {"get k\x01z\r\n", "END\r\n"},
      {"set a 1 0 1\r\n1\r\nset c 3 0 1\r\n3\r\nget a b c\r\n",
       "STORED\r\nSTORED\r\nVALUE a 1 1\r\n1\r\nVALUE c 3 1\r\n3\r\nEND\r\n"},
      {"gat 10\r\n", "END\r\n"},
      {"gat abc k\r\n", "CLIENT_ERROR invalid exptime argument\r\n"},
      {"set k 0 0 1\r\nx\r\ngat 10 k nokey\r\n",
       "STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n"},
      // Arithmetic.
      {"incr k 1\r\n", "NOT_FOUND\r\n"},
      {"set n 0 0 2\r\n10\r\nincr n abc\r\n",
       "STORED\r\nCLIENT_ERROR invalid numeric delta argument\r\n"},
      {"set n 0 0 2\r\n10\r\nincr n -1\r\n",
       "STORED\r\nCLIENT_ERROR invalid numeric delta argument\r\n"},
      {"incr n 18446744073709551616\r\n",
       "CLIENT_ERROR invalid numeric delta argument\r\n"},
      {"set n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\n", "STORED\r\n1\r\n"},
      {"set n 0 0 2\r\n10\r\ndecr n 100\r\n", "STORED\r\n0\r\n"},
      {"set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\n",
       "STORED\r\n99\r\nVALUE n 0 3\r\n99 \r\nEND\r\n"},
      {"set n 0 0 3\r\nabc\r\nincr n 1\r\n",
       "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric "
       "value\r\n"},
      {"set n 0 0 3\r\n12a\r\nincr n 1\r\n",
       "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric "
       "value\r\n"},
      {"set n 0 0 3\r\n 12\r\nincr n 1\r\nincr n 01\r\n",
       "STORED\r\n13\r\n14\r\n"},
      {"set n 0 0 1\r\n9\r\nincr n 1\r\nget n\r\n",
       "STORED\r\n10\r\nVALUE n 0 2\r\n10\r\nEND\r\n"},
      {"set k 0 0 1\r\nx\r\nincr k 1 2\r\n",
       "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric "
       "value\r\n"},
      {"set n 0 0 1\r\n1\r\nincr n 5 noreply\r\ndecr n 2 noreply\r\nget n\r\n",
       "STORED\r\nVALUE n 0 1\r\n4\r\nEND\r\n"},
      // Touch and delete.
      {"touch k abc\r\n", "CLIENT_ERROR invalid exptime argument\r\n"},
      {"touch nokey 10\r\n", "NOT_FOUND\r\n"},
      {"set k 0 0 1\r\nx\r\ntouch k 10 junk\r\n", "STORED\r\nTOUCHED\r\n"},
      {"set k 0 0 1\r\nx\r\ntouch k 1 noreply\r\nget k\r\n",
       "STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n"},
      {"delete k 0\r\n", "NOT_FOUND\r\n"},
      {"set k 0 0 1\r\nx\r\ndelete k\r\ndelete k\r\n",
       "STORED\r\nDELETED\r\nNOT_FOUND\r\n"},
      {"delete k 5\r\n",
       "CLIENT_ERROR bad command line format.  Usage: delete <key> "
       "[noreply]\r\n"},
      {"delete k x y\r\n",
       "CLIENT_ERROR bad command line format.  Usage: delete <key> "
       "[noreply]\r\n"},
      {"delete k noreply\r\n", ""},
      {"delete k 0 noreply\r\n", ""},
      // Flush, verbosity, version, stats.
      {"flush_all\r\n", "OK\r\n"},
      {"flush_all 10\r\n", "OK\r\n"},
      {"flush_all -1\r\n", "OK\r\n"},
      {"flush_all 1 2\r\n", "OK\r\n"},
      {"flush_all abc\r\n", "CLIENT_ERROR invalid exptime argument\r\n"},
      {"flush_all noreply x\r\n", "CLIENT_ERROR invalid exptime argument\r\n"},
      {"flush_all noreply\r\n", ""},
      {"set k 0 0 1\r\nx\r\nflush_all 0 noreply\r\nget k\r\n",
       "STORED\r\nEND\r\n"},
      {"verbosity 1\r\n", "OK\r\n"},
      {"verbosity abc\r\n", "CLIENT_ERROR bad command line format\r\n"},
      {"verbosity 1 noreply\r\n", ""},
      {"version\r\n", "VERSION 1.6.18-tinkercache-0.1.0\r\n"},
      {"version x\r\n", "VERSION 1.6.18-tinkercache-0.1.0\r\n"},
      {"stats foo\r\n", "ERROR\r\n"},
      {"stats reset\r\n", "RESET\r\n"},
      {"stats sizes\r\n", "STAT sizes_status disabled\r\nEND\r\n"},
      {"stats slabs\r\n", "STAT active_slabs 0\r\nSTAT total_malloced 0\r\nEND\r\n"},
      {"stats items\r\n", "END\r\n"},
      // quit closes; nothing after it runs.
      {"quit\r\nget k\r\n", ""},
  };
  return *cases;
}

class AsciiCaseTest : public ::testing::TestWithParam<size_t> {};

TEST_P(AsciiCaseTest, AnswersAsMemcached) {
  const Case& c = Cases()[GetParam()];
  AsciiHarness h;
  EXPECT_EQ(h.Run(c.in), c.out) << "input: " << c.in;
  EXPECT_EQ(h.pending(), 0u);
}

TEST_P(AsciiCaseTest, SameAnswerAtEveryFragmentSize) {
  const Case& c = Cases()[GetParam()];
  for (size_t chunk = 1; chunk <= c.in.size(); ++chunk) {
    AsciiHarness h;
    ASSERT_EQ(h.Run(c.in, chunk), c.out)
        << "input: " << c.in << " in chunks of " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Memcached, AsciiCaseTest,
                         ::testing::Range<size_t>(0, Cases().size()));

TEST(AsciiSession, QuitClosesAndLeavesTheRest) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("version\r\nquit\r\nversion\r\n"),
            "VERSION 1.6.18-tinkercache-0.1.0\r\n");
  EXPECT_TRUE(h.closed());
}

TEST(AsciiSession, GetsReturnsCasThatCasAccepts) {
  AsciiHarness h;
  h.Run("set k 0 0 1\r\nx\r\n");
  const std::string gets = h.Run("gets k\r\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(gets, m,
                               std::regex("VALUE k 0 1 (\\d+)\r\nx\r\nEND\r\n")));
  const std::string cas = m[1];
  EXPECT_EQ(h.Run("cas k 0 0 1 " + std::to_string(std::stoull(cas) + 1) +
                  "\r\ny\r\n"),
            "EXISTS\r\n");
  EXPECT_EQ(h.Run("cas k 0 0 1 " + cas + "\r\ny\r\n"), "STORED\r\n");
  EXPECT_EQ(h.Run("cas k 0 0 1 " + cas + "\r\nz\r\n"), "EXISTS\r\n");
  EXPECT_EQ(h.Run("get k\r\n"), "VALUE k 0 1\r\ny\r\nEND\r\n");
  EXPECT_THAT(h.Run("gats 100 k\r\n"), HasSubstr("VALUE k 0 1 "));
}

TEST(AsciiSession, ExpiryFollowsTheClock) {
  AsciiHarness h;
  const uint32_t now = h.clock().NowSeconds();
  h.Run("set rel 0 10 1\r\nr\r\n");
  h.Run("set abs 0 " + std::to_string(now + 100) + " 1\r\na\r\n");
  h.Run("set neg 0 -1 1\r\nn\r\n");
  h.Run("set old 0 " + std::to_string(now - 100) + " 1\r\no\r\n");
  EXPECT_EQ(h.Run("get neg old\r\n"), "END\r\n");
  h.clock().Advance(9);
  EXPECT_EQ(h.Run("get rel\r\n"), "VALUE rel 0 1\r\nr\r\nEND\r\n");
  h.clock().Advance(1);
  EXPECT_EQ(h.Run("get rel abs\r\n"), "VALUE abs 0 1\r\na\r\nEND\r\n");
  EXPECT_EQ(h.Run("touch abs 5\r\n"), "TOUCHED\r\n");
  h.clock().Advance(5);
  EXPECT_EQ(h.Run("get abs\r\n"), "END\r\n");
  // gat sets a new expiry too.
  h.Run("set g 0 0 1\r\ng\r\n");
  EXPECT_EQ(h.Run("gat 3 g\r\n"), "VALUE g 0 1\r\ng\r\nEND\r\n");
  h.clock().Advance(3);
  EXPECT_EQ(h.Run("get g\r\n"), "END\r\n");
}

TEST(AsciiSession, DelayedFlush) {
  AsciiHarness h;
  h.Run("set k 0 0 1\r\nx\r\n");
  // memcached's delayed flush takes effect one second early (its clock has
  // whole seconds), so a delay of 1 is at once.
  EXPECT_EQ(h.Run("flush_all 10\r\n"), "OK\r\n");
  h.clock().Advance(8);
  EXPECT_EQ(h.Run("get k\r\n"), "VALUE k 0 1\r\nx\r\nEND\r\n");
  h.clock().Advance(1);
  EXPECT_EQ(h.Run("get k\r\n"), "END\r\n");
  h.Run("set k 0 0 1\r\nx\r\n");
  EXPECT_EQ(h.Run("flush_all 1\r\nget k\r\n"), "OK\r\nEND\r\n");
}

TEST(AsciiSession, TooLargeIsSwallowedAndDropsTheOldValue) {
  AsciiHarness h;
  const std::string big(2'000'000, 'x');
  EXPECT_EQ(h.Run("set k 0 0 1\r\nv\r\nset k 0 0 2000000\r\n" + big +
                  "\r\nget k\r\n"),
            "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n");
  // In small reads the value is never buffered: it is discarded as it comes.
  AsciiHarness h2;
  EXPECT_EQ(h2.Run("set k 0 0 2000000 noreply\r\n" + big + "\r\nversion\r\n",
                   4096),
            "VERSION 1.6.18-tinkercache-0.1.0\r\n");
  EXPECT_LT(h2.pending(), 4096u);
  // Just under the limit works; at 1 MiB it does not, as in memcached.
  const std::string fits((1 << 20) - 1024, 'y');
  EXPECT_EQ(h.Run("set f 0 0 " + std::to_string(fits.size()) + "\r\n" + fits +
                  "\r\n"),
            "STORED\r\n");
  EXPECT_EQ(h.Run("set f 0 0 1048576\r\n" + std::string(1 << 20, 'z') + "\r\n"),
            "SERVER_ERROR object too large for cache\r\n");
  EXPECT_THAT(h.Run("stats\r\n"), HasSubstr("STAT store_too_large 2\r\n"));
}

TEST(AsciiSession, OutOfMemoryWithoutEvictions) {
  Settings settings;
  settings.max_bytes = 64 * 1024;
  settings.evictions = false;
  AsciiHarness h(settings);
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out = h.Run("set k" + std::to_string(i) + " 0 0 1000\r\n" +
                std::string(1000, 'v') + "\r\n");
  }
  EXPECT_EQ(out, "SERVER_ERROR out of memory storing object\r\n");
  EXPECT_THAT(h.Run("stats\r\n"), HasSubstr("STAT store_no_memory "));
}

TEST(AsciiSession, LargeValueArrivingInPiecesIsStoredWhole) {
  AsciiHarness h;
  std::string value(500'000, 'q');
  value[1234] = '\n';  // data may hold newlines
  EXPECT_EQ(h.Run("set big 7 0 500000\r\n" + value + "\r\n", 1000),
            "STORED\r\n");
  EXPECT_EQ(h.Run("get big\r\n"),
            "VALUE big 7 500000\r\n" + value + "\r\nEND\r\n");
}

TEST(AsciiSession, LineTooLongIsAnErrorAndCloses) {
  AsciiHarness h;
  EXPECT_EQ(h.Run(std::string(3000, 'x'), 100),
            "CLIENT_ERROR line too long\r\n");
  EXPECT_TRUE(h.closed());
}

TEST(AsciiSession, LargeBatchesAreAnsweredInBoundedSteps) {
  AsciiHarness h;
  const std::string value(100'000, 'b');
  h.Run("set b 0 0 100000\r\n" + value + "\r\n");
  std::string gets;
  for (int i = 0; i < 20; ++i) gets += "get b\r\n";
  std::string pending = gets;
  OutBuffer out;
  ascii::AsciiSession& session = h.session();
  const ProcessResult first = session.Process(pending, out);
  // The first call stops once its output passes the soft limit...
  EXPECT_LT(first.consumed, gets.size());
  EXPECT_LT(out.size(), kOutputSoftLimit + 200'000);
  // ...and the rest is answered by the calls after it, once the output was
  // sent (here: moved to `sent`).
  std::string sent(out.view());
  out.Clear();
  pending.erase(0, first.consumed);
  while (!pending.empty()) {
    const ProcessResult r = session.Process(pending, out);
    ASSERT_GT(r.consumed, 0u);
    pending.erase(0, r.consumed);
    sent.append(out.view());
    out.Clear();
  }
  std::string want;
  for (int i = 0; i < 20; ++i) want += "VALUE b 0 100000\r\n" + value + "\r\nEND\r\n";
  EXPECT_EQ(sent, want);
}

TEST(AsciiSession, MultiGetPastTheOutputLimitIsAnsweredInSteps) {
  // 40 keys of 100 KB: 4 MB of replies to one line, where a call may build
  // little more than the soft limit.
  AsciiHarness h;
  const std::string value(100'000, 'm');
  std::string get = "get";
  std::string want;
  for (int i = 0; i < 40; ++i) {
    const std::string key = "big" + std::to_string(i);
    h.Run("set " + key + " 0 0 100000\r\n" + value + "\r\n");
    get += " " + key + " missing" + std::to_string(i);
    want += "VALUE " + key + " 0 100000\r\n" + value + "\r\n";
  }
  get += "\r\nversion\r\n";
  want += "END\r\nVERSION " + std::string(kVersion) + "\r\n";

  ascii::AsciiSession& session = h.session();
  std::string pending = get, sent;
  OutBuffer out;
  int calls = 0;
  while (!pending.empty() && calls < 100) {
    const ProcessResult r = session.Process(pending, out);
    ++calls;
    EXPECT_LT(out.size(), kOutputSoftLimit + 2 * value.size());
    pending.erase(0, r.consumed);
    sent.append(out.view());
    out.Clear();
  }
  EXPECT_EQ(sent, want);
  EXPECT_GT(calls, 10);
  // Each key was looked up once, however many calls it took.
  EXPECT_THAT(h.Run("stats\r\n"), HasSubstr("STAT get_hits 40\r\n"));
  EXPECT_THAT(h.Run("stats\r\n"), HasSubstr("STAT get_misses 40\r\n"));
}

TEST(AsciiSession, ManyKeyMultiGet) {
  AsciiHarness h;
  std::string get = "get";
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "key" + std::to_string(i);
    if (i % 2 == 0) {
      h.Run("set " + key + " 0 0 1\r\nv\r\n");
      expected += "VALUE " + key + " 0 1\r\nv\r\n";
    }
    get += " " + key;
  }
  EXPECT_EQ(h.Run(get + "\r\n", 512), expected + "END\r\n");
}

TEST(AsciiSession, CacheMemlimitSetsTheLimitTheEngineKeeps) {
  AsciiHarness h;
  ASSERT_EQ(h.Run("cache_memlimit 8\r\n"), "OK\r\n");
  EXPECT_THAT(h.Run("stats\r\n"), HasSubstr("STAT limit_maxbytes 8388608\r\n"));
  EXPECT_THAT(h.Run("stats settings\r\n"),
              HasSubstr("STAT maxbytes 8388608\r\n"));
  // 16 MB of values: the engine evicts to stay within the new limit.
  const std::string value(100000, 'v');
  for (int i = 0; i < 160; ++i) {
    ASSERT_EQ(h.Run("set k" + std::to_string(i) + " 0 0 100000\r\n" + value +
                    "\r\n"),
              "STORED\r\n");
  }
  const std::string stats = h.Run("stats\r\n");
  EXPECT_THAT(stats, Not(HasSubstr("STAT evictions 0\r\n")));
  const size_t at = stats.find("STAT bytes ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LE(std::stoull(stats.substr(at + 11)), uint64_t{8} << 20);
}

TEST(AsciiSession, StatsUseMemcachedNamesAndCount) {
  AsciiHarness h;
  h.Run("set a 0 0 1\r\n1\r\nget a\r\nget b\r\ngets a b\r\ndelete a\r\n"
        "delete a\r\nincr x 1\r\ntouch x 1\r\ncas x 0 0 1 1\r\nx\r\n"
        "flush_all\r\n");
  const std::string stats = h.Run("stats\r\n");
  for (const char* line :
       {"STAT cmd_get 4\r\n", "STAT get_hits 2\r\n", "STAT get_misses 2\r\n",
        "STAT cmd_set 2\r\n", "STAT delete_hits 1\r\n",
        "STAT delete_misses 1\r\n", "STAT incr_misses 1\r\n",
        "STAT touch_misses 1\r\n", "STAT cmd_touch 1\r\n",
        "STAT cas_misses 1\r\n", "STAT cmd_flush 1\r\n",
        "STAT curr_items 0\r\n", "STAT total_items 1\r\n",
        "STAT limit_maxbytes 67108864\r\n", "STAT evictions 0\r\n"}) {
    EXPECT_THAT(stats, HasSubstr(line));
  }
  for (const char* name :
       {"pid", "uptime", "time", "version", "pointer_size", "rusage_user",
        "rusage_system", "curr_connections", "total_connections", "bytes",
        "threads", "bytes_read", "bytes_written", "get_expired"}) {
    EXPECT_THAT(stats, HasSubstr(std::string("STAT ") + name + " "));
  }
  EXPECT_TRUE(stats.ends_with("END\r\n"));
  const std::string settings = h.Run("stats settings\r\n");
  EXPECT_THAT(settings, HasSubstr("STAT maxbytes 67108864\r\n"));
  EXPECT_THAT(settings, HasSubstr("STAT item_size_max 1048576\r\n"));
  EXPECT_THAT(settings, HasSubstr("STAT evictions on\r\n"));
  EXPECT_EQ(h.Run("stats reset\r\n"), "RESET\r\n");
  EXPECT_THAT(h.Run("stats\r\n"), HasSubstr("STAT cmd_get 0\r\n"));
  h.Run("set i 0 0 1\r\n1\r\n");
  EXPECT_THAT(h.Run("stats items\r\n"), HasSubstr("STAT items:1:number 1\r\n"));
}

}  // namespace
}  // namespace tinkercache
