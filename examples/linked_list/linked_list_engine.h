#ifndef TINKERCACHE_EXAMPLES_LINKED_LIST_LINKED_LIST_ENGINE_H_
#define TINKERCACHE_EXAMPLES_LINKED_LIST_LINKED_LIST_ENGINE_H_

// The smallest complete storage engine: every item in one std::list behind
// one mutex, as in libmemcachedprotocol's first example. It trades speed
// for brevity (a linear search per command) and is complete: it passes
// memccapable and the engine conformance suite.

#include <charconv>
#include <list>
#include <mutex>
#include <string>

#include "src/core/clock.h"
#include "src/core/numbers.h"
#include "src/core/settings.h"
#include "src/storage/engine.h"

namespace tinkercache::examples {

class LinkedListEngine final : public Engine {
 public:
  LinkedListEngine(const Clock& clock, uint32_t item_size_max = 1u << 20)
      : clock_(clock), item_size_max_(item_size_max) {}

  Status Get(std::string_view key, ItemVisitor visit) override {
    std::lock_guard lock(mu_);
    Item* item = Find(key);
    if (item == nullptr) return Status::kNotFound;
    visit(View(*item));
    return Status::kOk;
  }

  Status GetAndTouch(std::string_view key, uint32_t deadline,
                     ItemVisitor visit) override {
    std::lock_guard lock(mu_);
    Item* item = Find(key);
    if (item == nullptr) return Status::kNotFound;
    item->deadline = deadline;
    visit(View(*item));
    return Status::kOk;
  }

  StoreResult Store(StoreMode mode, std::string_view key,
                    std::string_view value, uint32_t flags, uint32_t deadline,
                    std::optional<uint64_t> expected_cas) override {
    if (!ItemFits(item_size_max_, key.size(), value.size())) {
      return {Status::kTooLarge};
    }
    std::lock_guard lock(mu_);
    Item* item = Find(key);
    if (expected_cas && item == nullptr) return {Status::kNotFound};
    if (expected_cas && item->cas != *expected_cas) return {Status::kExists};
    switch (mode) {
      case StoreMode::kAdd:
        if (item != nullptr) return {Status::kNotStored};
        break;
      case StoreMode::kReplace:
      case StoreMode::kAppend:
      case StoreMode::kPrepend:
        if (item == nullptr) return {Status::kNotStored};
        break;
      case StoreMode::kSet:
        break;
    }
    if (mode == StoreMode::kAppend || mode == StoreMode::kPrepend) {
      std::string joined = mode == StoreMode::kAppend
                               ? item->value + std::string(value)
                               : std::string(value) + item->value;
      if (!ItemFits(item_size_max_, key.size(), joined.size())) {
        return {Status::kTooLarge};
      }
      item->value = std::move(joined);
    } else {
      if (item == nullptr) {
        items_.push_front(Item{std::string(key), {}, 0, 0, 0});
        item = &items_.front();
      }
      item->value = std::string(value);
      item->flags = flags;
      item->deadline = deadline;
    }
    item->cas = ++next_cas_;
    return {Status::kOk, item->cas};
  }

  Status Delete(std::string_view key,
                std::optional<uint64_t> expected_cas) override {
    std::lock_guard lock(mu_);
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (it->key != key || Expired(*it)) continue;
      if (expected_cas && it->cas != *expected_cas) return Status::kExists;
      items_.erase(it);
      return Status::kOk;
    }
    return Status::kNotFound;
  }

  ArithmeticResult Arithmetic(std::string_view key, bool increment,
                              uint64_t delta, std::optional<NewCounter> create,
                              std::optional<uint64_t> expected_cas) override {
    std::lock_guard lock(mu_);
    Item* item = Find(key);
    if (item == nullptr) {
      if (!create || expected_cas) return {Status::kNotFound};
      items_.push_front(Item{std::string(key), std::to_string(create->initial),
                             0, create->deadline, ++next_cas_});
      return {Status::kOk, create->initial, next_cas_};
    }
    if (expected_cas && item->cas != *expected_cas) return {Status::kExists};
    auto current = ParseCounter(item->value);
    if (!current) return {Status::kNonNumeric};
    const uint64_t next = increment ? *current + delta
                          : delta > *current ? 0
                                             : *current - delta;
    item->value = std::to_string(next);
    item->cas = ++next_cas_;
    return {Status::kOk, next, item->cas};
  }

  void Flush(uint32_t when) override {
    std::lock_guard lock(mu_);
    if (when == 0 || when <= clock_.NowSeconds()) {
      items_.clear();
      flush_at_ = 0;
    } else {
      flush_at_ = when;
    }
  }

  bool WriteStats(std::string_view group, StatWriter& out) override {
    if (!group.empty()) return false;
    std::lock_guard lock(mu_);
    out.Add("curr_items", static_cast<uint64_t>(items_.size()));
    return true;
  }

 private:
  struct Item {
    std::string key, value;
    uint32_t flags, deadline;
    uint64_t cas;
  };

  bool Expired(const Item& item) const {
    const uint32_t now = clock_.NowSeconds();
    return item.deadline != 0 && item.deadline <= now;
  }

  // The live item with this key; expired items and a due flush are
  // applied on the way.
  Item* Find(std::string_view key) {
    if (flush_at_ != 0 && clock_.NowSeconds() >= flush_at_) {
      items_.clear();
      flush_at_ = 0;
    }
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (it->key != key) continue;
      if (Expired(*it)) {
        items_.erase(it);
        return nullptr;
      }
      return &*it;
    }
    return nullptr;
  }

  static ItemView View(const Item& item) {
    return ItemView{item.key, item.value, item.flags, item.cas, item.deadline};
  }

  const Clock& clock_;
  const uint32_t item_size_max_;
  std::mutex mu_;
  std::list<Item> items_;
  uint64_t next_cas_ = 0;
  uint32_t flush_at_ = 0;
};

}  // namespace tinkercache::examples

#endif  // TINKERCACHE_EXAMPLES_LINKED_LIST_LINKED_LIST_ENGINE_H_
