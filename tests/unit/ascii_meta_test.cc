// The meta commands (mg, ms, md, ma, mn, me) over the real engine. The
// table's expected bytes were recorded from memcached 1.6.18 on the same
// input (tests/integration/test_vs_memcached.py compares live) and every
// case is replayed split at every fragment size; the tests after it move
// the clock for TTLs, access times and the recache window.

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocols/ascii/ascii_session.h"
#include "tests/unit/session_harness.h"

namespace tinkercache {
namespace {

using ::testing::MatchesRegex;
using AsciiHarness = SessionHarness<ascii::AsciiSession>;

struct Case {
  std::string in;
  std::string out;
};

const std::vector<Case>& Cases() {
  static const auto* cases = new std::vector<Case>{
      {"mn\r\n",
       "MN\r\n"},
      {"mn x\r\n",
       "MN\r\n"},
      {"mg\r\n",
       "ERROR\r\n"},
      {"mg foo\r\n",
       "EN\r\n"},
      {"mg foo v\r\n",
       "EN\r\n"},
      {"mg foo v q\r\n",
       ""},
      {"mg foo v Oabc k\r\n",
       "EN Oabc kfoo\r\n"},
      {"mg foo v q Oabc k\r\nmn\r\n",
       "MN\r\n"},
      {"ms foo 3\r\nabc\r\nmg foo\r\nmg foo q\r\nmg foo v q\r\nmg foo s v\r\n",
       "HD\r\nHD\r\nHD\r\nVA 3\r\nabc\r\nVA 3 s3\r\nabc\r\n"},
      {"ms foo 3 q\r\nabc\r\nmn\r\n",
       "MN\r\n"},
      {"ms foo 3 c k Oxyz b\r\nabc\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms foo 3 T100\r\nabc\r\nmg foo t\r\nmg foo T0 t\r\nmg foo t\r\n",
       "HD\r\nHD t100\r\nHD t-1\r\nHD t-1\r\n"},
      {"ms foo 3 MZ\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n"},
      {"ms foo 3 ME\r\nabc\r\nms foo 3 ME\r\nxyz\r\nms foo 3 ME q\r\nxyz\r\nmn\r\n",
       "HD\r\nNS\r\nNS\r\nMN\r\n"},
      {"ms foo 3 MR\r\nabc\r\nms foo 3 MR q\r\nabc\r\nmn\r\n",
       "NS\r\nNS\r\nMN\r\n"},
      {"ms foo 3\r\nabc\r\nms foo 3 MA\r\ndef\r\nms foo 3 MP\r\nxyz\r\nmg foo v s\r\n",
       "HD\r\nHD\r\nHD\r\nVA 9 s9\r\nxyzabcdef\r\n"},
      {"ms foo 3\r\nabc\r\nms foo 3 C999999 q\r\nxyz\r\nmn\r\n",
       "HD\r\nEX\r\nMN\r\n"},
      {"ms foo 3 C1\r\nxyz\r\n",
       "NF\r\n"},
      {"ms foo 3 C1 MA\r\nxyz\r\n",
       "NS\r\n"},
      {"ms foo S3\r\nabc\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"ms foo\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"ms foo abc\r\nabc\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\n"},
      {"ms foo -1\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"ms foo 3 zz\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR invalid flag\r\nMN\r\n"},
      {"ms foo 3 v\r\nabc\r\nmn\r\n",
       "HD\r\nMN\r\n"},
      {"ms foo 3 F-1\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR bad command line format\r\nMN\r\n"},
      {"ms foo 3 Fabc\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR bad command line format\r\nMN\r\n"},
      {"ms foo 3 Tabc\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR bad token in command line format\r\nMN\r\n"},
      {"ms foo 3 c c\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR duplicate flag\r\nMN\r\n"},
      {"ms foo 3\r\nabcde\r\nmn\r\n",
       "CLIENT_ERROR bad data chunk\r\nERROR\r\nMN\r\n"},
      {"ms foo 3 MAA\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR incorrect length for M token\r\nMN\r\n"},
      {"ms foo 3 s k\r\nabc\r\n",
       "HD kfoo\r\n"},
      {"ms foo 3 Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR opaque token too long\r\nMN\r\n"},
      {"md foo\r\n",
       "NF\r\n"},
      {"md foo q\r\nmn\r\n",
       "NF\r\nMN\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo\r\nmg foo v\r\n",
       "HD\r\nHD\r\nEN\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo q\r\nmn\r\n",
       "HD\r\nMN\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo k O5 q\r\nmn\r\n",
       "HD\r\nMN\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo k O5\r\n",
       "HD\r\nHD kfoo O5\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo C999999\r\nmd foo C999999 q\r\nmn\r\n",
       "HD\r\nEX\r\nEX\r\nMN\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo I\r\nmg foo s\r\nmd foo\r\nmg foo\r\n",
       "HD\r\nHD\r\nHD s3 X W\r\nHD\r\nEN\r\n"},
      {"md foo zz\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"md foo q q\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"md\r\n",
       "ERROR\r\n"},
      {"md foo x\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"ma cnt\r\n",
       "NF\r\n"},
      {"ma cnt q\r\nmn\r\n",
       "NF\r\nMN\r\n"},
      {"ma cnt N0\r\n",
       "HD\r\n"},
      {"ma cnt N0 J10 q\r\nma cnt q v\r\nmn\r\n",
       "HD\r\nMN\r\n"},
      {"ms cnt 3\r\nabc\r\nma cnt\r\n",
       "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"},
      {"ma cnt MX\r\n",
       "CLIENT_ERROR invalid mode for ma M token\r\n"},
      {"ma cnt Dabc\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"ma cnt Jabc N0\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"ma cnt N0 C5\r\n",
       "HD\r\n"},
      {"ms cnt 1\r\n5\r\nma cnt T100 t v k O9\r\n",
       "HD\r\nVA 1 t100 kcnt O9\r\n6\r\n"},
      {"ma cnt N100 J5 t v\r\n",
       "VA 1 t100\r\n5\r\n"},
      {"ma cnt v k O1 b\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"me foo\r\n",
       "EN\r\n"},
      {"me\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"me foo b\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"me foo x\r\n",
       "EN\r\n"},
      {"mg foo N30 q\r\nmg foo N30 q\r\nmn\r\n",
       "HD W\r\nHD Z\r\nMN\r\n"},
      {"mg foo zz\r\n",
       "CLIENT_ERROR invalid flag\r\n"},
      {"mg foo v v\r\n",
       "CLIENT_ERROR duplicate flag\r\n"},
      {"mg foo Nabc\r\n",
       "CLIENT_ERROR bad token in command line format\r\n"},
      {"mg foo Rabc\r\n",
       "CLIENT_ERROR bad token in command line format\r\n"},
      {"mg foo Tabc\r\n",
       "CLIENT_ERROR bad token in command line format\r\n"},
      {"mg foo Cabc\r\n",
       "CLIENT_ERROR bad token in command line format\r\n"},
      {"mg foo P L\r\n",
       "EN\r\n"},
      {"mg foo Pxx Lyy v\r\n",
       "EN\r\n"},
      {"mg foo 12\r\n",
       "CLIENT_ERROR invalid flag\r\n"},
      {"mg foo - \r\n",
       "CLIENT_ERROR invalid flag\r\n"},
      {"mg Zm9v b v k\r\n",
       "EN kZm9v b\r\n"},
      {"mg Zm9v= b v k\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"mg !!!! b v k\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zm9v 3 b\r\nabc\r\nmd Zm9v b k\r\n",
       "HD\r\nHD kZm9v b\r\n"},
      {"ms Zm9v 3 b\r\nabc\r\nma Zm9v b\r\n",
       "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"},
      {"mg foo u h l\r\n",
       "EN\r\n"},
      {"ms foo 3\r\nabc\r\nmg foo u h\r\nmg foo h\r\nmg foo h\r\n",
       "HD\r\nHD h0\r\nHD h0\r\nHD h1\r\n"},
      {"ms foo 3 T-1\r\nabc\r\nmg foo v\r\n",
       "HD\r\nEN\r\n"},
      {"mg foo a b c d e f g h i j k l m n o p q r s t u v w x y z\r\n",
       "CLIENT_ERROR options flags are too long\r\n"},
      {"mg foo c f h k l O1 q s t u v\r\n",
       ""},
      {"mg foo O1 O2\r\n",
       "CLIENT_ERROR duplicate flag\r\n"},
      {"ms foo 3 T100\r\nabc\r\nmg foo t T30\r\nmg foo t\r\n",
       "HD\r\nHD t100\r\nHD t30\r\n"},
      {"mg foo t N30\r\nmg foo t\r\n",
       "HD t-1 W\r\nHD t30 Z\r\n"},
      {"ms foo 3\r\nabc\r\nmg foo v q k\r\n",
       "HD\r\nVA 3 kfoo\r\nabc\r\n"},
      {"mg foo a b c d e f g h i j k l m n o p\r\n",
       "CLIENT_ERROR invalid flag\r\n"},
      {"mg foo c f h k l s t u v O1 P1 L1 q T1 N1 R1 C1 b\r\n",
       "CLIENT_ERROR options flags are too long\r\n"},
      {"mg foo O\r\nms foo 3\r\nabc\r\nmg foo O\r\n",
       "EN O\r\nHD\r\nHD O\r\n"},
      {"mg foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
       "EN Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"},
      {"mg foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
       "CLIENT_ERROR opaque token too long\r\n"},
      {"ms foo 3\r\nabc\r\nmg foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
       "HD\r\nCLIENT_ERROR opaque token too long\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nmg foo\r\n",
       "HD\r\nCLIENT_ERROR opaque token too long\r\nHD\r\n"},
      {"ma foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
       "CLIENT_ERROR opaque token too long\r\n"},
      {"mg aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa v\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"ms aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 3\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR bad command line format\r\nERROR\r\nMN\r\n"},
      {"md aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa q\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"ma aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"me aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
       "CLIENT_ERROR bad command line format\r\n"},
      {"ms foo 3 T0 I\r\nabc\r\nmg foo v\r\n",
       "HD\r\nVA 3\r\nabc\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo I q\r\nmd foo T30\r\nmn\r\n",
       "HD\r\nHD\r\nMN\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo T30\r\nmg foo\r\n",
       "HD\r\nHD\r\nEN\r\n"},
      {"ms foo 3 T100\r\nabc\r\nmd foo I T0\r\nmg foo t\r\n",
       "HD\r\nHD\r\nHD t-1 X W\r\n"},
      {"ma cnt N0 T30 t\r\n",
       "HD t30\r\n"},
      {"ms cnt 2\r\n99\r\nma cnt v s\r\nmg cnt v s\r\n",
       "HD\r\nVA 3\r\n100\r\nVA 3 s3\r\n100\r\n"},
      {"ms cnt 2\r\n99\r\nma cnt MD D5 v\r\nmg cnt v s\r\n",
       "HD\r\nVA 2\r\n94\r\nVA 2 s2\r\n94\r\n"},
      {"mg foo zz q\r\n",
       "CLIENT_ERROR invalid flag\r\n"},
      {"ms foo 3 q zz\r\nabc\r\nmn\r\n",
       "CLIENT_ERROR invalid flag\r\nMN\r\n"},
      {"ms foo 3 MA q\r\nabc\r\nmn\r\n",
       "NS\r\nMN\r\n"},
      {"mg foo v\r\nmg foo v q\r\nmg foo v k q\r\nmn\r\n",
       "EN\r\nMN\r\n"},
      {"mn\r\nmg foo v q\r\nget foo\r\nmg foo k v\r\nmn\r\n",
       "MN\r\nEND\r\nEN kfoo\r\nMN\r\n"},
      {"ms foo 3 F4294967295\r\nabc\r\nmg foo f\r\n",
       "HD\r\nHD f4294967295\r\n"},
      {"ms foo 3 F4294967296\r\nabc\r\nmg foo f\r\n",
       "HD\r\nHD f0\r\n"},
      {"ms foo 3 T-1\r\nabc\r\nmg foo\r\n",
       "HD\r\nEN\r\n"},
      {"ms foo 3 T2592001\r\nabc\r\nmg foo t\r\n",
       "HD\r\nEN\r\n"},
      {"ms foo 3\r\nabc\r\nms foo 3 I\r\nxyz\r\nmg foo v\r\n",
       "HD\r\nHD\r\nVA 3\r\nxyz\r\n"},
      {"ms foo 3\r\nabc\r\nmg foo\r\nmg foo h l\r\n",
       "HD\r\nHD\r\nHD h1 l0\r\n"},
      {"ms foo 3\r\nabc\r\nmd foo I\r\nma foo\r\n",
       "HD\r\nHD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"},
      {"ms foo 1\r\n5\r\nmd foo I\r\nma foo v\r\nmg foo v\r\n",
       "HD\r\nHD\r\nVA 1\r\n6\r\nVA 1 X W\r\n6\r\n"},
      {"ms foo 1\r\n5\r\nmd foo I\r\nms foo 3 MA\r\nabc\r\nmg foo v\r\n",
       "HD\r\nHD\r\nHD\r\nVA 4\r\n5abc\r\n"},
      {"ms foo 1\r\n5\r\nmd foo I\r\ntouch foo 10\r\nmg foo v\r\n",
       "HD\r\nHD\r\nTOUCHED\r\nVA 1 X W\r\n5\r\n"},
      {"ms foo 1\r\n5\r\nmd foo I\r\nget foo\r\nmg foo v\r\n",
       "HD\r\nHD\r\nVALUE foo 0 1\r\n5\r\nEND\r\nVA 1 X W\r\n5\r\n"},
      {"ms foo 1\r\n5\r\nmg foo R30 v\r\n",
       "HD\r\nVA 1\r\n5\r\n"},
      {"ms foo 1 T10\r\n5\r\nmg foo R30 v\r\nmg foo R30 v\r\nms foo 1 T10\r\n6\r\nmg foo R30 v\r\n",
       "HD\r\nVA 1 W\r\n5\r\nVA 1 Z\r\n5\r\nHD\r\nVA 1 W\r\n6\r\n"},
      {"ms foo 1 T10\r\n5\r\nmg foo R30 v\r\nmd foo I\r\nmg foo v\r\n",
       "HD\r\nVA 1 W\r\n5\r\nHD\r\nVA 1 X W\r\n5\r\n"},
      {"mg foo N30 v\r\nmg foo N30 v\r\nmg foo T60 v\r\nms foo 1\r\nX\r\nmg foo v\r\n",
       "VA 0 W\r\n\r\nVA 0 Z\r\n\r\nVA 0 Z\r\n\r\nHD\r\nVA 1\r\nX\r\n"},
      {"mg foo v N0\r\nmg foo t\r\n",
       "VA 0 W\r\n\r\nHD t-1 Z\r\n"},
      {"mg foo v N-1\r\nmg foo t\r\n",
       "VA 0 W\r\n\r\nEN\r\n"},
      {"mg Zm9vYg== b k v\r\nms Zm9vYg== 1 b\r\nx\r\nmg Zm9vYg== b k v\r\n",
       "EN kZm9vYg== b\r\nHD\r\nVA 1 kZm9vYg== b\r\nx\r\n"},
      {"ms Zm9vYg 1 b\r\nx\r\nmg Zm9vYg b k v\r\n",
       "CLIENT_ERROR error decoding key\r\nCLIENT_ERROR error decoding key\r\n"},
      {"ms Zm9vY 1 b\r\nx\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zg= 1 b\r\nx\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zg 1 b\r\nx\r\nmg Zg== b k v\r\n",
       "CLIENT_ERROR error decoding key\r\nEN kZg== b\r\n"},
      {"ms Z 1 b\r\nx\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zm9v=Zm9v 1 b\r\nx\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zm9_ 1 b\r\nx\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zm9- 1 b\r\nx\r\n",
       "CLIENT_ERROR error decoding key\r\n"},
      {"ms Zm+/ 1 b\r\nx\r\nmg Zm+/ b k\r\n",
       "HD\r\nHD kZm+/ b\r\n"},
      {"ms foo 3 I\r\nabc\r\nmd foo I C999999\r\n",
       "HD\r\nEX\r\n"},
      {"md foo I\r\n",
       "NF\r\n"},
      {"ma foo N0 J18446744073709551615 v\r\nma foo v\r\n",
       "VA 20\r\n18446744073709551615\r\nVA 1\r\n0\r\n"},
      {"ma foo N0 J18446744073709551616 v\r\n",
       "CLIENT_ERROR invalid or duplicate flag\r\n"},
      {"ma foo D18446744073709551615 N0 v\r\n",
       "VA 1\r\n0\r\n"},
      {"ms foo 2\r\n 1\r\nma foo v\r\n",
       "HD\r\nVA 1\r\n2\r\n"},
      {"ms foo 2\r\n1 \r\nma foo v\r\n",
       "HD\r\nVA 1\r\n2\r\n"},
      {"ms foo 3\r\n100\r\nma foo MD D1 v\r\nmg foo v\r\n",
       "HD\r\nVA 2\r\n99\r\nVA 3\r\n99 \r\n"},
      {"ma foo N0 q\r\nmn\r\n",
       "HD\r\nMN\r\n"},
      {"ma foo N0 q v\r\nmn\r\n",
       "VA 1\r\n0\r\nMN\r\n"},
      {"ma foo N0 J7 v q\r\nma foo v q\r\nma foo v\r\n",
       "VA 1\r\n7\r\nVA 1\r\n9\r\n"},
      {"ma foo C1 N0 v\r\n",
       "VA 1\r\n0\r\n"},
  };
  return *cases;
}

class MetaCaseTest : public ::testing::TestWithParam<size_t> {};

TEST_P(MetaCaseTest, AnswersAsMemcached) {
  const Case& c = Cases()[GetParam()];
  AsciiHarness h;
  EXPECT_EQ(h.Run(c.in), c.out) << "input: " << c.in;
  EXPECT_EQ(h.pending(), 0u);
}

TEST_P(MetaCaseTest, SameAnswerAtEveryFragmentSize) {
  const Case& c = Cases()[GetParam()];
  for (size_t chunk = 1; chunk < c.in.size(); ++chunk) {
    AsciiHarness h;
    ASSERT_EQ(h.Run(c.in, chunk), c.out)
        << "input: " << c.in << " in chunks of " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Memcached, MetaCaseTest,
                         ::testing::Range<size_t>(0, Cases().size()));

// The CAS a "mg <key> c" reports.
uint64_t CasOf(AsciiHarness& h, const std::string& key) {
  std::smatch m;
  const std::string reply = h.Run("mg " + key + " c\r\n");
  if (!std::regex_match(reply, m, std::regex("HD c(\\d+)[^\r]*\r\n"))) return 0;
  return std::stoull(m[1]);
}

TEST(Meta, TtlCountsDownAndTouchResetsIt) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("ms k 1 T100\r\nx\r\n"), "HD\r\n");
  h.clock().Advance(10);
  EXPECT_EQ(h.Run("mg k t\r\n"), "HD t90\r\n");
  // A "t" before "T" shows the TTL from before the touch.
  EXPECT_EQ(h.Run("mg k t T30\r\n"), "HD t90\r\n");
  EXPECT_EQ(h.Run("mg k T30 t\r\n"), "HD t30\r\n");
  h.clock().Advance(29);
  EXPECT_EQ(h.Run("mg k v t\r\n"), "VA 1 t1\r\nx\r\n");
  h.clock().Advance(1);
  EXPECT_EQ(h.Run("mg k v t\r\n"), "EN\r\n");
  EXPECT_EQ(h.Run("ms k 1 T0\r\nx\r\nmg k t\r\n"), "HD\r\nHD t-1\r\n");
}

TEST(Meta, HitBeforeAndLastAccessBeforeThisRequest) {
  AsciiHarness h;
  h.Run("ms k 1\r\nx\r\n");
  h.clock().Advance(5);
  EXPECT_EQ(h.Run("mg k h l\r\n"), "HD h0 l5\r\n");
  h.clock().Advance(3);
  EXPECT_EQ(h.Run("mg k h l\r\n"), "HD h1 l3\r\n");
  // u reads without marking the access.
  h.clock().Advance(2);
  EXPECT_EQ(h.Run("mg k u l\r\n"), "HD l2\r\n");
  h.clock().Advance(1);
  EXPECT_EQ(h.Run("mg k l\r\n"), "HD l3\r\n");
  // u on a fresh item leaves it unfetched.
  h.Run("ms n 1\r\nx\r\n");
  EXPECT_EQ(h.Run("mg n u h\r\nmg n h\r\nmg n h\r\n"),
            "HD h0\r\nHD h0\r\nHD h1\r\n");
  // me only looks.
  h.Run("ms m 1\r\nx\r\nme m\r\n");
  EXPECT_EQ(h.Run("mg m h\r\n"), "HD h0\r\n");
  // Classic gets count as hits too.
  h.Run("ms g 1\r\nx\r\nget g\r\n");
  EXPECT_EQ(h.Run("mg g h\r\n"), "HD h1\r\n");
}

TEST(Meta, IdleTimeSaturatesInsteadOfWrapping) {
  AsciiHarness h;
  h.Run("ms k 1\r\nx\r\n");
  // The reclaimer passes long before the 16-bit stamp would wrap.
  for (int i = 0; i < 5; ++i) {
    h.clock().Advance(20'000);
    h.engine().ReclaimExpired();
  }
  std::smatch m;
  const std::string reply = h.Run("mg k l\r\n");
  ASSERT_TRUE(std::regex_match(reply, m, std::regex("HD l(\\d+)\r\n")));
  EXPECT_GE(std::stoul(m[1]), 32'768u);
}

TEST(Meta, VivifyLetsOneClientWin) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("mg k v N30 t\r\n"), "VA 0 t30 W\r\n\r\n");
  EXPECT_EQ(h.Run("mg k v N30 t\r\n"), "VA 0 t30 Z\r\n\r\n");
  h.clock().Advance(10);
  EXPECT_EQ(h.Run("mg k N30 t\r\n"), "HD t20 Z\r\n");
  // The winner's store ends the stampede state.
  EXPECT_EQ(h.Run("ms k 3 T60\r\nnew\r\nmg k v N30\r\n"),
            "HD\r\nVA 3\r\nnew\r\n");
  // A vivified item expires with its N TTL.
  h.Run("mg gone N5\r\n");
  h.clock().Advance(5);
  EXPECT_EQ(h.Run("mg gone v\r\n"), "EN\r\n");
}

TEST(Meta, RecacheWindowWinsBeforeExpiry) {
  AsciiHarness h;
  h.Run("ms k 1 T100\r\nx\r\n");
  EXPECT_EQ(h.Run("mg k R30 v\r\n"), "VA 1\r\nx\r\n");
  h.clock().Advance(80);
  EXPECT_EQ(h.Run("mg k R30 v t\r\n"), "VA 1 t20 W\r\nx\r\n");
  EXPECT_EQ(h.Run("mg k R30 v\r\n"), "VA 1 Z\r\nx\r\n");
  // No TTL, no recache.
  h.Run("ms forever 1\r\nx\r\n");
  EXPECT_EQ(h.Run("mg forever R30\r\n"), "HD\r\n");
}

TEST(Meta, InvalidateServesStaleUntilRecached) {
  AsciiHarness h;
  h.Run("ms k 3 T0\r\nold\r\n");
  const uint64_t before = CasOf(h, "k");
  EXPECT_EQ(h.Run("md k I T30\r\n"), "HD\r\n");
  const uint64_t stale = CasOf(h, "k");
  EXPECT_NE(stale, before);  // invalidation bumps the CAS
  EXPECT_EQ(h.Run("mg k v t\r\n"), "VA 3 t30 Z X\r\nold\r\n");
  // me only looks: it does not take the win.
  h.Run("md k I q\r\nme k\r\n");
  EXPECT_EQ(h.Run("mg k h\r\n"), "HD h1 X W\r\n");
  // A second invalidation lets the next reader win again.
  h.Run("md k I q\r\n");
  EXPECT_EQ(h.Run("mg k v\r\n"), "VA 3 X W\r\nold\r\n");
  EXPECT_EQ(h.Run("mg k v\r\n"), "VA 3 Z X\r\nold\r\n");
  // A store with an older CAS and I is kept, still stale, with its TTL.
  EXPECT_EQ(h.Run("ms k 3 I C" + std::to_string(before) + "\r\nmid\r\n"),
            "HD\r\n");
  EXPECT_EQ(h.Run("mg k v t\r\n"), "VA 3 t30 Z X\r\nmid\r\n");
  // A newer CAS is refused even with I; the current one stores normally.
  EXPECT_EQ(h.Run("ms k 3 I C" + std::to_string(CasOf(h, "k") + 1000) +
                  "\r\nbad\r\n"),
            "EX\r\n");
  EXPECT_EQ(h.Run("ms k 3 C" + std::to_string(CasOf(h, "k")) + "\r\nnew\r\n"),
            "HD\r\n");
  EXPECT_EQ(h.Run("mg k v\r\n"), "VA 3\r\nnew\r\n");
  // Without I a delete removes.
  EXPECT_EQ(h.Run("md k\r\nmg k\r\n"), "HD\r\nEN\r\n");
}

TEST(Meta, ExplicitCas) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("ms k 1 E77 c\r\nx\r\n"), "HD c77\r\n");
  EXPECT_EQ(h.Run("gets k\r\n"), "VALUE k 0 1 77\r\nx\r\nEND\r\n");
  EXPECT_EQ(h.Run("ma n N0 J5 E9 c v\r\n"), "VA 1 c9\r\n5\r\n");
  EXPECT_EQ(h.Run("ma n E10 c\r\n"), "HD c10\r\n");
  EXPECT_EQ(h.Run("md k I E500\r\nmg k c\r\n"), "HD\r\nHD c500 X W\r\n");
  EXPECT_EQ(h.Run("mg k E5\r\n"), "HD Z X\r\n");  // accepted, nothing to set
}

TEST(Meta, CompareCas) {
  AsciiHarness h;
  h.Run("ms k 3\r\nabc\r\n");
  const std::string cas = std::to_string(CasOf(h, "k"));
  const std::string other = std::to_string(CasOf(h, "k") + 1);
  // mg: a client holding this version gets no value again.
  EXPECT_EQ(h.Run("mg k v C" + cas + "\r\n"), "HD\r\n");
  EXPECT_EQ(h.Run("mg k v C" + other + "\r\n"), "VA 3\r\nabc\r\n");
  EXPECT_EQ(h.Run("md k C" + other + "\r\n"), "EX\r\n");
  EXPECT_EQ(h.Run("ma k C" + other + "\r\n"), "EX\r\n");
  EXPECT_EQ(h.Run("ms k 1 MA C" + other + "\r\nd\r\n"), "EX\r\n");
  EXPECT_EQ(h.Run("ms k 1 MA C" + cas + "\r\nd\r\n"), "HD\r\n");
  EXPECT_EQ(h.Run("mg k v\r\n"), "VA 4\r\nabcd\r\n");
  // Add ignores C; replace with C is a cas: NF on a miss.
  EXPECT_EQ(h.Run("ms k 1 ME C1\r\nx\r\n"), "NS\r\n");
  EXPECT_EQ(h.Run("ms new 1 ME C1\r\nx\r\n"), "HD\r\n");
  EXPECT_EQ(h.Run("ms none 1 MR C1\r\nx\r\nms none 1 MR\r\nx\r\n"),
            "NF\r\nNS\r\n");
  EXPECT_EQ(h.Run("ms none 1 MA C1\r\nx\r\n"), "NS\r\n");
}

TEST(Meta, Arithmetic) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("ma n N0 J10 v t\r\n"), "VA 2 t-1\r\n10\r\n");
  // decr keeps the length, space-padded, as memcached does.
  EXPECT_EQ(h.Run("ma n MD D3 v\r\nma n M- v\r\nma n v\r\nmg n v\r\n"),
            "VA 1\r\n7\r\nVA 1\r\n6\r\nVA 1\r\n7\r\nVA 2\r\n7 \r\n");
  EXPECT_EQ(h.Run("ma n t T50\r\nma n T50 t\r\n"), "HD t-1\r\nHD t50\r\n");
  h.clock().Advance(20);
  EXPECT_EQ(h.Run("mg n t\r\n"), "HD t30\r\n");
  // A created counter takes N's TTL; before N a "t" shows none.
  EXPECT_EQ(h.Run("ma c t N40 v\r\nma d N40 t\r\n"),
            "VA 1 t-1\r\n0\r\nHD t40\r\n");
  EXPECT_EQ(h.Run("ma big N0 J18446744073709551615 v\r\nma big v\r\n"),
            "VA 20\r\n18446744073709551615\r\nVA 1\r\n0\r\n");
}

