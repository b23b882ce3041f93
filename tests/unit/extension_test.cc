// Registered commands: the registry's rules and each protocol's binding.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocols/ascii/ascii_session.h"
#include "protocols/binary/binary_protocol.h"
#include "protocols/binary/binary_session.h"
#include "protocols/compact/compact_session.h"
#include "src/core/extension.h"
#include "tests/unit/session_harness.h"

namespace tinkercache {
namespace {

using ::testing::HasSubstr;

CommandCallback Echo() {
  return [](const Request& r, ResponseSink& sink) {
    Response out;
    out.value = r.value;  // answers with its string argument
    out.status = r.key == "missing" ? Status::kNotFound : Status::kOk;
    sink.Send(out);
    return out.status;
  };
}

TEST(ExtensionRegistry, RefusesClashesWithAClearError) {
  ExtensionRegistry registry;
  auto builtin = registry.Register({"get", {ArgKind::kKey}}, Echo());
  EXPECT_FALSE(builtin.ok());
  EXPECT_THAT(std::string(builtin.status().message()),
              HasSubstr("'get' is a built-in command"));
  EXPECT_FALSE(registry.Register({"mg", {}}, Echo()).ok());  // meta verbs too
  ASSERT_TRUE(registry.Register({"lock", {ArgKind::kKey}}, Echo()).ok());
  auto twice = registry.Register({"lock", {}}, Echo());
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr("already registered"));
  EXPECT_FALSE(registry.Register({"bad name", {}}, Echo()).ok());
  EXPECT_FALSE(
      registry.Register({"two", {ArgKind::kKey, ArgKind::kKey}}, Echo()).ok());
  // Opcodes: memcached's binary range and taken ones are refused.
  EXPECT_FALSE(registry.Register({"a", {}, 0x01}, Echo()).ok());
  auto taken = registry.Register({"b", {}, registry.at(0).spec.binary_opcode},
                                 Echo());
  EXPECT_THAT(std::string(taken.status().message()), HasSubstr("'lock'"));
  EXPECT_FALSE(registry.Register({"c", {}, std::nullopt, 0x20}, Echo()).ok());
  auto compact_taken = registry.Register(
      {"d", {}, std::nullopt, registry.at(0).spec.compact_opcode}, Echo());
  EXPECT_THAT(std::string(compact_taken.status().message()),
              HasSubstr("compact opcode 0 is taken by 'lock'"));
}

TEST(ExtensionRegistry, AssignsFreeOpcodes) {
  ExtensionRegistry registry;
  auto a = registry.Register({"alpha", {}}, Echo());
  auto b = registry.Register({"beta", {}, 0xe0}, Echo());  // explicit: refused
  EXPECT_FALSE(b.ok());  // 0xe0 went to alpha
  auto c = registry.Register({"gamma", {}}, Echo());
  ASSERT_TRUE(a.ok() && c.ok());
  EXPECT_EQ(registry.Find(*a)->spec.binary_opcode, 0xe0);
  EXPECT_EQ(registry.Find(*c)->spec.binary_opcode, 0xe1);
  EXPECT_NE(registry.Find(*a)->spec.compact_opcode,
            registry.Find(*c)->spec.compact_opcode);
  EXPECT_TRUE(IsExtension(*a));
  EXPECT_EQ(registry.FindByName("gamma"), registry.Find(*c));
}

class AsciiExtensionTest : public ::testing::Test {
 protected:
  AsciiExtensionTest() {
    EXPECT_TRUE(registry_
                    .Register({"echo",
                               {ArgKind::kKey, ArgKind::kString,
                                ArgKind::kNumber}},
                              [this](const Request& r, ResponseSink& sink) {
                                last_ = r;
                                return Echo()(r, sink);
                              })
                    .ok());
  }
  ExtensionRegistry registry_;
  Request last_;
  SessionHarness<ascii::AsciiSession> h_{Settings{}, &registry_};
};

TEST_F(AsciiExtensionTest, ArgumentsLandInTheirRequestFields) {
  EXPECT_EQ(h_.Run("echo name owner 30\r\n"), "owner\r\n");
  EXPECT_EQ(last_.key, "name");
  EXPECT_EQ(last_.value, "owner");
  EXPECT_EQ(last_.delta, 30u);
  EXPECT_EQ(h_.Run("echo missing x 1\r\n"), "x\r\n");
}

TEST_F(AsciiExtensionTest, NoreplyAndErrors) {
  EXPECT_EQ(h_.Run("echo a b 1 noreply\r\nversion\r\n"),
            "VERSION 1.6.18-tinkercache-0.1.0\r\n");
  EXPECT_EQ(h_.Run("echo a b\r\n"), "ERROR\r\n");
  EXPECT_EQ(h_.Run("echo a b c d e\r\n"), "ERROR\r\n");
  EXPECT_EQ(h_.Run("echo a b notanumber\r\n"),
            "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(h_.Run("echo " + std::string(251, 'k') + " b 1\r\n"),
            "CLIENT_ERROR bad command line format\r\n");
}

TEST_F(AsciiExtensionTest, CountedInStatsLikeBuiltins) {
  h_.Run("echo a b 1\r\necho missing b 1\r\necho c b 2\r\n");
  const std::string stats = h_.Run("stats\r\n");
  EXPECT_THAT(stats, HasSubstr("STAT cmd_echo 3\r\n"));
  EXPECT_THAT(stats, HasSubstr("STAT echo_hits 2\r\n"));
  EXPECT_THAT(stats, HasSubstr("STAT echo_misses 1\r\n"));
}

TEST_F(AsciiExtensionTest, BinaryBinding) {
  SessionHarness<binary::BinarySession> h(Settings{}, &registry_);
  const uint8_t op = *registry_.at(0).spec.binary_opcode;
  std::string number(8, '\0');
  binary::Store64(number.data(), 30);
  const std::string out = h.Run(binary::EncodeRequest(op, number, "name", "owner"));
  ASSERT_EQ(out.size(), binary::kHeaderSize + 5);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), op);
  EXPECT_EQ(binary::Load16(out.data() + 6), binary::kSuccess);
  EXPECT_EQ(out.substr(binary::kHeaderSize), "owner");
  EXPECT_EQ(last_.key, "name");
  EXPECT_EQ(last_.value, "owner");
  EXPECT_EQ(last_.delta, 30u);
  // A miss is an error packet with the callback's value as its message.
  const std::string miss = h.Run(binary::EncodeRequest(op, number, "missing", "why"));
  EXPECT_EQ(binary::Load16(miss.data() + 6), binary::kKeyNotFound);
  EXPECT_EQ(miss.substr(binary::kHeaderSize), "why");
  // Without its number the packet is malformed: invalid arguments, close.
  SessionHarness<binary::BinarySession> bad(Settings{}, &registry_);
  const std::string refused = bad.Run(binary::EncodeRequest(op, "", "name", "owner"));
  EXPECT_EQ(binary::Load16(refused.data() + 6), binary::kInvalidArguments);
  EXPECT_TRUE(bad.closed());
}

