// The stats groups memcached has beside the counters (`stats detail`,
// `stats cachedump`, `stats conns`), the counters' memcached rules and the
// order of the general stats, over each protocol. Expected replies were
// taken from memcached 1.6.18 on the same input (tests/integration/
// test_vs_memcached.py compares the deterministic ones live).

#include "src/core/stats.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_session.h"
#include "src/core/prefix_stats.h"
#include "src/server/connection_table.h"
#include "tests/unit/session_harness.h"
#include "tinkercache/compact_opcodes.h"

namespace tinkercache {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using AsciiHarness = SessionHarness<ascii::AsciiSession>;
using BinaryHarness = SessionHarness<binary::BinarySession>;
using CompactHarness = SessionHarness<compact::CompactSession>;

// The value of one general stat in an ASCII `stats` reply.
std::string Stat(AsciiHarness& h, std::string_view name) {
  const std::string out = h.Run("stats\r\n");
  const std::string key = "STAT " + std::string(name) + " ";
  const size_t at = out.find(key);
  if (at == std::string::npos) return "<absent>";
  const size_t from = at + key.size();
  return out.substr(from, out.find("\r\n", from) - from);
}

// Stat lines as "name=value;".
class StatCollectorForTest : public ResponseSink {
 public:
  void Send(const Response& r) override {
    text += std::string(r.key) + "=" + std::string(r.value) + ";";
  }
  std::string text;
};

TEST(Murmur3, MatchesTheReferenceAlgorithm) {
  EXPECT_EQ(Murmur3(""), 0u);
  EXPECT_EQ(Murmur3("a"), 0x3c2569b2u);
  EXPECT_EQ(Murmur3("abc"), 0xb3dd93fau);
  EXPECT_EQ(Murmur3("abcd"), 0x43ed676au);
  EXPECT_EQ(Murmur3("hello world"), 0x5e928f0fu);
}

std::vector<std::string> Dump(const PrefixStats& p) {
  std::vector<std::string> lines;
  p.Dump([&](std::string_view prefix, const PrefixStats::Counts& c) {
    lines.push_back(PrefixStats::Fields(prefix, c));
  });
  return lines;
}

TEST(PrefixStats, CountsByPrefixInMemcachedsOrder) {
  PrefixStats p(':');
  p.RecordSet("a:1");
  p.RecordGet("a:1", true);
  p.RecordGet("a:2", false);
  p.RecordDelete("q:x");
  p.RecordGet("b:z", false);
  p.RecordSet("big:1");
  p.RecordSet(":x");                           // the empty prefix
  p.RecordSet("nodelim");                      // no prefix: not counted
  p.RecordSet(std::string_view("n\0l:x", 5));  // a NUL before ':'
  // Buckets by Murmur3 % 256: "" 0, b 3, a 178, big 201, q 232.
  EXPECT_THAT(Dump(p), ::testing::ElementsAre(" get 0 hit 0 set 1 del 0",
                                              "b get 1 hit 0 set 0 del 0",
                                              "a get 2 hit 1 set 1 del 0",
                                              "big get 0 hit 0 set 1 del 0",
                                              "q get 0 hit 0 set 0 del 1"));
  p.Clear();
  EXPECT_TRUE(Dump(p).empty());
}

TEST(PrefixStats, LooksUpAsMemcachedDoes) {
  // "ae0" shares "a"'s bucket; memcached compares only the looked-up
  // prefix's length, newest entry first, so "a:y" lands on "ae0".
  PrefixStats p(':');
  p.RecordSet("ae0:x");
  p.RecordSet("a:y");
  EXPECT_THAT(Dump(p), ::testing::ElementsAre("ae0 get 0 hit 0 set 2 del 0"));
  // With "a" first, both keep their own entries, newest first.
  PrefixStats q(':');
  q.RecordSet("a:y");
  q.RecordSet("ae0:x");
  EXPECT_THAT(Dump(q), ::testing::ElementsAre("ae0 get 0 hit 0 set 1 del 0",
                                              "a get 0 hit 0 set 1 del 0"));
}

TEST(PrefixStats, OtherDelimiterAndCap) {
  PrefixStats p('/');
  p.RecordSet("a:b");
  p.RecordSet("a/b");
  EXPECT_THAT(Dump(p), ::testing::ElementsAre("a get 0 hit 0 set 1 del 0"));
  PrefixStats full(':');
  for (size_t i = 0; i < PrefixStats::kMaxPrefixes + 10; ++i) {
    full.RecordSet(std::to_string(i) + ":k");
  }
  EXPECT_EQ(full.size(), PrefixStats::kMaxPrefixes);
}

TEST(StatsGroup, ParsesAsMemcached) {
  EXPECT_EQ(ParseStatsGroup("").kind, StatsGroup::kGeneral);
  EXPECT_EQ(ParseStatsGroup("reset").kind, StatsGroup::kReset);
  EXPECT_EQ(ParseStatsGroup("  detail   on  ").kind, StatsGroup::kDetailOn);
  EXPECT_EQ(ParseStatsGroup("detail off x").kind, StatsGroup::kDetailOff);
  EXPECT_EQ(ParseStatsGroup("detail dump").kind, StatsGroup::kDetailDump);
  for (const char* bad : {"detail", "detail x", "detail ON"}) {
    const StatsGroup g = ParseStatsGroup(bad);
    EXPECT_EQ(g.kind, StatsGroup::kRefused) << bad;
    EXPECT_EQ(g.error, "CLIENT_ERROR usage: stats detail on|off|dump") << bad;
  }
  const StatsGroup dump = ParseStatsGroup("cachedump 1 25 extra");
  EXPECT_EQ(dump.kind, StatsGroup::kCachedump);
  EXPECT_EQ(dump.slab_class, 1u);
  EXPECT_EQ(dump.limit, 25u);
  EXPECT_EQ(ParseStatsGroup("cachedump 4294967297 0").slab_class, 1u);
  EXPECT_EQ(ParseStatsGroup("cachedump").error,
            "CLIENT_ERROR bad command line");
  EXPECT_EQ(ParseStatsGroup("cachedump 1").error,
            "CLIENT_ERROR bad command line");
  EXPECT_EQ(ParseStatsGroup("cachedump a 0").error,
            "CLIENT_ERROR bad command line format");
  EXPECT_EQ(ParseStatsGroup("cachedump 1 -1").error,
            "CLIENT_ERROR bad command line format");
  EXPECT_EQ(ParseStatsGroup("cachedump 64 0").error,
            "CLIENT_ERROR Illegal slab id");
  EXPECT_EQ(ParseStatsGroup("cachedump 63 0").kind, StatsGroup::kCachedump);
  EXPECT_EQ(ParseStatsGroup("cachedump 1 0", /*dump_enabled=*/false).error,
            "CLIENT_ERROR stats cachedump not allowed");
  EXPECT_EQ(ParseStatsGroup("conns").kind, StatsGroup::kConns);
  const StatsGroup other = ParseStatsGroup("settings x");
  EXPECT_EQ(other.kind, StatsGroup::kOther);
  EXPECT_EQ(other.name, "settings");
}

TEST(GeneralStats, InMemcachedsOrder) {
  AsciiHarness h;
  const std::string out = h.Run("stats\r\n");
  std::vector<std::string> names;
  for (size_t at = out.find("STAT "); at != std::string::npos;
       at = out.find("STAT ", at + 1)) {
    names.push_back(out.substr(at + 5, out.find(' ', at + 5) - at - 5));
  }
  size_t last = 0;
  for (const std::string& name : names) {
    const size_t rank = GeneralStatRank(name);
    EXPECT_LE(last, rank) << name << " is out of memcached's order";
    last = rank;
  }
  EXPECT_THAT(out, HasSubstr("STAT get_misses 0\r\nSTAT get_expired 0\r\n"
                             "STAT get_flushed 0\r\nSTAT delete_misses 0\r\n"));
  // memcached lists idle_kicks only with an idle timeout.
  EXPECT_THAT(out, Not(HasSubstr("idle_kicks")));
  Settings timeout;
  timeout.idle_timeout = 10;
  AsciiHarness t(timeout);
  EXPECT_THAT(t.Run("stats\r\n"),
              HasSubstr("STAT store_no_memory 0\r\nSTAT idle_kicks 0\r\n"
                        "STAT bytes_read"));
}

TEST(GeneralStats, ConnectionsCountAsMemcachedCounts) {
  AsciiHarness h;
  h.registry().ListenerOpened();
  h.registry().ConnectionOpened();
  h.registry().ConnectionOpened();
  h.registry().ConnectionClosed();
  EXPECT_EQ(Stat(h, "curr_connections"), "1");
  EXPECT_EQ(Stat(h, "total_connections"), "3");
  EXPECT_EQ(Stat(h, "connection_structures"), "3");
  h.Run("stats reset\r\n");
  EXPECT_EQ(Stat(h, "total_connections"), "0");
  EXPECT_EQ(Stat(h, "connection_structures"), "3");
}

TEST(StatsDetail, AsciiRecordsTheClassicCommands) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("stats detail\r\nstats detail x\r\nstats detail dump\r\n"),
            "CLIENT_ERROR usage: stats detail on|off|dump\r\n"
            "CLIENT_ERROR usage: stats detail on|off|dump\r\nEND\r\n");
  EXPECT_THAT(
      h.Run("stats settings\r\n"),
      HasSubstr("STAT stat_key_prefix :\r\nSTAT detail_enabled no\r\n"));
  EXPECT_EQ(h.Run("stats detail on\r\n"), "OK\r\n");
  EXPECT_THAT(h.Run("stats settings\r\n"), HasSubstr("detail_enabled yes"));
  h.Run(
      "set a:1 0 0 1\r\nx\r\nadd a:2 0 0 1\r\nx\r\nreplace a:9 0 0 1\r\nx\r\n"
      "append a:1 0 0 1\r\ny\r\nprepend a:1 0 0 1\r\nw\r\n"
      "cas a:1 0 0 1 1\r\nz\r\n"
      "get a:1 a:3 b:1\r\ngets a:1\r\ngat 10 a:2\r\ngats 10 a:9\r\n"
      "delete a:2\r\ndelete a:2\r\n"
      // Not counted: touch, incr, decr and the meta commands.
      "touch a:1 10\r\nincr a:1 1\r\ndecr a:1 1\r\n"
      "mg a:1 v\r\nms a:5 1\r\nx\r\nmd a:5\r\nma a:n N0\r\nme a:1\r\n");
  // A refused oversized set is still counted, as memcached counts it.
  h.Run("set a:big 0 0 2000000\r\n" + std::string(2000000, 'x') + "\r\n");
  EXPECT_EQ(h.Run("stats detail dump\r\n"),
            "PREFIX b get 1 hit 0 set 0 del 0\r\n"
            "PREFIX a get 5 hit 3 set 7 del 2\r\nEND\r\n");
  EXPECT_EQ(h.Run("stats detail off\r\nget a:1\r\nstats detail dump\r\n"),
            "OK\r\nVALUE a:1 0 3\r\nwxy\r\nEND\r\n"
            "PREFIX b get 1 hit 0 set 0 del 0\r\n"
            "PREFIX a get 5 hit 3 set 7 del 2\r\nEND\r\n");
  EXPECT_EQ(h.Run("stats reset\r\nstats detail dump\r\n"), "RESET\r\nEND\r\n");
}

