#include "src/storage/item_table.h"

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tinkercache {
namespace {

struct Entry {
  uint64_t key;
  uint64_t hash;
};

// Hashes chosen to collide: few home slots and few tags, so probe
// sequences run long, cross the array's end and hold tombstones.
uint64_t CollidingHash(uint64_t key) {
  const uint64_t home = (key % 7) * 0x20000000ull;  // one of 7 home slots
  const uint64_t tag = (key % 3) << 32;             // one of 3 tags
  return tag | home;
}

class Model {
 public:
  explicit Model(uint64_t (*hash)(uint64_t)) : hash_(hash) {}

  size_t Find(uint64_t key) {
    return table_.Find(hash_(key), [key](Entry* e) { return e->key == key; });
  }
  void Insert(uint64_t key) {
    auto e = std::make_unique<Entry>(Entry{key, hash_(key)});
    table_.Insert(e->hash, e.get(), [](Entry* x) { return x->hash; });
    live_[key] = std::move(e);
  }
  void Erase(uint64_t key) {
    const size_t slot = Find(key);
    ASSERT_NE(slot, ItemTable<Entry>::kNotFound);
    table_.Erase(slot);
    live_.erase(key);
  }
  void Replace(uint64_t key) {
    const size_t slot = Find(key);
    ASSERT_NE(slot, ItemTable<Entry>::kNotFound);
    auto e = std::make_unique<Entry>(Entry{key, hash_(key)});
    table_.Replace(slot, e.get());
    live_[key] = std::move(e);
  }
  // Every live key is found, pointing at its current entry; the count
  // matches; a sweep over the slots sees exactly the live entries.
  void Check(uint64_t key_space) {
    ASSERT_EQ(table_.size(), live_.size());
    for (uint64_t k = 0; k < key_space; ++k) {
      const size_t slot = Find(k);
      auto it = live_.find(k);
      if (it == live_.end()) {
        ASSERT_EQ(slot, ItemTable<Entry>::kNotFound) << k;
      } else {
        ASSERT_NE(slot, ItemTable<Entry>::kNotFound) << k;
        ASSERT_EQ(table_.at(slot), it->second.get()) << k;
      }
    }
    size_t seen = 0;
    for (size_t i = 0; i < table_.capacity(); ++i) seen += table_.at(i) != nullptr;
    ASSERT_EQ(seen, live_.size());
    // Load (live and tombstones) stays at most 80%, so probes end.
    ASSERT_LE(table_.size() * 5, table_.capacity() * 4);
  }
  bool Has(uint64_t key) const { return live_.count(key) != 0; }
  ItemTable<Entry>& table() { return table_; }

 private:
  uint64_t (*hash_)(uint64_t);
  ItemTable<Entry> table_;
  std::map<uint64_t, std::unique_ptr<Entry>> live_;
};

uint64_t GoodHash(uint64_t key) {
  return std::hash<uint64_t>{}(key) * 0x9E3779B97F4A7C15ull;
}

TEST(ItemTableTest, RandomOperationsMatchAMapWithGoodAndCollidingHashes) {
  for (auto hash : {&GoodHash, &CollidingHash}) {
    Model m(hash);
    std::mt19937_64 rng(7);
    constexpr uint64_t kKeys = 600;
    for (int step = 0; step < 20000; ++step) {
      const uint64_t key = rng() % kKeys;
      const int op = static_cast<int>(rng() % 3);
      if (!m.Has(key)) {
        m.Insert(key);
      } else if (op == 0) {
        m.Replace(key);
      } else {
        m.Erase(key);
      }
      if (step % 1000 == 0) m.Check(kKeys);
    }
    m.Check(kKeys);
  }
}

TEST(ItemTableTest, GrowsByHalfAndKeepsLoadUnderEightyPercent) {
  Model m(&GoodHash);
  size_t last = m.table().capacity();
  EXPECT_EQ(last, 16u);
  std::vector<size_t> capacities;
  for (uint64_t k = 0; k < 10000; ++k) {
    m.Insert(k);
    if (m.table().capacity() != last) {
      EXPECT_EQ(m.table().capacity(), last * 3 / 2);
      last = m.table().capacity();
    }
  }
  m.Check(10000);
  // 8 bytes a slot: about 12 bytes an item at this size, not 16.
  EXPECT_LT(m.table().capacity(), 10000u * 16 / 10);
}

TEST(ItemTableTest, ChurnAtConstantSizeRebuildsInPlaceInsteadOfGrowing) {
  // A full cache: every insert follows an erase. Tombstones must not make
  // the table grow without bound: it grows at most once (when more than
  // 60% of it is live), then rebuilds in place.
  Model m(&GoodHash);
  for (uint64_t k = 0; k < 1000; ++k) m.Insert(k);
  const size_t capacity = m.table().capacity();
  size_t after_first_growth = 0;
  for (uint64_t k = 1000; k < 200000; ++k) {
    m.Erase(k - 1000);
    m.Insert(k);
    if (k == 20000) after_first_growth = m.table().capacity();
  }
  EXPECT_LE(after_first_growth, capacity * 3 / 2);
  EXPECT_EQ(m.table().capacity(), after_first_growth);
  m.Check(200000);
}

TEST(ItemTableTest, ClearVisitsEveryItemAndEmpties) {
  Model m(&CollidingHash);
  for (uint64_t k = 0; k < 100; ++k) m.Insert(k);
  for (uint64_t k = 0; k < 100; k += 2) m.Erase(k);
  size_t visited = 0;
  m.table().Clear([&](Entry*) { ++visited; });
  EXPECT_EQ(visited, 50u);
  EXPECT_EQ(m.table().size(), 0u);
  for (size_t i = 0; i < m.table().capacity(); ++i) {
    EXPECT_EQ(m.table().at(i), nullptr);
  }
}

}  // namespace
}  // namespace tinkercache
