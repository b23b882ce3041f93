#include "src/storage/memory_engine.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tinkercache {
namespace {

class MemoryEngineTest : public ::testing::Test {
 protected:
  static MemoryEngineOptions Options() {
    MemoryEngineOptions o;
    o.reclaim_interval = absl::ZeroDuration();  // the test drives time
    return o;
  }

  std::optional<std::string> Value(MemoryEngine& e, std::string_view key) {
    std::optional<std::string> out;
    e.Get(key, [&](const ItemView& item) { out = std::string(item.value); });
    return out;
  }
  std::optional<std::string> Value(std::string_view key) {
    return Value(engine_, key);
  }
  uint64_t CasOf(std::string_view key) {
    uint64_t cas = 0;
    engine_.Get(key, [&](const ItemView& item) { cas = item.cas; });
    return cas;
  }
  StoreResult Set(std::string_view key, std::string_view value,
                  uint32_t deadline = 0) {
    return engine_.Store(StoreMode::kSet, key, value, 0, deadline,
                         std::nullopt);
  }
  uint32_t Now() const { return clock_.NowSeconds(); }

  ManualClock clock_;
  MemoryEngine engine_{clock_, Options()};
};

TEST_F(MemoryEngineTest, BackgroundReclaimRemovesExpiredItems) {
  for (int i = 0; i < 100; ++i) Set("k" + std::to_string(i), "v", Now() + 5);
  Set("forever", "v");
  EXPECT_EQ(engine_.item_count(), 101u);
  const uint64_t used = engine_.used_bytes();
  clock_.Advance(5);
  EXPECT_EQ(engine_.ReclaimExpired(), 100u);
  EXPECT_EQ(engine_.item_count(), 1u);
  EXPECT_LT(engine_.used_bytes(), used);
}

// The generic rules are in engine_conformance_test.cc; this engine also
// keeps memcached's in-place update with space padding.
TEST_F(MemoryEngineTest, IncrDecrMemcachedRules) {
  auto arith = [&](bool incr, uint64_t delta) {
    return engine_.Arithmetic("n", incr, delta, std::nullopt, std::nullopt);
  };
  EXPECT_EQ(arith(true, 1).status, Status::kNotFound);
  Set("n", "18446744073709551615");
  EXPECT_EQ(arith(true, 2).value, 1u);  // wraps at 2^64
  Set("n", "10");
  EXPECT_EQ(arith(false, 100).value, 0u);  // floors at zero
  Set("n", "100");
  EXPECT_EQ(arith(false, 1).value, 99u);
  EXPECT_EQ(Value("n"), "99 ");  // length kept, space padded, as memcached
  EXPECT_EQ(arith(true, 1).value, 100u);
  EXPECT_EQ(arith(true, 900).value, 1000u);  // grows into a new item
  EXPECT_EQ(Value("n"), "1000");
  Set("n", "12a");
  EXPECT_EQ(arith(true, 1).status, Status::kNonNumeric);
  Set("n", "");
  EXPECT_EQ(arith(true, 1).status, Status::kNonNumeric);
}

TEST_F(MemoryEngineTest, AccountingSlackIsASmallShareOfTheLimit) {
  MemoryEngineOptions o = Options();
  o.max_bytes = 64ull << 20;
  MemoryEngine e(clock_, o);
  EXPECT_LE(e.accounting_slack(), o.max_bytes / 64);
}

TEST_F(MemoryEngineTest, EvictsUnderTheMemoryLimitAndCountsIt) {
  MemoryEngineOptions o = Options();
  o.max_bytes = 1 << 20;
  o.shard_bits = 2;
  MemoryEngine small(clock_, o);
  const std::string value(1000, 'v');
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(small
                  .Store(StoreMode::kSet, "key" + std::to_string(i), value, 0,
                         0, std::nullopt)
                  .status,
              Status::kOk);
    // Within the stated slack of the shared estimate (1/64 of the limit).
    ASSERT_LE(small.used_bytes(), o.max_bytes + small.accounting_slack());
  }
  EXPECT_LT(small.item_count(), 5000u);
  EXPECT_GT(small.item_count(), 500u);  // the limit is used, not wasted
  EXPECT_EQ(Value(small, "key4999"), value);  // the newest survives
  std::vector<std::pair<std::string, std::string>> stats;
  struct Collect : ResponseSink {
    std::vector<std::pair<std::string, std::string>>* out;
    void Send(const Response& r) override {
      out->emplace_back(std::string(r.key), std::string(r.value));
    }
  } sink;
  sink.out = &stats;
  StatWriter writer(sink);
  small.WriteStats("", writer);
  uint64_t evictions = 0;
  for (auto& [k, v] : stats) {
    if (k == "evictions") evictions = std::stoull(v);
  }
  EXPECT_EQ(evictions, 5000 - small.item_count());
}