TEST(StatsDetail, DelimiterOptionTurnsItOn) {
  Settings s;
  s.prefix_delimiter = '/';
  s.detail_enabled = true;
  AsciiHarness h(s);
  EXPECT_THAT(
      h.Run("stats settings\r\n"),
      HasSubstr("STAT stat_key_prefix /\r\nSTAT detail_enabled yes\r\n"));
  h.Run("set x/1 0 0 1\r\nx\r\nset x:1 0 0 1\r\nx\r\n");
  EXPECT_EQ(h.Run("stats detail dump\r\n"),
            "PREFIX x get 0 hit 0 set 1 del 0\r\nEND\r\n");
}

TEST(StatsDetail, BinaryDumpIsOneStat) {
  using binary::kStat;
  auto stat = [](std::string_view key) {
    std::string p(binary::kHeaderSize, '\0');
    p[0] = static_cast<char>(binary::kRequestMagic);
    p[1] = static_cast<char>(kStat);
    binary::Store16(p.data() + 2, static_cast<uint16_t>(key.size()));
    binary::Store32(p.data() + 8, static_cast<uint32_t>(key.size()));
    return p + std::string(key);
  };
  auto touch = [](std::string_view key) {
    std::string p(binary::kHeaderSize, '\0');
    p[0] = static_cast<char>(binary::kRequestMagic);
    p[1] = static_cast<char>(binary::kTouch);
    binary::Store16(p.data() + 2, static_cast<uint16_t>(key.size()));
    p[4] = 4;
    binary::Store32(p.data() + 8, static_cast<uint32_t>(key.size() + 4));
    return p + std::string(4, '\0') + std::string(key);
  };
  // Replies: each packet's status, key and value.
  auto describe = [](std::string_view out) {
    std::string d;
    while (out.size() >= binary::kHeaderSize) {
      const binary::Header hd = binary::DecodeHeader(out.data());
      const std::string_view body =
          out.substr(binary::kHeaderSize, hd.body_length);
      d += std::to_string(binary::Load16(out.data() + 6)) + " " +
           std::string(body.substr(hd.extras_length, hd.key_length)) + "=" +
           std::string(body.substr(hd.extras_length + hd.key_length)) + "|";
      out.remove_prefix(binary::kHeaderSize + hd.body_length);
    }
    return d;
  };
  BinaryHarness h;
  EXPECT_EQ(describe(h.Run(stat("detail dump"))), "0 detailed=END\r\n|0 =|");
  EXPECT_EQ(describe(h.Run(stat("detail on"))), "0 =|");
  for (const char* refused : {"detail", "detail x", "detailed", "conns",
                              "cachedump 1 0", "cachedump", "items x"}) {
    EXPECT_EQ(describe(h.Run(stat(refused))), "1 =Not found|") << refused;
  }
  // A TOUCH counts as a get in memcached's binary protocol.
  h.Run(touch("t:1"));
  EXPECT_EQ(describe(h.Run(stat("detail dump"))),
            "0 detailed=PREFIX t get 1 hit 0 set 0 del 0\r\nEND\r\n|0 =|");
  EXPECT_EQ(describe(h.Run(stat("detail off"))), "0 =|");
  // "reset" and "settings" are matched by their first bytes.
  EXPECT_EQ(describe(h.Run(stat("resetxyz"))), "0 =|");
  EXPECT_EQ(describe(h.Run(stat("detail dump"))), "0 detailed=END\r\n|0 =|");
  EXPECT_THAT(describe(h.Run(stat("settingsxyz"))),
              HasSubstr("0 detail_enabled=no|"));
}

