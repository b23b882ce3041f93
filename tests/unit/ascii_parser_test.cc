#include "protocols/ascii/ascii_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace tinkercache::ascii {
namespace {

ParseResult P(std::string_view in, Command* c) { return Parse(in, Limits{}, c); }

TEST(AsciiParser, SetReferencesTheValueInTheInput) {
  const std::string in = "set key 5 10 3 noreply\r\nabc\r\nget key\r\n";
  Command c;
  ParseResult r = P(in, &c);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, in.find("get"));
  EXPECT_EQ(c.request.command, CommandId::kSet);
  EXPECT_EQ(c.request.key, "key");
  EXPECT_EQ(c.request.flags, 5u);
  EXPECT_EQ(c.request.exptime, 10);
  EXPECT_TRUE(c.request.quiet);
  EXPECT_EQ(c.request.value, "abc");
  // Not a copy: the view points into the read buffer.
  EXPECT_EQ(c.request.value.data(), in.data() + in.find("abc"));
}

TEST(AsciiParser, NeedsMoreUntilTheDataArrives) {
  Command c;
  ParseResult r = P("set k 0 0 10\r\nabc", &c);
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.needed, std::string("set k 0 0 10\r\n").size() + 12);
  EXPECT_EQ(P("get k", &c).status, ParseStatus::kNeedMore);
  EXPECT_EQ(P("", &c).status, ParseStatus::kNeedMore);
}

TEST(AsciiParser, RetrievalKeepsTheKeyList) {
  Command c;
  ASSERT_EQ(P("gats 100 a  b c\r\n", &c).status, ParseStatus::kOk);
  EXPECT_TRUE(c.retrieval);
  EXPECT_TRUE(c.with_cas);
  EXPECT_EQ(c.request.command, CommandId::kGetAndTouch);
  EXPECT_EQ(c.request.exptime, 100);
  std::string keys;
  ForEachKey(c.keys, [&](std::string_view k) { keys += std::string(k) + ","; });
  EXPECT_EQ(keys, "a,b,c,");
}

TEST(AsciiParser, BareNewlineEndsALine) {
  Command c;
  ParseResult r = P("get k\n", &c);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 6u);
}

TEST(AsciiParser, TooLargeSwallowsTheDataWithoutBufferingIt) {
  Command c;
  ParseResult r = P("set k 0 0 2000000\r\n", &c);
  ASSERT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "SERVER_ERROR object too large for cache");
  EXPECT_TRUE(r.too_large);
  EXPECT_EQ(r.swallow, 2000002u);
  EXPECT_EQ(c.request.key, "k");
}

TEST(AsciiParser, LineTooLongClosesWhetherOrNotTheNewlineArrived) {
  Command c;
  ParseResult r = P(std::string(3000, 'x'), &c);
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_TRUE(r.close);
  r = P(std::string(3000, 'x') + "\r\n", &c);
  EXPECT_TRUE(r.close);
  // A long multi-get is fine up to its own, larger bound.
  std::string get = "get";
  for (int i = 0; i < 1000; ++i) get += " key" + std::to_string(i);
  EXPECT_EQ(P(get + "\r\n", &c).status, ParseStatus::kOk);
  Limits small;
  small.max_retrieval_line = 100;
  EXPECT_TRUE(Parse(get, small, &c).close);
}

TEST(AsciiParser, MetaGetReferencesKeyAndFlagsInTheInput) {
  const std::string in = "mg key v t O123 N30\r\nmn\r\n";
  Command c;
  ParseResult r = P(in, &c);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, in.find("mn"));
  EXPECT_EQ(c.meta, 'g');
  EXPECT_EQ(c.request.command, CommandId::kGet);
  EXPECT_EQ(c.request.key.data(), in.data() + 3);
  EXPECT_EQ(c.meta_flags, "v t O123 N30");
  EXPECT_TRUE(c.meta_value);
  EXPECT_EQ(c.request.meta, kMetaReport | kMetaVivify | kMetaCommand);
  EXPECT_EQ(c.request.vivify_exptime, 30);
  // T makes it a get-and-touch.
  ASSERT_EQ(P("mg key T9\r\n", &c).status, ParseStatus::kOk);
  EXPECT_EQ(c.request.command, CommandId::kGetAndTouch);
  EXPECT_EQ(c.request.exptime, 9);
}

