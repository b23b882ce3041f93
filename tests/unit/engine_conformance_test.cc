// The storage contract every engine must keep, as a typed suite: an engine
// joins by adding one line to EngineTypes below.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "examples/linked_list/linked_list_engine.h"
#include "gtest/gtest.h"
#include "src/storage/memory_engine.h"
#include "src/storage/rocksdb_engine.h"
#include "tests/unit/temp_dir.h"

namespace tinkercache {
namespace {

// How the suite builds each engine over a test clock.
template <typename E>
std::unique_ptr<Engine> Make(const Clock& clock);

template <>
std::unique_ptr<Engine> Make<MemoryEngine>(const Clock& clock) {
  MemoryEngineOptions o;
  o.reclaim_interval = absl::ZeroDuration();
  return std::make_unique<MemoryEngine>(clock, o);
}

template <>
std::unique_ptr<Engine> Make<examples::LinkedListEngine>(const Clock& clock) {
  return std::make_unique<examples::LinkedListEngine>(clock);
}

// Each RocksDB engine gets a fresh directory; all are removed at exit.

template <>
std::unique_ptr<Engine> Make<RocksDbEngine>(const Clock& clock) {
  static TempDir root;
  static int n = 0;
  RocksDbEngineOptions o;
  o.data_dir = root.path() + "/db" + std::to_string(n++);
  auto engine = RocksDbEngine::Open(clock, o);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

using EngineTypes = ::testing::Types<MemoryEngine, examples::LinkedListEngine,
                                     RocksDbEngine>;

template <typename E>
class EngineConformance : public ::testing::Test {
 protected:
  std::optional<std::string> Value(std::string_view key) {
    std::optional<std::string> out;
    engine_->Get(key, [&](const ItemView& i) { out = std::string(i.value); });
    return out;
  }
  ItemView Item(std::string_view key, std::string* value) {
    ItemView seen;
    engine_->Get(key, [&](const ItemView& i) {
      seen = i;
      *value = std::string(i.value);
    });
    return seen;
  }
  StoreResult Store(StoreMode mode, std::string_view key,
                    std::string_view value, uint32_t flags = 0,
                    uint32_t deadline = 0,
                    std::optional<uint64_t> cas = std::nullopt) {
    return engine_->Store(mode, key, value, flags, deadline, cas);
  }
  StoreResult Set(std::string_view key, std::string_view value,
                  uint32_t deadline = 0) {
    return Store(StoreMode::kSet, key, value, 0, deadline);
  }
  ArithmeticResult Arith(bool incr, uint64_t delta,
                         std::optional<NewCounter> create = std::nullopt) {
    return engine_->Arithmetic("n", incr, delta, create, std::nullopt);
  }
  uint32_t Now() const { return clock_.NowSeconds(); }

  ManualClock clock_;
  std::unique_ptr<Engine> engine_ = Make<E>(clock_);
};

TYPED_TEST_SUITE(EngineConformance, EngineTypes);

TYPED_TEST(EngineConformance, SetGetDelete) {
  EXPECT_EQ(this->Set("k", "v").status, Status::kOk);
  EXPECT_EQ(this->Value("k"), "v");
  EXPECT_EQ(this->engine_->Delete("k", std::nullopt), Status::kOk);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(this->engine_->Delete("k", std::nullopt), Status::kNotFound);
}

TYPED_TEST(EngineConformance, FlagsAndEmptyValue) {
  this->Store(StoreMode::kSet, "k", "", 0xdeadbeef);
  std::string value = "x";
  EXPECT_EQ(this->Item("k", &value).flags, 0xdeadbeef);
  EXPECT_EQ(value, "");
}

TYPED_TEST(EngineConformance, AddAndReplaceConditions) {
  EXPECT_EQ(this->Store(StoreMode::kReplace, "k", "v").status,
            Status::kNotStored);
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "a").status, Status::kOk);
  EXPECT_EQ(this->Store(StoreMode::kAdd, "k", "b").status, Status::kNotStored);
  EXPECT_EQ(this->Value("k"), "a");
  EXPECT_EQ(this->Store(StoreMode::kReplace, "k", "c").status, Status::kOk);
  EXPECT_EQ(this->Value("k"), "c");
}

TYPED_TEST(EngineConformance, AppendPrependKeepFlagsAndDeadline) {
  this->Store(StoreMode::kSet, "k", "mid", 7, this->Now() + 100);
  EXPECT_EQ(this->Store(StoreMode::kAppend, "k", ">", 1).status, Status::kOk);
  EXPECT_EQ(this->Store(StoreMode::kPrepend, "k", "<", 1).status, Status::kOk);
  std::string value;
  const ItemView seen = this->Item("k", &value);
  EXPECT_EQ(value, "<mid>");
  EXPECT_EQ(seen.flags, 7u);
  EXPECT_EQ(seen.deadline, this->Now() + 100);
  EXPECT_EQ(this->Store(StoreMode::kAppend, "missing", "x").status,
            Status::kNotStored);
}

TYPED_TEST(EngineConformance, CasUniquesChangeOnEveryWrite) {
  const uint64_t first = this->Set("k", "1").cas;
  EXPECT_NE(first, 0u);
  std::string value;
  EXPECT_EQ(this->Item("k", &value).cas, first);
  const uint64_t second = this->Set("k", "2").cas;
  EXPECT_NE(second, first);
  EXPECT_NE(this->Set("other", "x").cas, second);
  this->Store(StoreMode::kAppend, "k", "x");
  EXPECT_NE(this->Item("k", &value).cas, second);
  this->Set("n", "1");
  const uint64_t before = this->Item("n", &value).cas;
  EXPECT_NE(this->Arith(true, 1).cas, before);
}

TYPED_TEST(EngineConformance, CasCheck) {
  const uint64_t cas = this->Set("k", "v").cas;
  EXPECT_EQ(this->Store(StoreMode::kSet, "k", "w", 0, 0, cas + 1).status,
            Status::kExists);
  EXPECT_EQ(this->Value("k"), "v");
  const StoreResult ok = this->Store(StoreMode::kSet, "k", "w", 0, 0, cas);
  EXPECT_EQ(ok.status, Status::kOk);
  EXPECT_EQ(this->Store(StoreMode::kSet, "k", "z", 0, 0, cas).status,
            Status::kExists);
  EXPECT_EQ(this->Store(StoreMode::kSet, "nokey", "z", 0, 0, cas).status,
            Status::kNotFound);
  EXPECT_EQ(this->engine_->Delete("k", ok.cas + 1), Status::kExists);
  EXPECT_EQ(this->engine_->Delete("k", ok.cas), Status::kOk);
}

TYPED_TEST(EngineConformance, ExpiryFollowsTheClock) {
  this->Set("k", "v", this->Now() + 10);
  this->clock_.Advance(9);
  EXPECT_EQ(this->Value("k"), "v");
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(this->Set("gone", "v", kExpiredDeadline).status, Status::kOk);
  EXPECT_EQ(this->Value("gone"), std::nullopt);
  // An expired key is free for add.
  EXPECT_EQ(this->Store(StoreMode::kAdd, "gone", "w").status, Status::kOk);
}

TYPED_TEST(EngineConformance, GetAndTouchSetsANewDeadline) {
  this->Set("k", "v", this->Now() + 5);
  std::string got;
  EXPECT_EQ(this->engine_->GetAndTouch("k", this->Now() + 100,
                                       [&](const ItemView& i) {
                                         got = std::string(i.value);
                                       }),
            Status::kOk);
  EXPECT_EQ(got, "v");
  this->clock_.Advance(50);
  EXPECT_EQ(this->Value("k"), "v");
  this->clock_.Advance(50);
  EXPECT_EQ(this->Value("k"), std::nullopt);
  EXPECT_EQ(this->engine_->GetAndTouch("k", 0, [](const ItemView&) {}),
            Status::kNotFound);
}

TYPED_TEST(EngineConformance, FlushNowAndDelayed) {
  this->Set("a", "1");
  this->engine_->Flush(0);
  EXPECT_EQ(this->Value("a"), std::nullopt);
  this->Set("b", "2");
  this->engine_->Flush(this->Now() + 10);
  this->clock_.Advance(9);
  EXPECT_EQ(this->Value("b"), "2");
  this->clock_.Advance(1);
  EXPECT_EQ(this->Value("b"), std::nullopt);
  this->Set("c", "3");
  this->clock_.Advance(100);
  EXPECT_EQ(this->Value("c"), "3");
}

TYPED_TEST(EngineConformance, IncrDecrRules) {
  EXPECT_EQ(this->Arith(true, 1).status, Status::kNotFound);
  this->Set("n", "18446744073709551615");
  EXPECT_EQ(this->Arith(true, 2).value, 1u);  // wraps at 2^64
  this->Set("n", "10");
  EXPECT_EQ(this->Arith(false, 100).value, 0u);  // floors at zero
  this->Set("n", "99");
  EXPECT_EQ(this->Arith(true, 1).value, 100u);
  EXPECT_EQ(this->Value("n"), "100");
  this->Set("n", "12a");
  EXPECT_EQ(this->Arith(true, 1).status, Status::kNonNumeric);
  this->Set("n", "");
  EXPECT_EQ(this->Arith(true, 1).status, Status::kNonNumeric);
}

TYPED_TEST(EngineConformance, IncrCreatesWhenAsked) {
  auto r = this->Arith(true, 5, NewCounter{42, 0});
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.value, 42u);
  EXPECT_EQ(this->Value("n"), "42");
  EXPECT_EQ(this->Arith(true, 5, NewCounter{42, 0}).value, 47u);
}