TEST(Meta, AppendCanVivifyAsDocumented) {
  AsciiHarness h;
  EXPECT_EQ(h.Run("ms k 3 MA\r\nabc\r\n"), "NS\r\n");
  EXPECT_EQ(h.Run("ms k 3 MA N30 F4\r\nabc\r\nmg k v t f\r\n"),
            "HD\r\nVA 3 t30 f4\r\nabc\r\n");
  EXPECT_EQ(h.Run("ms k 3 MP N30\r\nxyz\r\nmg k v\r\n"),
            "HD\r\nVA 6\r\nxyzabc\r\n");
}

TEST(Meta, Base64Keys) {
  AsciiHarness h;
  // " a\r\n": a key no classic command could carry.
  EXPECT_EQ(h.Run("ms IGENCg== 1 b k\r\nx\r\n"), "HD kIGENCg== b\r\n");
  EXPECT_EQ(h.Run("mg IGENCg== b v k\r\n"), "VA 1 kIGENCg== b\r\nx\r\n");
  EXPECT_THAT(h.Run("me IGENCg== b\r\n"),
              MatchesRegex("ME IGENCg== exp=-1 la=0 cas=[0-9]+ fetch=yes "
                           "cls=1 size=[0-9]+\r\n"));
  // The same bytes by either name; an item stored with a base64 key shows
  // it so, as memcached does.
  h.Run("ms Zm9v 3 b\r\nabc\r\n");
  EXPECT_EQ(h.Run("get foo\r\n"), "VALUE foo 0 3\r\nabc\r\nEND\r\n");
  EXPECT_EQ(h.Run("mg foo k v\r\n"), "VA 3 kZm9v b\r\nabc\r\n");
  h.Run("ms bar 1\r\nx\r\n");
  EXPECT_EQ(h.Run("mg YmFy b k\r\n"), "HD kbar\r\n");
  EXPECT_EQ(h.Run("md Zm9v b k q\r\nmg foo\r\n"), "EN\r\n");
  for (const char* bad : {"Zm9vYg", "Zg=", "Zm9-", "====", "Zm9v=Zm9"}) {
    EXPECT_EQ(h.Run(std::string("mg ") + bad + " b\r\n"),
              "CLIENT_ERROR error decoding key\r\n")
        << bad;
  }
}

