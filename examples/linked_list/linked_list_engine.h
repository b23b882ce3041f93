#ifndef TINKERCACHE_EXAMPLES_LINKED_LIST_LINKED_LIST_ENGINE_H_
#define TINKERCACHE_EXAMPLES_LINKED_LIST_LINKED_LIST_ENGINE_H_

// The smallest complete storage engine: every item in one std::list behind
// one mutex, as in libmemcachedprotocol's first example. It trades speed
// for brevity (a linear search per command) and is complete: it passes
// memccapable and the engine conformance suite. The meta protocol works
// through Engine::Fetch's default, except invalidation (meta I), which needs
// per-item stale marks this engine does not keep.

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

  StoreResult Store(const StoreArgs& args) override {
    if (!ItemFits(item_size_max_, args.key.size(), args.value.size(),
                  args.flags)) {
      return {Status::kTooLarge};
    }
    const bool concat =
        args.mode == StoreMode::kAppend || args.mode == StoreMode::kPrepend;
    std::lock_guard lock(mu_);
    Item* item = Find(args.key);
    if (item == nullptr && concat && args.vivify_deadline) {
      return Place(nullptr, args, *args.vivify_deadline);
    }
    if (item == nullptr && (concat || args.mode == StoreMode::kReplace) &&
        !(args.expected_cas && args.mode == StoreMode::kReplace)) {
      return {Status::kNotStored};
    }
    if (args.expected_cas && item == nullptr) return {Status::kNotFound};
    // Stale marks (meta I) are not kept here: an older CAS is refused.
    if (args.expected_cas && item->cas != *args.expected_cas) {
      return {Status::kExists};
    }
    if (args.mode == StoreMode::kAdd && item != nullptr &&
        !args.expected_cas) {
      return {Status::kNotStored};
    }
    if (concat) {
      std::string joined = args.mode == StoreMode::kAppend
                               ? item->value + std::string(args.value)
                               : std::string(args.value) + item->value;
      if (!ItemFits(item_size_max_, args.key.size(), joined.size(),
                    item->flags)) {
        return {Status::kNotStored};  // as memcached: the join cannot be made
      }
      item->value = std::move(joined);
      item->cas = args.new_cas ? *args.new_cas : ++next_cas_;
      return {Status::kOk, item->cas};
    }
    return Place(item, args, args.deadline);
  }

  Status Delete(const DeleteArgs& args) override {
    if (args.invalidate) return Status::kInvalidArguments;  // no stale marks
    std::lock_guard lock(mu_);
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (it->key != args.key || Expired(*it)) continue;
      if (args.expected_cas && it->cas != *args.expected_cas) {
        return Status::kExists;
      }
      items_.erase(it);
      return Status::kOk;
    }
    return Status::kNotFound;
  }

  ArithmeticResult Arithmetic(const ArithmeticArgs& args) override {
    std::lock_guard lock(mu_);
    Item* item = Find(args.key);
    ArithmeticResult result;
    if (item == nullptr) {
      if (!args.create) return {Status::kNotFound};
      items_.push_front(Item{std::string(args.key),
                             std::to_string(args.create->initial), 0,
                             args.create->deadline, 0});
      item = &items_.front();
      result.value = args.create->initial;
      result.created = true;
    } else {
      // An empty value is refused before the CAS is compared, as memcached.
      if (item->value.empty()) return {Status::kNonNumeric};
      if (args.expected_cas && item->cas != *args.expected_cas) {
        return {Status::kExists};
      }
      auto current = ParseCounter(item->value);
      if (!current) return {Status::kNonNumeric};
      result.value = args.increment            ? *current + args.delta
                     : args.delta > *current ? 0
                                             : *current - args.delta;
      result.previous_deadline = item->deadline;
      item->value = std::to_string(result.value);
    }
    if (args.new_deadline &&
        !(result.created && args.create->keeps_deadline)) {
      item->deadline = *args.new_deadline;  // N after T: N's stays
    }
    item->cas = args.new_cas ? *args.new_cas : ++next_cas_;
    result.cas = item->cas;
    result.deadline = item->deadline;
    return result;
  }
  using Engine::Arithmetic;
  using Engine::Delete;
  using Engine::Store;

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

  // stats cachedump (and memcdump): newest first, as memcached lists.
  void ListItems(ItemListVisitor visit) override {
    std::lock_guard lock(mu_);
    Find({});  // applies a flush that has come due
    for (const Item& item : items_) {
      if (Expired(item)) continue;
      if (!visit(ItemListing{item.key, item.value.size(), item.deadline})) {
        return;
      }
    }
  }

 private:
  struct Item {
    std::string key, value;
    uint32_t flags, deadline;
    uint64_t cas;
  };

  bool Expired(const Item& item) const {
    const uint32_t now = clock_.NowSeconds();
    return DeadlinePassed(item.deadline, now);
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

  // Sets a whole new value, over `item` or as a new item.
  StoreResult Place(Item* item, const StoreArgs& args, uint32_t deadline) {
    if (item == nullptr) {
      items_.push_front(Item{std::string(args.key), {}, 0, 0, 0});
      item = &items_.front();
    }
    item->value = std::string(args.value);
    item->flags = args.flags;
    item->deadline = deadline;
    item->cas = args.new_cas ? *args.new_cas : ++next_cas_;
    return {Status::kOk, item->cas};
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