TYPED_TEST(EngineConformance, ItemSizeLimit) {
  EXPECT_EQ(this->Set("k", std::string(1 << 20, 'x')).status,
            Status::kTooLarge);
  const std::string fits((1 << 20) - 1024, 'x');
  EXPECT_EQ(this->Set("k", fits).status, Status::kOk);
  // A join past the limit cannot be made: "not stored", as in memcached.
  EXPECT_EQ(
      this->Store(StoreMode::kAppend, "k", std::string(2048, 'y')).status,
      Status::kNotStored);
  EXPECT_EQ(this->Value("k")->size(), fits.size());
}

TYPED_TEST(EngineConformance, GeneralStatsGroupIsKnown) {
  struct Null : ResponseSink {
    void Send(const Response&) override {}
  } sink;
  StatWriter out(sink);
  EXPECT_TRUE(this->engine_->WriteStats("", out));
  EXPECT_FALSE(this->engine_->WriteStats("no-such-group", out));
}

TYPED_TEST(EngineConformance, CasRulesPerMode) {
  // Append/prepend with a CAS: a miss is "not stored", as in memcached.
  EXPECT_EQ(this->Store(StoreMode::kAppend, "k", "x", 0, 0, 5).status,
            Status::kNotStored);
  EXPECT_EQ(this->Store(StoreMode::kReplace, "k", "x", 0, 0, 5).status,
            Status::kNotFound);
  const uint64_t cas = this->Set("k", "v").cas;
  EXPECT_EQ(this->Store(StoreMode::kAppend, "k", "x", 0, 0, cas + 1).status,
            Status::kExists);
  EXPECT_EQ(this->Store(StoreMode::kAppend, "k", "x", 0, 0, cas).status,
            Status::kOk);
  EXPECT_EQ(this->Value("k"), "vx");
}

