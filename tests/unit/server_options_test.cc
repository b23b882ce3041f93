#include "src/server/options.h"

#include <vector>

#include "gtest/gtest.h"

namespace tinkercache {
namespace {

absl::StatusOr<ServerOptions> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tinkercache");
  return ParseOptions(static_cast<int>(args.size()),
                      const_cast<char**>(args.data()));
}

TEST(ServerOptions, MemcachedFlags) {
  auto o = Parse({"-p", "12345", "-l", "127.0.0.2", "-t", "3", "-m", "128",
                  "-c", "77", "-I", "2m", "-U", "0", "-u", "nobody", "-vv"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->settings.port, 12345);
  EXPECT_EQ(o->settings.interface, "127.0.0.2");
  EXPECT_EQ(o->settings.threads, 3);
  EXPECT_EQ(o->settings.max_bytes, 128u << 20);
  EXPECT_EQ(o->settings.max_connections, 77u);
  EXPECT_EQ(o->settings.item_size_max, 2u << 20);
  EXPECT_EQ(o->settings.verbosity, 2);
}

TEST(ServerOptions, Defaults) {
  auto o = Parse({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->settings.port, 11211);
  EXPECT_EQ(o->settings.interface, "127.0.0.1");
  EXPECT_GE(o->settings.threads, 1);
  EXPECT_EQ(o->settings.item_size_max, 1u << 20);
}

TEST(ServerOptions, ClearErrors) {
  EXPECT_FALSE(Parse({"-p", "70000"}).ok());
  EXPECT_FALSE(Parse({"-t", "zero"}).ok());
  EXPECT_FALSE(Parse({"-U", "11211"}).ok());
  EXPECT_FALSE(Parse({"-I", "100"}).ok());
  EXPECT_FALSE(Parse({"-m", "1", "-I", "2m"}).ok());
  EXPECT_FALSE(Parse({"--bogus"}).ok());
  EXPECT_FALSE(Parse({"-p"}).ok());
}

TEST(ServerOptions, PrefixDelimiterAndDumping) {
  auto d = Parse({});
  EXPECT_EQ(d->settings.prefix_delimiter, ':');
  EXPECT_FALSE(d->settings.detail_enabled);
  EXPECT_TRUE(d->settings.dump_enabled);
  // As memcached: -D takes the first byte and turns the stats on.
  auto o = Parse({"-D", "/x", "-X"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->settings.prefix_delimiter, '/');
  EXPECT_TRUE(o->settings.detail_enabled);
  EXPECT_FALSE(o->settings.dump_enabled);
  EXPECT_FALSE(Parse({"-D", ""}).ok());
  EXPECT_FALSE(Parse({"--disable-dumping"})->settings.dump_enabled);
}

TEST(ServerOptions, IdleTimeoutSuboption) {
  EXPECT_EQ(Parse({})->settings.idle_timeout, 0u);
  auto o = Parse({"-o", "idle_timeout=30"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->settings.idle_timeout, 30u);
  EXPECT_EQ(Parse({"--extended=idle_timeout=5,"})->settings.idle_timeout, 5u);
  const auto bad = Parse({"-o", "idle_timeout=soon"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("idle_timeout"), std::string::npos);
  const auto unknown = Parse({"-o", "hashpower=20"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'hashpower'"), std::string::npos);
}

TEST(ServerOptions, Engines) {
  auto o = Parse({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->settings.engine, "memory");
  o = Parse({"--engine", "rocksdb", "--data-dir", "/var/lib/tc", "--sync"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->settings.engine, "rocksdb");
  EXPECT_EQ(o->settings.data_dir, "/var/lib/tc");
  EXPECT_TRUE(o->settings.sync);
  EXPECT_FALSE(Parse({"--engine=rocksdb", "--data-dir=d"})->settings.sync);
  const auto no_dir = Parse({"--engine", "rocksdb"});
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.status().message().find("--data-dir"), std::string::npos);
  EXPECT_FALSE(Parse({"--engine", "disk"}).ok());
  EXPECT_FALSE(Parse({"--data-dir", "d"}).ok());
  EXPECT_FALSE(Parse({"--sync"}).ok());
}

}  // namespace
}  // namespace tinkercache
