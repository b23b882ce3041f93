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

}  // namespace
}  // namespace tinkercache::ascii
