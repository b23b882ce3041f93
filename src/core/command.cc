#include "src/core/command.h"

#include <array>

#include "src/core/status.h"

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

std::optional<CommandId> CommandByName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<CommandId>(i);
  }
  return std::nullopt;
}

std::optional<StoreMode> StoreModeOf(CommandId id) {
  switch (id) {
    case CommandId::kSet:
    case CommandId::kCas:
      return StoreMode::kSet;
    case CommandId::kAdd:
      return StoreMode::kAdd;
    case CommandId::kReplace:
      return StoreMode::kReplace;
    case CommandId::kAppend:
      return StoreMode::kAppend;
    case CommandId::kPrepend:
      return StoreMode::kPrepend;
    default:
      return std::nullopt;
  }
}

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kNotFound: return "not found";
    case Status::kExists: return "exists";
    case Status::kNotStored: return "not stored";
    case Status::kTooLarge: return "too large";
    case Status::kNoMemory: return "no memory";
    case Status::kNonNumeric: return "non-numeric value";
    case Status::kInvalidArguments: return "invalid arguments";
    case Status::kUnknownCommand: return "unknown command";
    case Status::kInternalError: return "internal error";
  }
  return "unknown status";
}

}  // namespace tinkercache