TEST(StatsDetail, CompactGroups) {
  auto op = [](uint8_t code) {
    return std::string(1, static_cast<char>(code));
  };
  auto str8 = [&](uint8_t code, std::string_view v) {
    return op(code) + op(static_cast<uint8_t>(v.size())) + std::string(v);
  };
  auto stats = [&](std::string_view group) {
    return op(TC_OP_CLEAR) + op(TC_OP_STATS) + str8(TC_OP_GROUP, group) +
           op(TC_OP_GO);
  };
  CompactHarness h;
  EXPECT_EQ(h.Run(stats("detail on")), op(TC_R_OK));
  h.Run(op(TC_OP_CLEAR) + op(TC_OP_SET) + str8(TC_OP_KEY, "c:1") +
        str8(TC_OP_VALUE8, "v") + op(TC_OP_GO));
  EXPECT_EQ(h.Run(stats("detail dump")),
            str8(TC_R_STAT_NAME, "PREFIX") +
                str8(TC_R_STAT_VALUE, "c get 0 hit 0 set 1 del 0") +
                op(TC_R_OK));
  EXPECT_EQ(h.Run(stats("cachedump 1 0")),
            str8(TC_R_STAT_NAME, "ITEM") +
                str8(TC_R_STAT_VALUE, "c:1 [1 b; 0 s]") + op(TC_R_OK));
  EXPECT_EQ(h.Run(stats("detail x")),
            str8(TC_R_MESSAGE, "no such stats group") + op(TC_R_STATUS) +
                op(TC_STATUS_NOT_FOUND));
}