TEST_F(AsciiExtensionTest, CompactBinding) {
  SessionHarness<compact::CompactSession> h(Settings{}, &registry_);
  const uint8_t op = *registry_.at(0).spec.compact_opcode;
  auto str8 = [](uint8_t code, std::string_view v) {
    return std::string(1, static_cast<char>(code)) +
           static_cast<char>(v.size()) + std::string(v);
  };
  const std::string action = std::string("\xff", 1) + static_cast<char>(op);
  const std::string go(1, '\0');
  const std::string missing = {static_cast<char>(TC_R_STATUS),
                               static_cast<char>(TC_STATUS_MISSING)};
  const std::string delta = {static_cast<char>(TC_OP_DELTA8), 30};
  // GO's mask check applies to registered actions too.
  EXPECT_EQ(h.Run(std::string(1, TC_OP_CLEAR) + action +
                  str8(TC_OP_KEY, "name") + go),
            str8(TC_R_MESSAGE, "GO needs VALUE DELTA") + missing);
  EXPECT_EQ(h.Run(str8(TC_OP_VALUE8, "owner") + delta + go),
            str8(TC_R_VALUE8, "owner") + std::string(1, TC_R_OK));
  EXPECT_EQ(last_.key, "name");
  EXPECT_EQ(last_.value, "owner");
  EXPECT_EQ(last_.delta, 30u);
}

TEST(AsciiExtension, UnregisteredVerbIsStillAnError) {
  SessionHarness<ascii::AsciiSession> h;
  EXPECT_EQ(h.Run("echo a b 1\r\n"), "ERROR\r\n");
}

}  // namespace
}  // namespace tinkercache
