#ifndef TINKERCACHE_SRC_CORE_COMMAND_H_
#define TINKERCACHE_SRC_CORE_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/core/command_table.h"

namespace tinkercache {

enum class CommandId : uint8_t {
#define TINKERCACHE_ENUM(id, name, counter, hit, miss) k##id,
  TINKERCACHE_COMMANDS(TINKERCACHE_ENUM)
#undef TINKERCACHE_ENUM
};

inline constexpr size_t kNumCommands = 0
#define TINKERCACHE_COUNT(id, name, counter, hit, miss) +1
    TINKERCACHE_COMMANDS(TINKERCACHE_COUNT)
#undef TINKERCACHE_COUNT
    ;

std::string_view CommandName(CommandId id);

// How a storage command treats an existing item.
enum class StoreMode : uint8_t { kSet, kAdd, kReplace, kAppend, kPrepend };

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_COMMAND_H_