TEST(StatsCachedump, ListsTheItemsOfClassOne) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("stats cachedump\r\nstats cachedump 1\r\n"
                  "stats cachedump a 0\r\nstats cachedump 1 b\r\n"
                  "stats cachedump 64 0\r\nstats cachedump 1 0\r\n"),
            "CLIENT_ERROR bad command line\r\n"
            "CLIENT_ERROR bad command line\r\n"
            "CLIENT_ERROR bad command line format\r\n"
            "CLIENT_ERROR bad command line format\r\n"
            "CLIENT_ERROR Illegal slab id\r\nEND\r\n");
  const uint32_t now = h.clock().NowSeconds();
  h.Run(
      "set k1 0 0 1\r\nx\r\nset k2 5 100 3\r\nabc\r\n"
      "set k3 0 2000000000 10\r\n0123456789\r\nset gone 0 1 1\r\nx\r\n");
  // memcached prints a key up to a NUL byte (only the binary protocol can
  // store such a key).
  h.engine().Store(StoreMode::kSet, std::string_view("nul\0key", 7), "ab", 0,
                   0);
  h.clock().Advance(1);  // "gone" expires
  std::string all = h.Run("stats cachedump 1 0\r\n");
  for (const std::string& line :
       {std::string("ITEM k1 [1 b; 0 s]\r\n"),
        "ITEM k2 [3 b; " + std::to_string(now + 100) + " s]\r\n",
        std::string("ITEM k3 [10 b; 2000000000 s]\r\n"),
        std::string("ITEM nul [2 b; 0 s]\r\n")}) {
    EXPECT_THAT(all, HasSubstr(line));
  }
  EXPECT_THAT(all, Not(HasSubstr("gone")));
  EXPECT_TRUE(all.ends_with("s]\r\nEND\r\n")) << all;
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 5);
  const std::string two = h.Run("stats cachedump 1 2\r\n");
  EXPECT_EQ(std::count(two.begin(), two.end(), '\n'), 3) << two;
  EXPECT_EQ(h.Run("stats cachedump 0 0\r\nstats cachedump 2 0\r\n"),
            "END\r\nEND\r\n");
}

