#ifndef TINKERCACHE_SRC_CORE_STATUS_H_
#define TINKERCACHE_SRC_CORE_STATUS_H_

#include <cstdint>
#include <string_view>

namespace tinkercache {

// Protocol-neutral outcome of a command. Each protocol maps it to its own
// wire form (ASCII "NOT_STORED", binary status 0x0005, ...).
enum class Status : uint8_t {
  kOk,
  kNotFound,
  kExists,           // CAS mismatch
  kNotStored,        // add/replace/append/prepend precondition failed
  kTooLarge,         // item above the item size limit
  kNoMemory,         // could not make room under the memory limit
  kNonNumeric,       // incr/decr on a value that is not a decimal number
  kInvalidArguments,
  kUnknownCommand,
  kInternalError,
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_STATUS_H_
