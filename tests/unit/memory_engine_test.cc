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

TEST_F(MemoryEngineTest, SetGetDelete) {
  EXPECT_EQ(Set("k", "v").status, Status::kOk);
  EXPECT_EQ(Value("k"), "v");
  EXPECT_EQ(engine_.Delete("k", std::nullopt), Status::kOk);
  EXPECT_EQ(Value("k"), std::nullopt);
  EXPECT_EQ(engine_.Delete("k", std::nullopt), Status::kNotFound);
}

TEST_F(MemoryEngineTest, FlagsAndEmptyValue) {
  engine_.Store(StoreMode::kSet, "k", "", 0xdeadbeef, 0, std::nullopt);
  uint32_t flags = 0;
  std::string value = "x";
  EXPECT_EQ(engine_.Get("k",
                        [&](const ItemView& i) {
                          flags = i.flags;
                          value = std::string(i.value);
                        }),
            Status::kOk);
  EXPECT_EQ(flags, 0xdeadbeef);
  EXPECT_EQ(value, "");
}

TEST_F(MemoryEngineTest, AddReplaceConditions) {
  EXPECT_EQ(engine_.Store(StoreMode::kReplace, "k", "v", 0, 0, std::nullopt)
                .status,
            Status::kNotStored);
  EXPECT_EQ(engine_.Store(StoreMode::kAdd, "k", "a", 0, 0, std::nullopt).status,
            Status::kOk);
  EXPECT_EQ(engine_.Store(StoreMode::kAdd, "k", "b", 0, 0, std::nullopt).status,
            Status::kNotStored);
  EXPECT_EQ(Value("k"), "a");
  EXPECT_EQ(engine_.Store(StoreMode::kReplace, "k", "c", 0, 0, std::nullopt)
                .status,
            Status::kOk);
  EXPECT_EQ(Value("k"), "c");
}

TEST_F(MemoryEngineTest, AppendPrependKeepFlagsAndDeadline) {
  engine_.Store(StoreMode::kSet, "k", "mid", 7, Now() + 100, std::nullopt);
  EXPECT_EQ(engine_.Store(StoreMode::kAppend, "k", ">", 1, 0, std::nullopt)
                .status,
            Status::kOk);
  EXPECT_EQ(engine_.Store(StoreMode::kPrepend, "k", "<", 1, 0, std::nullopt)
                .status,
            Status::kOk);
  ItemView seen;
  std::string value;
  engine_.Get("k", [&](const ItemView& i) {
    seen = i;
    value = std::string(i.value);
  });
  EXPECT_EQ(value, "<mid>");
  EXPECT_EQ(seen.flags, 7u);
  EXPECT_EQ(seen.deadline, Now() + 100);
  EXPECT_EQ(engine_.Store(StoreMode::kAppend, "missing", "x", 0, 0,
                          std::nullopt)
                .status,
            Status::kNotStored);
}

TEST_F(MemoryEngineTest, CasUniquesChangeOnEveryWrite) {
  const uint64_t first = Set("k", "1").cas;
  EXPECT_NE(first, 0u);
  EXPECT_EQ(CasOf("k"), first);
  const uint64_t second = Set("k", "2").cas;
  EXPECT_NE(second, first);
  // CAS is unique across keys too.
  EXPECT_NE(Set("other", "x").cas, second);
  engine_.Store(StoreMode::kAppend, "k", "x", 0, 0, std::nullopt);
  EXPECT_NE(CasOf("k"), second);
}

TEST_F(MemoryEngineTest, CasCheck) {
  const uint64_t cas = Set("k", "v").cas;
  EXPECT_EQ(engine_.Store(StoreMode::kSet, "k", "w", 0, 0, cas + 1).status,
            Status::kExists);
  EXPECT_EQ(Value("k"), "v");
  const StoreResult ok = engine_.Store(StoreMode::kSet, "k", "w", 0, 0, cas);
  EXPECT_EQ(ok.status, Status::kOk);
  EXPECT_EQ(Value("k"), "w");
  // The old unique no longer matches.
  EXPECT_EQ(engine_.Store(StoreMode::kSet, "k", "z", 0, 0, cas).status,
            Status::kExists);
  EXPECT_EQ(engine_.Store(StoreMode::kSet, "nokey", "z", 0, 0, cas).status,
            Status::kNotFound);
  EXPECT_EQ(engine_.Delete("k", ok.cas + 1), Status::kExists);
  EXPECT_EQ(engine_.Delete("k", ok.cas), Status::kOk);
}