TEST(StatsCachedump, StopsAtTwoMebibytes) {
  AsciiHarness h;
  // 250-byte keys: lines of 268 bytes, as many as fit with "END\r\n" and
  // memcached's NUL under 2 MiB.
  std::string sets;
  for (int i = 0; i < 8000; ++i) {
    std::string key = std::to_string(i);
    key.resize(250, 'k');
    sets += "set " + key + " 0 0 1 noreply\r\nx\r\n";
  }
  h.Run(sets);
  const std::string out = h.Run("stats cachedump 1 0\r\n");
  const size_t line = 5 + 250 + 11 + 2;  // "ITEM <key> [1 b; 0 s]\r\n"
  EXPECT_EQ(static_cast<size_t>(std::count(out.begin(), out.end(), '\n')),
            (kCachedumpLimit - 6) / line + 1);
  EXPECT_LE(out.size() + 1, kCachedumpLimit);
}

TEST(StatsCachedump, RefusedWithDumpingDisabled) {
  Settings s;
  s.dump_enabled = false;
  AsciiHarness h(s);
  EXPECT_EQ(h.Run("stats cachedump 1 0\r\n"),
            "CLIENT_ERROR stats cachedump not allowed\r\n");
  EXPECT_THAT(h.Run("stats settings\r\n"),
              HasSubstr("STAT dump_enabled no\r\n"));
}

class FakeLister : public ConnectionLister {
 public:
  void ListConnections(
      absl::FunctionRef<void(const ConnectionInfo&)> visit) const override {
    visit({5, "tcp:127.0.0.1:11211", "", "conn_listening", 30});
    visit({9, "tcp:127.0.0.1:40000", "tcp:127.0.0.1:11211", "conn_read", 2});
  }
};

TEST(StatsConns, ListsWhatTheServerReports) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("stats conns\r\n"), "END\r\n");  // no server: none
  FakeLister lister;
  h.registry().set_connection_lister(&lister);
  EXPECT_EQ(h.Run("stats conns\r\n"),
            "STAT 5:addr tcp:127.0.0.1:11211\r\n"
            "STAT 5:state conn_listening\r\n"
            "STAT 5:secs_since_last_cmd 30\r\n"
            "STAT 9:addr tcp:127.0.0.1:40000\r\n"
            "STAT 9:listen_addr tcp:127.0.0.1:11211\r\n"
            "STAT 9:state conn_read\r\n"
            "STAT 9:secs_since_last_cmd 2\r\nEND\r\n");
  h.registry().set_connection_lister(nullptr);
}

