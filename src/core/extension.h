#ifndef TINKERCACHE_SRC_CORE_EXTENSION_H_
#define TINKERCACHE_SRC_CORE_EXTENSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "src/core/command.h"
#include "src/core/request.h"

namespace tinkercache {

// A parameter of a registered command. Each kind lands in one Request
// field, so a command takes at most one of each: the key in `key`, the
// string in `value`, the number in `delta`.
enum class ArgKind : uint8_t { kKey, kString, kNumber };

// A command added to every protocol by one registration.
struct CommandSpec {
  std::string name = {};           // the ASCII verb, e.g. "lock"
  std::vector<ArgKind> args = {};  // in the order the ASCII form takes them
  // The binary opcode (from 0xE0-0xFE, which memcached does not use) and
  // the compact action in the extended table (0xFF 0x00-0x1F). Unset: the
  // next free one; set after registration.
  std::optional<uint8_t> binary_opcode = std::nullopt;
  std::optional<uint8_t> compact_opcode = std::nullopt;
};

// Answers a registered command: send one Response (the status; `value` and
// `number` when there is something to return) and return its status.
using CommandCallback = std::function<Status(const Request&, ResponseSink&)>;

struct Extension {
  CommandId id;
  CommandSpec spec;
  CommandCallback callback;
  bool Takes(ArgKind kind) const;
};

// The commands registered beside the built-in ones. Registration happens
// before the server starts; lookups afterwards are read-only and lock-free.
class ExtensionRegistry {
 public:
  static constexpr size_t kMaxExtensions = 31;
  static constexpr uint8_t kFirstBinaryOpcode = 0xe0;
  static constexpr uint8_t kLastBinaryOpcode = 0xfe;
  static constexpr uint8_t kLastCompactOpcode = 0x1f;

  // Refuses, with a message naming the clash, a name or opcode already
  // taken by a built-in command or another extension, and malformed specs.
  absl::StatusOr<CommandId> Register(CommandSpec spec,
                                     CommandCallback callback);

  const Extension* Find(CommandId id) const;
  const Extension* FindByName(std::string_view name) const;
  const Extension* FindByBinaryOpcode(uint8_t opcode) const;
  const Extension* FindByCompactOpcode(uint8_t opcode) const;
  size_t size() const { return extensions_.size(); }
  const Extension& at(size_t i) const { return *extensions_[i]; }

  // The ASCII verbs and binary opcodes the built-in protocols use, which an
  // extension may not take.
  static bool IsBuiltinVerb(std::string_view name);
  static bool IsBuiltinBinaryOpcode(uint8_t opcode);

 private:
  std::vector<std::unique_ptr<Extension>> extensions_;
};

inline bool IsExtension(CommandId id) {
  return static_cast<size_t>(id) >= kNumCommands;
}

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_EXTENSION_H_