TEST(Meta, QuietPipelinesLeaveNoStrayReplies) {
  AsciiHarness h;
  const std::string in =
      "mg a v q\r\n"               // miss: hidden
      "ms b 1 q\r\nx\r\n"          // stored: hidden
      "md c q\r\n"                 // miss: NF is not hidden
      "set d 0 0 1 noreply\r\ny\r\n"
      "ms e 1 q ME\r\nz\r\nms e 1 q ME\r\nz\r\n"  // NS shown
      "ma f q\r\n"                 // NF shown
      "ma g q N0\r\n"              // memcached answers a created counter
      "ma g q v\r\n"               // hidden
      "mg zz q !\r\n"              // errors are never hidden
      "get d\r\n"
      "mg b v q k\r\n"             // hits are answered
      "mn\r\n";
  const std::string out =
      "NF\r\n"
      "NS\r\n"
      "NF\r\n"
      "HD\r\n"
      "CLIENT_ERROR invalid flag\r\n"
      "VALUE d 0 1\r\ny\r\nEND\r\n"
      "VA 1 kb\r\nx\r\n"
      "MN\r\n";
  EXPECT_EQ(h.Run(in), out);
  for (size_t chunk = 1; chunk < in.size(); ++chunk) {
    AsciiHarness split;
    ASSERT_EQ(split.Run(in, chunk), out) << "chunks of " << chunk;
  }
}