TEST(AsciiParser, MetaSetModesAndValue) {
  const std::string in = "ms key 3 MA C5 F7 T10 q I E9\r\nabc\r\n";
  Command c;
  ParseResult r = P(in, &c);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(c.request.command, CommandId::kAppend);
  EXPECT_EQ(c.request.cas, 5u);
  EXPECT_EQ(c.request.flags, 7u);
  EXPECT_EQ(c.request.exptime, 10);
  EXPECT_TRUE(c.request.quiet);
  EXPECT_EQ(c.request.meta, kMetaInvalidate | kMetaNewCas | kMetaCommand);
  EXPECT_EQ(c.request.new_cas, 9u);
  EXPECT_EQ(c.request.value.data(), in.data() + in.find("abc"));
  ASSERT_EQ(P("ms k 1 C5\r\nx\r\n", &c).status, ParseStatus::kOk);
  EXPECT_EQ(c.request.command, CommandId::kCas);
  ASSERT_EQ(P("ms k 1 ME C5\r\nx\r\n", &c).status, ParseStatus::kOk);
  EXPECT_EQ(c.request.command, CommandId::kAdd);
  EXPECT_EQ(c.request.cas, 0u);  // add ignores C, as memcached's does
  EXPECT_EQ(P("ms k 10\r\nabc", &c).status, ParseStatus::kNeedMore);
}

TEST(AsciiParser, MetaErrorsInMemcachedsOrder) {
  Command c;
  auto error = [&](std::string_view in) {
    ParseResult r = P(in, &c);
    EXPECT_EQ(r.status, ParseStatus::kError) << in;
    return std::string(r.error);
  };
  EXPECT_EQ(error("mg\r\n"), "ERROR");
  EXPECT_EQ(error("mx k\r\n"), "ERROR");
  EXPECT_EQ(error("mg k v v\r\n"), "CLIENT_ERROR duplicate flag");
  EXPECT_EQ(error("mg k Tx v v\r\n"), "CLIENT_ERROR duplicate flag");
  EXPECT_EQ(error("mg k Tx\r\n"),
            "CLIENT_ERROR bad token in command line format");
  EXPECT_EQ(error("mg k !\r\n"), "CLIENT_ERROR invalid flag");
  EXPECT_EQ(error("md k !\r\n"), "CLIENT_ERROR invalid or duplicate flag");
  EXPECT_EQ(error("ma k MX\r\n"), "CLIENT_ERROR invalid mode for ma M token");
  EXPECT_EQ(error("mg k a b c d e f g h i j k l m n o p q r\r\n"),
            "CLIENT_ERROR options flags are too long");
  EXPECT_EQ(error("md k a b c d e f g h i j k l m n o p q r\r\n"),
            "CLIENT_ERROR options flags too long");
  EXPECT_EQ(error("mg k O" + std::string(32, 'x') + "\r\n"),
            "CLIENT_ERROR opaque token too long");
  EXPECT_EQ(error("mg " + std::string(251, 'k') + " v\r\n"),
            "CLIENT_ERROR bad command line format");
  // After the length, an ms error discards the data block.
  ParseResult r = P("ms k 3 MZ\r\nabc\r\n", &c);
  EXPECT_EQ(r.error, "CLIENT_ERROR invalid mode for ms M token");
  EXPECT_EQ(r.swallow, 5u);
  r = P("ms k x\r\n", &c);
  EXPECT_EQ(r.error, "CLIENT_ERROR bad command line format");
  EXPECT_EQ(r.swallow, 0u);
}

TEST(AsciiParser, MetaBase64KeyIsDecoded) {
  Command c;
  ASSERT_EQ(P("mg IGENCg== b k\r\n", &c).status, ParseStatus::kOk);
  EXPECT_EQ(c.request.key, " a\r\n");
  EXPECT_EQ(c.key_token, "IGENCg==");
  EXPECT_TRUE(c.base64_key);
}

}  // namespace
}  // namespace tinkercache::ascii
