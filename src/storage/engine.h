#ifndef TINKERCACHE_SRC_STORAGE_ENGINE_H_
#define TINKERCACHE_SRC_STORAGE_ENGINE_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "src/core/command.h"
#include "src/core/stats.h"
#include "src/core/status.h"

namespace tinkercache {

// An item as an engine shows it. Valid only inside the visitor call.
struct ItemView {
  std::string_view key;
  std::string_view value;
  uint32_t flags = 0;
  uint64_t cas = 0;
  uint32_t deadline = 0;  // absolute unix seconds, 0: never expires
};

using ItemVisitor = absl::FunctionRef<void(const ItemView&)>;

struct StoreResult {
  Status status = Status::kOk;
  uint64_t cas = 0;  // the stored item's CAS on success
};

struct ArithmeticResult {
  Status status = Status::kOk;
  uint64_t value = 0;
  uint64_t cas = 0;
};

// What incr/decr creates when the key is missing (binary protocol).
struct NewCounter {
  uint64_t initial = 0;
  uint32_t deadline = 0;
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

  // With `expected_cas`, stores only over an item with that CAS (kNotFound
  // without one, kExists on mismatch). Append/prepend keep flags/deadline.
  virtual StoreResult Store(StoreMode mode, std::string_view key,
                            std::string_view value, uint32_t flags,
                            uint32_t deadline,
                            std::optional<uint64_t> expected_cas) = 0;

  virtual Status Delete(std::string_view key,
                        std::optional<uint64_t> expected_cas) = 0;

  // incr wraps at 2^64, decr floors at 0, a non-numeric value is kNonNumeric.
  virtual ArithmeticResult Arithmetic(std::string_view key, bool increment,
                                      uint64_t delta,
                                      std::optional<NewCounter> create,
                                      std::optional<uint64_t> expected_cas) = 0;

  // Drops every item at `when` (0: now).
  virtual void Flush(uint32_t when) = 0;

  // Writes the engine's lines of a stats group ("" general, "items",
  // "slabs", "settings"); false when the engine has no such group.
  virtual bool WriteStats(std::string_view group, StatWriter& out) = 0;
  virtual void ResetStats() {}
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_STORAGE_ENGINE_H_