TEST(ConnectionTable, ListsByFdWithStateAndIdleTime) {
  ManualClock clock;
  ConnectionTable table(clock);
  ConnectionTable::Entry listener, a, b;
  listener.fd = 3;
  listener.addr = "tcp:127.0.0.1:11211";
  listener.state = ConnState::kListening;
  listener.last_cmd = clock.NowSeconds();
  a.fd = 12;
  a.addr = "tcp:127.0.0.1:5000";
  a.listen_addr = listener.addr;
  a.last_cmd = clock.NowSeconds();
  b.fd = 7;
  b.addr = "tcp6:[::1]:5001";
  b.listen_addr = "tcp6:[::1]:11211";
  b.state = ConnState::kNread;
  table.Add(&a);
  table.Add(&listener);
  table.Add(&b);
  clock.Advance(4);
  b.last_cmd = clock.NowSeconds();
  auto list = [&] {
    std::string out;
    table.ListConnections([&](const ConnectionInfo& c) {
      out += std::to_string(c.fd) + " " + std::string(c.addr) + " " +
             std::string(c.listen_addr) + " " + std::string(c.state) + " " +
             std::to_string(c.secs_since_last_cmd) + "\n";
    });
    return out;
  };
  EXPECT_EQ(list(),
            "3 tcp:127.0.0.1:11211  conn_listening 4\n"
            "7 tcp6:[::1]:5001 tcp6:[::1]:11211 conn_nread 0\n"
            "12 tcp:127.0.0.1:5000 tcp:127.0.0.1:11211 conn_new_cmd 4\n");
  table.Remove(&b);
  table.Remove(&listener);
  EXPECT_EQ(list(),
            "12 tcp:127.0.0.1:5000 tcp:127.0.0.1:11211 conn_new_cmd 4\n");
  table.Remove(&a);
  EXPECT_EQ(list(), "");
  EXPECT_EQ(AddressText(asio::ip::tcp::endpoint(
                asio::ip::make_address("127.0.0.1"), 11211)),
            "tcp:127.0.0.1:11211");
  EXPECT_EQ(AddressText(
                asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 11211)),
            "tcp6:[::1]:11211");
}

// The counters memcached 1.6.18 moves otherwise than the command table's
// plain hit/miss rule (each checked live against memcached).
TEST(Counters, AsciiAndMetaAsMemcached) {
  struct Case {
    const char* name;
    std::string in;
    std::vector<std::pair<const char*, const char*>> want;
  };
  const std::string big(2000000, 'x');
  const std::vector<Case> cases = {
      {"ma creating",
       "ma n N0 J5\r\n",
       {{"incr_hits", "0"}, {"incr_misses", "0"}}},
      {"md I", "ms k 1\r\nx\r\nmd k I\r\n", {{"delete_hits", "0"}}},
      {"md wrong C",
       "ms k 1\r\nx\r\nmd k C999999\r\n",
       {{"delete_misses", "1"}, {"delete_hits", "0"}}},
      {"flush_all abc", "flush_all abc\r\n", {{"cmd_flush", "1"}}},
      {"flush_all abc noreply",
       "flush_all abc noreply\r\n",
       {{"cmd_flush", "1"}}},
      {"flush_all 1 2 3", "flush_all 1 2 3\r\n", {{"cmd_flush", "0"}}},
      {"set too large",
       "set k 0 0 2000000\r\n" + big + "\r\n",
       {{"cmd_set", "0"}, {"store_too_large", "1"}}},
      {"ms too large",
       "ms k 2000000\r\n" + big + "\r\n",
       {{"cmd_set", "0"}, {"store_too_large", "1"}}},
      {"mg long opaque, missing",
       "mg nokey v O" + std::string(40, 'x') + "\r\n",
       {{"cmd_get", "1"}, {"get_misses", "1"}}},
      {"mg long opaque, present",
       "ms k 1\r\nx\r\nmg k v O" + std::string(40, 'x') + "\r\n",
       {{"cmd_get", "0"}, {"get_hits", "0"}}},
      {"set bad chunk", "set k 0 0 1\r\nxx\r\n", {{"cmd_set", "1"}}},
      {"cas bad chunk noreply",
       "cas k 0 0 1 5 noreply\r\nxx\r\n",
       {{"cmd_set", "1"}, {"cas_misses", "0"}}},
      {"ms bad chunk", "ms k 1\r\nxx\r\n", {{"cmd_set", "1"}}},
      {"ms C missing", "ms k 1 C5\r\nx\r\n", {{"cas_misses", "1"}}},
      {"ms C stale",
       "ms k 1\r\nx\r\nms k 1 C999999\r\ny\r\n",
       {{"cas_badval", "1"}}},
      {"ms MA C stale",
       "ms k 1\r\nx\r\nms k 1 MA C999999\r\ny\r\n",
       {{"cas_badval", "0"}, {"cmd_set", "2"}}},
  };
  for (const Case& c : cases) {
    AsciiHarness h;
    h.Run(c.in);
    for (const auto& [name, value] : c.want) {
      EXPECT_EQ(Stat(h, name), value) << c.name << ": " << name;
    }
  }
}