TEST_F(MemoryEngineTest, ClockKeepsRecentlyReadItems) {
  MemoryEngineOptions o = Options();
  o.max_bytes = 1 << 20;
  o.shard_bits = 0;
  MemoryEngine small(clock_, o);
  const std::string value(1000, 'v');
  small.Store(StoreMode::kSet, "hot", value, 0, 0, std::nullopt);
  for (int i = 0; i < 5000; ++i) {
    small.Store(StoreMode::kSet, "cold" + std::to_string(i), value, 0, 0,
                std::nullopt);
    ASSERT_EQ(Value(small, "hot"), value) << "after " << i << " stores";
  }
}

TEST_F(MemoryEngineTest, NoEvictionsAnswersOutOfMemory) {
  MemoryEngineOptions o = Options();
  o.max_bytes = 64 * 1024;
  o.evictions = false;
  MemoryEngine small(clock_, o);
  const std::string value(1000, 'v');
  Status last = Status::kOk;
  int stored = 0;
  for (int i = 0; i < 200 && last == Status::kOk; ++i) {
    last = small
               .Store(StoreMode::kSet, "k" + std::to_string(i), value, 0, 0,
                      std::nullopt)
               .status;
    if (last == Status::kOk) ++stored;
  }
  EXPECT_EQ(last, Status::kNoMemory);
  EXPECT_EQ(small.item_count(), static_cast<uint64_t>(stored));
  EXPECT_EQ(Value(small, "k0"), value);
}

TEST_F(MemoryEngineTest, GrowsThroughManyKeys) {
  for (int i = 0; i < 100000; ++i) Set("key:" + std::to_string(i), "v");
  EXPECT_EQ(engine_.item_count(), 100000u);
  for (int i = 0; i < 100000; i += 997) {
    EXPECT_EQ(Value("key:" + std::to_string(i)), "v");
  }
}

TEST_F(MemoryEngineTest, ConcurrentCasLoopsLoseNoUpdate) {
  Set("n", "0");
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread;) {
        uint64_t cas = 0;
        uint64_t n = 0;
        engine_.Get("n", [&](const ItemView& item) {
          cas = item.cas;
          n = std::stoull(std::string(item.value));
        });
        const std::string next = std::to_string(n + 1);
        if (engine_.Store(StoreMode::kSet, "n", next, 0, 0, cas).status ==
            Status::kOk) {
          ++i;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Value("n"), std::to_string(kThreads * kPerThread));
}

