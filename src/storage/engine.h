#ifndef TINKERCACHE_SRC_STORAGE_ENGINE_H_
#define TINKERCACHE_SRC_STORAGE_ENGINE_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "src/core/command.h"
#include "src/core/handler.h"
#include "src/core/stats.h"
#include "src/core/status.h"

namespace tinkercache {

// An item as an engine shows it. Valid only inside the visitor call.
struct ItemView {
  std::string_view key = {};
  std::string_view value = {};
  uint32_t flags = 0;
  uint64_t cas = 0;
  uint32_t deadline = 0;  // absolute unix seconds, 0: never expires
  // Fetch() only: the deadline before this request changed it, the unix
  // second of the previous access (0: unknown), ItemState bits, and the
  // bytes the engine charges for the item.
  uint32_t previous_deadline = 0;
  uint32_t last_access = 0;
  uint8_t state = 0;
  uint32_t footprint = 0;
};

using ItemVisitor = absl::FunctionRef<void(const ItemView&)>;

// A read with the meta protocol's options.
struct FetchArgs {
  std::string_view key = {};
  bool bump = true;  // mark the item used, fetched and accessed now
  // Only look (meta debug): no marks, and no recache won or lost.
  bool peek = false;
  std::optional<uint32_t> new_deadline = std::nullopt;  // touch
  // A miss creates an empty item with this deadline.
  std::optional<uint32_t> vivify_deadline = std::nullopt;
  // A created item keeps vivify_deadline instead of taking new_deadline.
  bool vivify_last = false;
  // A live item with an earlier deadline wins the recache.
  std::optional<uint32_t> recache_deadline = std::nullopt;
};

// A store. Modes and CAS follow memcached: with an expected CAS, set,
// replace and add store only over an item with that CAS (kNotFound without
// one, kExists on mismatch), append and prepend answer kNotStored on a miss
// and kExists on a mismatch. Append/prepend keep the item's flags and
// deadline.
struct StoreArgs {
  StoreMode mode = StoreMode::kSet;
  std::string_view key = {};
  std::string_view value = {};
  uint32_t flags = 0;
  uint32_t deadline = 0;
  std::optional<uint64_t> expected_cas = std::nullopt;
  // The stored item's CAS instead of a fresh one (meta E).
  std::optional<uint64_t> new_cas = std::nullopt;
  // With an expected CAS older than the item's, store anyway and mark the
  // new item stale (meta I).
  bool invalidate = false;
  // Append/prepend on a miss create the item with this deadline.
  std::optional<uint32_t> vivify_deadline = std::nullopt;
  // The client sent the key in base64 (meta b); fetches report it as
  // kItemBinaryKey so replies can show the key the same way.
  bool binary_key = false;
};

struct StoreResult {
  Status status = Status::kOk;
  uint64_t cas = 0;  // the stored item's CAS on success
};

struct DeleteArgs {
  std::string_view key = {};
  std::optional<uint64_t> expected_cas = std::nullopt;
  // Keep the item, mark it stale and give it a new CAS (meta I).
  bool invalidate = false;
  std::optional<uint32_t> new_deadline = std::nullopt;  // with invalidate
  std::optional<uint64_t> new_cas = std::nullopt;       // with invalidate
};

// What incr/decr creates when the key is missing.
struct NewCounter {
  uint64_t initial = 0;
  uint32_t deadline = 0;
  bool keeps_deadline = false;  // not replaced by new_deadline (N after T)
};

// incr wraps at 2^64, decr floors at 0, a non-numeric value is kNonNumeric.
struct ArithmeticArgs {
  std::string_view key = {};
  bool increment = true;
  uint64_t delta = 0;
  std::optional<NewCounter> create = std::nullopt;
  std::optional<uint64_t> expected_cas = std::nullopt;  // ignored when creating
  std::optional<uint32_t> new_deadline = std::nullopt;  // set on success
  std::optional<uint64_t> new_cas = std::nullopt;
};

struct ArithmeticResult {
  Status status = Status::kOk;
  uint64_t value = 0;
  uint64_t cas = 0;
  uint32_t deadline = 0;           // after the request
  uint32_t previous_deadline = 0;  // before it (a created item: 0)
  bool created = false;
};

// Storage behind the default handler. Deadlines are absolute unix seconds
// (0: never); the handler converts protocol exptimes. Statuses are the core's,
// never a wire code. Implementations must be thread-safe.
class Engine {
 public:
  virtual ~Engine() = default;

  // On a hit calls `visit` while the item cannot change or go away.
  virtual Status Get(std::string_view key, ItemVisitor visit) = 0;
  // Get that also sets a new deadline (touch is this without the value).
  virtual Status GetAndTouch(std::string_view key, uint32_t deadline,
                             ItemVisitor visit) = 0;
  // The meta get: Get with options, and the visitor also sees the item's
  // previous deadline, last access and stampede state (src/core/stampede.h).
  // This default builds it from Get/GetAndTouch and an add for vivify, so
  // that exactly one of many racing clients wins a missing item; engines
  // that keep access times and stale marks override it.
  virtual Status Fetch(const FetchArgs& args, ItemVisitor visit);

  virtual StoreResult Store(const StoreArgs& args) = 0;
  virtual Status Delete(const DeleteArgs& args) = 0;
  virtual ArithmeticResult Arithmetic(const ArithmeticArgs& args) = 0;

  // Drops every item at `when` (0: now).
  virtual void Flush(uint32_t when) = 0;

  // Writes the engine's lines of a stats group ("" general, "items",
  // "slabs", "settings"); false when the engine has no such group.
  virtual bool WriteStats(std::string_view group, StatWriter& out) = 0;
  virtual void ResetStats() {}

  // Calls `visit` for live items (neither expired nor flushed) until it
  // returns false, for `stats cachedump`. In no particular order; an item
  // stored or removed meanwhile may or may not be seen. The default lists
  // none.
  virtual void ListItems(ItemListVisitor visit) { (void)visit; }

  // Sets the memory limit (`cache_memlimit`) to `bytes`; an engine over it
  // makes room as its next writes need it. False when the engine's limit
  // cannot change, as the default's.
  virtual bool SetMemoryLimit(uint64_t bytes) {
    (void)bytes;
    return false;
  }

  // Shorthands for the common forms.
  StoreResult Store(StoreMode mode, std::string_view key,
                    std::string_view value, uint32_t flags, uint32_t deadline,
                    std::optional<uint64_t> expected_cas = std::nullopt) {
    return Store(StoreArgs{mode, key, value, flags, deadline, expected_cas});
  }
  Status Delete(std::string_view key,
                std::optional<uint64_t> expected_cas = std::nullopt) {
    return Delete(DeleteArgs{key, expected_cas});
  }
  ArithmeticResult Arithmetic(std::string_view key, bool increment,
                              uint64_t delta,
                              std::optional<NewCounter> create = std::nullopt,
                              std::optional<uint64_t> expected_cas =
                                  std::nullopt) {
    return Arithmetic(
        ArithmeticArgs{key, increment, delta, create, expected_cas});
  }
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_STORAGE_ENGINE_H_
