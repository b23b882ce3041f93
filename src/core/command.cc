#include "src/core/command.h"

#include <array>


namespace tinkercache {
namespace {

constexpr std::array<std::string_view, kNumCommands> kNames = {
#define TINKERCACHE_NAME(id, name, counter, hit, miss) name,
    TINKERCACHE_COMMANDS(TINKERCACHE_NAME)
#undef TINKERCACHE_NAME
};

}  // namespace

std::string_view CommandName(CommandId id) {
  const size_t i = static_cast<size_t>(id);
  return i < kNames.size() ? kNames[i] : "extension";
}

}  // namespace tinkercache