TEST_F(MemoryEngineTest, ConcurrentMixedLoadKeepsAccounting) {
  MemoryEngineOptions o = Options();
  o.max_bytes = 2 << 20;
  MemoryEngine small(clock_, o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string value(200 + t * 100, 'a' + t);
      for (int i = 0; i < 30000; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + t) % 4000);
        switch (i % 4) {
          case 0:
          case 1:
            small.Store(StoreMode::kSet, key, value, 0, 0, std::nullopt);
            break;
          case 2:
            small.Get(key, [](const ItemView&) {});
            break;
          case 3:
            small.Delete(key, std::nullopt);
            break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(small.used_bytes(),
            o.max_bytes + small.accounting_slack() + 4 * 1024);
  small.Flush(0);
  EXPECT_EQ(small.used_bytes(), 0u);
  EXPECT_EQ(small.item_count(), 0u);
}

constexpr uint8_t kStampede = kItemStale | kItemWon | kItemTokenSent;

TEST_F(MemoryEngineTest, FetchReportsStateBeforeThisRequest) {
  Set("k", "v", Now() + 100);
  clock_.Advance(7);
  ItemView first;
  FetchArgs peek{"k"};
  peek.bump = false;
  engine_.Fetch(peek, [&](const ItemView& i) { first = i; });
  EXPECT_EQ(first.state & kItemHitBefore, 0);
  EXPECT_EQ(Now() - first.last_access, 7u);
  EXPECT_GT(first.footprint, sizeof("k") + sizeof("v"));
  // The peek left no mark; a real fetch does, seen by the next one.
  ItemView second;
  engine_.Fetch(FetchArgs{"k"}, [&](const ItemView&) {});
  clock_.Advance(2);
  engine_.Fetch(FetchArgs{"k"}, [&](const ItemView& i) { second = i; });
  EXPECT_NE(second.state & kItemHitBefore, 0);
  EXPECT_EQ(Now() - second.last_access, 2u);
}

TEST_F(MemoryEngineTest, InvalidationMarksStaleAndLetsOneFetchWin) {
  const uint64_t cas = Set("k", "v", Now() + 100).cas;
  DeleteArgs invalidate{"k"};
  invalidate.invalidate = true;
  invalidate.new_deadline = Now() + 30;
  EXPECT_EQ(engine_.Delete(invalidate), Status::kOk);
  EXPECT_NE(CasOf("k"), cas);
  uint8_t state = 0;
  uint32_t deadline = 0;
  auto fetch = [&] {
    engine_.Fetch(FetchArgs{"k"}, [&](const ItemView& i) {
      state = i.state & kStampede;
      deadline = i.deadline;
    });
  };
  fetch();
  EXPECT_EQ(state, kItemStale | kItemWon);
  EXPECT_EQ(deadline, Now() + 30);
  fetch();
  EXPECT_EQ(state, kItemStale | kItemTokenSent);
  // A store with the old CAS is kept, still stale, keeping the deadline
  // and that a client already won.
  StoreArgs late{StoreMode::kSet, "k", "late"};
  late.expected_cas = cas;
  late.invalidate = true;
  EXPECT_EQ(engine_.Store(late).status, Status::kOk);
  fetch();
  EXPECT_EQ(state, kItemStale | kItemTokenSent);
  EXPECT_EQ(deadline, Now() + 30);
  EXPECT_EQ(Value("k"), "late");
  // A plain store clears the marks.
  Set("k", "fresh");
  fetch();
  EXPECT_EQ(state, 0);
}

TEST_F(MemoryEngineTest, RecacheWinsOnceBelowTheThreshold) {
  Set("k", "v", Now() + 100);
  FetchArgs recache{"k"};
  recache.recache_deadline = Now() + 30;
  uint8_t state = 0;
  engine_.Fetch(recache,
                [&](const ItemView& i) { state = i.state & kStampede; });
  EXPECT_EQ(state & kItemWon, 0);
  clock_.Advance(80);
  recache.recache_deadline = Now() + 30;
  engine_.Fetch(recache,
                [&](const ItemView& i) { state = i.state & kStampede; });
  EXPECT_EQ(state, kItemWon);
  engine_.Fetch(recache,
                [&](const ItemView& i) { state = i.state & kStampede; });
  EXPECT_EQ(state, kItemTokenSent);
}

TEST_F(MemoryEngineTest, RemembersABase64Key) {
  StoreArgs set{StoreMode::kSet, "k", "v"};
  set.binary_key = true;
  engine_.Store(set);
  uint8_t state = 0;
  engine_.Fetch(FetchArgs{"k"}, [&](const ItemView& i) { state = i.state; });
  EXPECT_NE(state & kItemBinaryKey, 0);
  Set("k", "v");
  engine_.Fetch(FetchArgs{"k"}, [&](const ItemView& i) { state = i.state; });
  EXPECT_EQ(state & kItemBinaryKey, 0);
}

}  // namespace
}  // namespace tinkercache