TEST_F(MemoryEngineTest, RelativeExpiryMovesWithTheClock) {
  Set("k", "v", Now() + 10);
  clock_.Advance(9);
  EXPECT_EQ(Value("k"), "v");
  clock_.Advance(1);
  EXPECT_EQ(Value("k"), std::nullopt);
}

TEST_F(MemoryEngineTest, PastDeadlineIsAMiss) {
  EXPECT_EQ(Set("k", "v", kExpiredDeadline).status, Status::kOk);
  EXPECT_EQ(Value("k"), std::nullopt);
  // And add may take the expired key.
  EXPECT_EQ(engine_.Store(StoreMode::kAdd, "k", "w", 0, 0, std::nullopt).status,
            Status::kOk);
}

TEST_F(MemoryEngineTest, TouchAndGetAndTouchExtendLife) {
  Set("k", "v", Now() + 5);
  EXPECT_EQ(engine_.GetAndTouch("k", Now() + 100, [](const ItemView&) {}),
            Status::kOk);
  clock_.Advance(50);
  EXPECT_EQ(Value("k"), "v");
  std::string got;
  EXPECT_EQ(engine_.GetAndTouch("k", Now() + 10,
                                [&](const ItemView& i) {
                                  got = std::string(i.value);
                                }),
            Status::kOk);
  EXPECT_EQ(got, "v");
  clock_.Advance(10);
  EXPECT_EQ(Value("k"), std::nullopt);
  EXPECT_EQ(engine_.GetAndTouch("k", 0, [](const ItemView&) {}),
            Status::kNotFound);
}

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

TEST_F(MemoryEngineTest, FlushNowAndDelayed) {
  Set("a", "1");
  engine_.Flush(0);
  EXPECT_EQ(Value("a"), std::nullopt);
  EXPECT_EQ(engine_.used_bytes(), 0u);

  Set("b", "2");
  engine_.Flush(Now() + 10);
  clock_.Advance(9);
  EXPECT_EQ(Value("b"), "2");
  Set("c", "3");  // stored before the flush time: flushed too
  clock_.Advance(1);
  EXPECT_EQ(Value("b"), std::nullopt);
  EXPECT_EQ(Value("c"), std::nullopt);
  Set("d", "4");  // after it: kept
  clock_.Advance(100);
  EXPECT_EQ(Value("d"), "4");
}

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

TEST_F(MemoryEngineTest, IncrCreatesWhenAsked) {
  auto r = engine_.Arithmetic("n", true, 5, NewCounter{42, 0}, std::nullopt);
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.value, 42u);  // created with the initial value, not incremented
  EXPECT_EQ(Value("n"), "42");
  EXPECT_EQ(engine_.Arithmetic("n", true, 5, NewCounter{42, 0}, std::nullopt)
                .value,
            47u);
}

TEST_F(MemoryEngineTest, ItemSizeLimit) {
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(Set("k", big).status, Status::kTooLarge);
  const std::string fits((1 << 20) - 1024, 'x');
  EXPECT_EQ(Set("k", fits).status, Status::kOk);
  // Growing past the limit by append is refused and keeps the old value.
  EXPECT_EQ(engine_.Store(StoreMode::kAppend, "k", std::string(2048, 'y'), 0,
                          0, std::nullopt)
                .status,
            Status::kTooLarge);
  EXPECT_EQ(Value("k")->size(), fits.size());
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

TEST_F(MemoryEngineTest, ConcurrentIncrementsAreNotLost) {
  Set("counter", "0");
  constexpr int kThreads = 8, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        engine_.Arithmetic("counter", true, 1, std::nullopt, std::nullopt);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Value("counter"), std::to_string(kThreads * kPerThread));
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

}  // namespace
}  // namespace tinkercache