TYPED_TEST(EngineConformance, ExplicitNewCas) {
  StoreArgs set{StoreMode::kSet, "k", "v"};
  set.new_cas = 77;
  EXPECT_EQ(this->engine_->Store(set).cas, 77u);
  std::string value;
  EXPECT_EQ(this->Item("k", &value).cas, 77u);
  ArithmeticArgs incr{"n", true, 1, NewCounter{5, 0}};
  incr.new_cas = 9;
  const ArithmeticResult r = this->engine_->Arithmetic(incr);
  EXPECT_EQ(r.cas, 9u);
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.value, 5u);
}

TYPED_TEST(EngineConformance, AppendVivifiesWhenAsked) {
  StoreArgs append{StoreMode::kAppend, "k", "abc", 3};
  append.vivify_deadline = this->Now() + 30;
  EXPECT_EQ(this->engine_->Store(append).status, Status::kOk);
  std::string value;
  const ItemView item = this->Item("k", &value);
  EXPECT_EQ(value, "abc");
  EXPECT_EQ(item.flags, 3u);
  EXPECT_EQ(item.deadline, this->Now() + 30);
}

TYPED_TEST(EngineConformance, ArithmeticTouchesAndReportsDeadlines) {
  this->Store(StoreMode::kSet, "n", "1", 0, this->Now() + 10);
  ArithmeticArgs incr{"n", true, 1};
  incr.new_deadline = this->Now() + 50;
  const ArithmeticResult r = this->engine_->Arithmetic(incr);
  EXPECT_EQ(r.previous_deadline, this->Now() + 10);
  EXPECT_EQ(r.deadline, this->Now() + 50);
  EXPECT_FALSE(r.created);
}

TYPED_TEST(EngineConformance, FetchTouchesAndReportsTheOldDeadline) {
  this->Set("k", "v", this->Now() + 10);
  FetchArgs fetch{"k"};
  fetch.new_deadline = this->Now() + 99;
  ItemView seen;
  EXPECT_EQ(this->engine_->Fetch(fetch, [&](const ItemView& i) { seen = i; }),
            Status::kOk);
  EXPECT_EQ(seen.deadline, this->Now() + 99);
  FetchArgs miss{"nope"};
  EXPECT_EQ(this->engine_->Fetch(miss, [](const ItemView&) {}),
            Status::kNotFound);
}

TYPED_TEST(EngineConformance, VivifyHasExactlyOneWinner) {
  // Many clients miss at once: one creates the item and wins the recache.
  constexpr int kThreads = 8;
  std::atomic<int> winners{0}, created{0}, hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      FetchArgs fetch{"hot"};
      fetch.vivify_deadline = this->Now() + 30;
      const Status s = this->engine_->Fetch(fetch, [&](const ItemView& i) {
        if (i.state & kItemWon) ++winners;
        if (i.state & kItemCreated) ++created;
        EXPECT_EQ(i.value, "");
      });
      if (s == Status::kOk) ++hits;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(hits.load(), kThreads);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(winners.load(), 1);
}

TYPED_TEST(EngineConformance, ConcurrentIncrementsAreNotLost) {
  this->Set("n", "0");
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) this->Arith(true, 1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(this->Value("n"), std::to_string(kThreads * kPerThread));
}

}  // namespace
}  // namespace tinkercache