TEST(Meta, CountedAsMemcachedCounts) {
  AsciiHarness h;
  h.Run(
      "ms k 1\r\nx\r\n"           // cmd_set
      "mg k\r\nmg nope\r\n"       // cmd_get, get_hits, get_misses
      "mg k T10\r\nmg nope T10\r\n"  // a touch hit; a miss is a get miss
      "ms k 1 C999999\r\ny\r\n"   // cmd_set, cas_badval
      "md nope\r\nmd k\r\n"       // delete_misses, delete_hits
      // An incr miss; a creating N counts nothing; an incr hit, a decr hit.
      "ma n\r\nma n N0\r\nma n\r\nma n MD\r\n"
      "me n\r\nmn\r\n");          // cmd_meta
  const std::string stats = h.Run("stats\r\n");
  for (const char* line :
       {"STAT cmd_get 3\r\n", "STAT get_hits 1\r\n", "STAT get_misses 2\r\n",
        "STAT cmd_touch 1\r\n", "STAT touch_hits 1\r\n",
        "STAT touch_misses 0\r\n", "STAT cmd_set 2\r\n",
        "STAT cas_badval 1\r\n", "STAT delete_misses 1\r\n",
        "STAT delete_hits 1\r\n", "STAT incr_misses 1\r\n",
        "STAT incr_hits 1\r\n", "STAT decr_hits 1\r\n",
        "STAT cmd_meta 1\r\n"}) {
    EXPECT_THAT(stats, ::testing::HasSubstr(line));
  }
}

}  // namespace
}  // namespace tinkercache