TEST(Counters, MetaSetTooLargeDropsTheOldValueInAnyMode) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("set k 0 0 1\r\nv\r\nms k 2000000 MA\r\n" +
                  std::string(2000000, 'x') + "\r\nmg k v\r\n"),
            "STORED\r\nSERVER_ERROR object too large for cache\r\nEN\r\n");
}

TEST(Counters, BinaryAsMemcached) {
  auto packet = [](uint8_t op, std::string key, std::string extras,
                   std::string value, uint64_t cas) {
    std::string p(binary::kHeaderSize, '\0');
    p[0] = static_cast<char>(binary::kRequestMagic);
    p[1] = static_cast<char>(op);
    binary::Store16(p.data() + 2, static_cast<uint16_t>(key.size()));
    p[4] = static_cast<char>(extras.size());
    binary::Store32(
        p.data() + 8,
        static_cast<uint32_t>(extras.size() + key.size() + value.size()));
    binary::Store64(p.data() + 16, cas);
    return p + extras + key + value;
  };
  const std::string setx(8, '\0');
  auto set = [&](uint8_t op, const char* key, std::string value, uint64_t cas) {
    return packet(op, key, setx, std::move(value), cas);
  };
  std::string incr_extras(20, '\0');
  incr_extras[7] = 1;   // delta 1
  incr_extras[15] = 5;  // initial 5, exptime 0: may create
  struct Case {
    const char* name;
    std::string in;
    std::vector<std::pair<const char*, const char*>> want;
  };
  const std::vector<Case> cases = {
      {"set with CAS, missing",
       set(binary::kSet, "k", "v", 5),
       {{"cmd_set", "1"}, {"cas_misses", "1"}}},
      {"set with stale CAS",
       set(binary::kSet, "k", "v", 0) + set(binary::kSet, "k", "w", 999999),
       {{"cmd_set", "2"}, {"cas_badval", "1"}}},
      {"add with CAS, missing",
       set(binary::kAdd, "k", "v", 5),
       {{"cas_misses", "1"}}},
      {"replace with stale CAS",
       set(binary::kSet, "k", "v", 0) + set(binary::kReplace, "k", "w", 999999),
       {{"cas_badval", "1"}}},
      {"delete with stale CAS",
       set(binary::kSet, "k", "v", 0) +
           packet(binary::kDelete, "k", "", "", 999999),
       {{"delete_misses", "0"}, {"delete_hits", "0"}}},
      {"incr creating",
       packet(binary::kIncrement, "n", incr_extras, "", 0),
       {{"incr_hits", "0"}, {"incr_misses", "0"}}},
      {"set too large",
       set(binary::kSet, "k", std::string(2000000, 'x'), 0),
       {{"cmd_set", "0"}, {"store_too_large", "0"}}},
  };
  for (const Case& c : cases) {
    BinaryHarness h;
    h.Run(c.in);
    std::string out;
    {
      StatCollectorForTest collect;
      StatWriter w(collect);
      h.registry().WriteGeneral(w);
      out = collect.text;
    }
    for (const auto& [name, value] : c.want) {
      EXPECT_THAT(out, HasSubstr(std::string(name) + "=" + value + ";"))
          << c.name << ": " << name;
    }
  }
}

}  // namespace
}  // namespace tinkercache
