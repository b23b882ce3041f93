#ifndef TINKERCACHE_SRC_STORAGE_ITEM_TABLE_H_
#define TINKERCACHE_SRC_STORAGE_ITEM_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace tinkercache {

// An open-addressing hash table of item pointers, one per engine shard
// (the shard's lock guards it). Each 8-byte slot holds the pointer in its
// low 48 bits and 16 bits of the key's hash above, so a probe compares
// tags in one cache line and dereferences an item only on a tag match.
// Items need no chain link, which saves 8 bytes per item over chaining.
//
// Hash bits: the low 32 pick the home slot (multiply-shift, so capacity
// need not be a power of two and can grow by 1.5), bits 32-47 are the
// tag; the engine uses the top bits to pick the shard. Linear probing;
// erasing leaves a tombstone unless the next slot is empty; the table
// rebuilds when live plus dead slots pass 80%.
template <typename T>
class ItemTable {
 public:
  static constexpr size_t kNotFound = ~size_t{0};

  explicit ItemTable(size_t capacity = 16)
      : slots_(new uint64_t[capacity]()), capacity_(capacity) {}

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // The slot holding the item for which eq(item) is true, or kNotFound.
  template <typename Eq>
  size_t Find(uint64_t hash, Eq&& eq) const {
    const uint64_t tag = Tag(hash);
    for (size_t i = Home(hash);; i = Next(i)) {
      const uint64_t s = slots_[i];
      if (s == kEmpty) return kNotFound;
      if ((s & kTagMask) == tag && s != kTombstone && eq(Pointer(s))) {
        return i;
      }
    }
  }

  // The item in a slot, or null for an empty or erased one (for sweeps).
  T* at(size_t slot) const {
    const uint64_t s = slots_[slot];
    return s > kTombstone ? Pointer(s) : nullptr;
  }

  // Puts an item with the same key (so the same hash) in an occupied slot.
  void Replace(size_t slot, T* item) {
    slots_[slot] = (slots_[slot] & kTagMask) | Bits(item);
  }

  void Erase(size_t slot) {
    --size_;
    if (slots_[Next(slot)] != kEmpty) {
      slots_[slot] = kTombstone;
      ++tombstones_;
      return;
    }
    // The probe sequence ends here: this slot and the tombstones just
    // before it can become empty again.
    slots_[slot] = kEmpty;
    for (size_t i = Prev(slot); slots_[i] == kTombstone; i = Prev(i)) {
      slots_[i] = kEmpty;
      --tombstones_;
    }
  }

  // Adds an item whose key is not in the table. `hash_of(item)` gives an
  // item's hash again when the table rebuilds.
  template <typename HashOf>
  void Insert(uint64_t hash, T* item, HashOf&& hash_of) {
    if ((size_ + tombstones_ + 1) * 5 > capacity_ * 4) {
      // Grow when mostly live; otherwise rebuild in place to drop
      // tombstones.
      Rebuild(size_ + 1 > capacity_ * 3 / 5 ? capacity_ * 3 / 2 : capacity_,
              hash_of);
    }
    Place(hash, item);
  }

  // Calls f(item) for every item and empties the table.
  template <typename F>
  void Clear(F&& f) {
    for (size_t i = 0; i < capacity_; ++i) {
      if (T* item = at(i)) f(item);
      slots_[i] = kEmpty;
    }
    size_ = tombstones_ = 0;
  }

 private:
  static constexpr uint64_t kEmpty = 0;
  static constexpr uint64_t kTombstone = 1;  // no item lives at address 1
  static constexpr int kTagShift = 48;
  static constexpr uint64_t kPointerMask = (uint64_t{1} << kTagShift) - 1;
  static constexpr uint64_t kTagMask = ~kPointerMask;

  static uint64_t Tag(uint64_t hash) {
    return ((hash >> 32) & 0xffff) << kTagShift;
  }
  static T* Pointer(uint64_t slot) {
    return reinterpret_cast<T*>(slot & kPointerMask);
  }
  static uint64_t Bits(T* item) {
    const auto bits = reinterpret_cast<uintptr_t>(item);
    // User-space addresses fit 48 bits on x86-64 and arm64 Linux unless a
    // program asks mmap for more; an item above would corrupt the table.
    if (bits > kPointerMask) std::abort();
    return bits;
  }
  size_t Home(uint64_t hash) const {
    return static_cast<size_t>(((hash & 0xffffffff) * capacity_) >> 32);
  }
  size_t Next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }
  size_t Prev(size_t i) const { return i == 0 ? capacity_ - 1 : i - 1; }

  void Place(uint64_t hash, T* item) {
    size_t i = Home(hash);
    while (slots_[i] > kTombstone) i = Next(i);
    if (slots_[i] == kTombstone) --tombstones_;
    slots_[i] = Tag(hash) | Bits(item);
    ++size_;
  }

  template <typename HashOf>
  void Rebuild(size_t capacity, HashOf& hash_of) {
    std::unique_ptr<uint64_t[]> old = std::move(slots_);
    const size_t old_capacity = capacity_;
    slots_.reset(new uint64_t[capacity]());
    capacity_ = capacity;
    size_ = tombstones_ = 0;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old[i] > kTombstone) Place(hash_of(Pointer(old[i])), Pointer(old[i]));
    }
  }

  std::unique_ptr<uint64_t[]> slots_;
  size_t capacity_;
  size_t size_ = 0;
  size_t tombstones_ = 0;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_STORAGE_ITEM_TABLE_H_
