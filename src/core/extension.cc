#include "src/core/extension.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tinkercache {

bool Extension::Takes(ArgKind kind) const {
  return std::find(spec.args.begin(), spec.args.end(), kind) !=
         spec.args.end();
}

bool ExtensionRegistry::IsBuiltinVerb(std::string_view name) {
  // The command table's names, the ASCII variants and memcached's other
  // verbs (meta commands included), so that a server built on the library
  // stays a drop-in memcached.
  for (size_t i = 0; i < kNumCommands; ++i) {
    if (CommandName(static_cast<CommandId>(i)) == name) return true;
  }
  static constexpr std::string_view kVerbs[] = {
      "gets", "gats", "shutdown", "slabs", "lru", "lru_crawler",
      "watch", "misbehave", "mg", "ms", "md", "ma", "mn", "me"};
  return std::find(std::begin(kVerbs), std::end(kVerbs), name) !=
         std::end(kVerbs);
}

bool ExtensionRegistry::IsBuiltinBinaryOpcode(uint8_t opcode) {
  return opcode < kFirstBinaryOpcode;  // memcached's range and its reserves
}

absl::StatusOr<CommandId> ExtensionRegistry::Register(
    CommandSpec spec, CommandCallback callback) {
  const std::string& name = spec.name;
  if (name.empty() || name.size() > 32 ||
      std::any_of(name.begin(), name.end(), [](char c) {
        return c <= ' ' || c > '~';
      })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "command name '", name, "': 1 to 32 printable bytes, no spaces"));
  }
  if (IsBuiltinVerb(name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("command '", name, "' is a built-in command"));
  }
  if (FindByName(name) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("command '", name, "' is already registered"));
  }
  for (ArgKind kind : {ArgKind::kKey, ArgKind::kString, ArgKind::kNumber}) {
    if (std::count(spec.args.begin(), spec.args.end(), kind) > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "command '", name, "': at most one key, one string and one number"));
    }
  }
  if (extensions_.size() >= kMaxExtensions ||
      kNumCommands + extensions_.size() > 255) {
    return absl::ResourceExhaustedError("too many registered commands");
  }
  if (!spec.binary_opcode) {
    for (int op = kFirstBinaryOpcode; op <= kLastBinaryOpcode; ++op) {
      if (!FindByBinaryOpcode(static_cast<uint8_t>(op))) {
        spec.binary_opcode = static_cast<uint8_t>(op);
        break;
      }
    }
    if (!spec.binary_opcode) {
      return absl::ResourceExhaustedError("no free binary opcode");
    }
  } else if (IsBuiltinBinaryOpcode(*spec.binary_opcode) ||
             *spec.binary_opcode == 0xff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "command '", name, "': binary opcode ", *spec.binary_opcode,
        " is not in the extension range 0xe0-0xfe"));
  } else if (const Extension* other =
                 FindByBinaryOpcode(*spec.binary_opcode)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "command '", name, "': binary opcode ", *spec.binary_opcode,
        " is taken by '", other->spec.name, "'"));
  }
  if (!spec.compact_opcode) {
    for (int op = 0; op <= kLastCompactOpcode; ++op) {
      if (!FindByCompactOpcode(static_cast<uint8_t>(op))) {
        spec.compact_opcode = static_cast<uint8_t>(op);
        break;
      }
    }
    if (!spec.compact_opcode) {
      return absl::ResourceExhaustedError("no free compact opcode");
    }
  } else if (*spec.compact_opcode > kLastCompactOpcode) {
    return absl::InvalidArgumentError(absl::StrCat(
        "command '", name, "': compact actions take no parameter, so their "
        "extended opcode is 0x00-0x1f"));
  } else if (const Extension* other =
                 FindByCompactOpcode(*spec.compact_opcode)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "command '", name, "': compact opcode ", *spec.compact_opcode,
        " is taken by '", other->spec.name, "'"));
  }
  const CommandId id =
      static_cast<CommandId>(kNumCommands + extensions_.size());
  extensions_.push_back(std::make_unique<Extension>(
      Extension{id, std::move(spec), std::move(callback)}));
  return id;
}

const Extension* ExtensionRegistry::Find(CommandId id) const {
  const size_t i = static_cast<size_t>(id);
  if (i < kNumCommands || i - kNumCommands >= extensions_.size()) {
    return nullptr;
  }
  return extensions_[i - kNumCommands].get();
}

const Extension* ExtensionRegistry::FindByName(std::string_view name) const {
  for (const auto& e : extensions_) {
    if (e->spec.name == name) return e.get();
  }
  return nullptr;
}

const Extension* ExtensionRegistry::FindByBinaryOpcode(uint8_t opcode) const {
  for (const auto& e : extensions_) {
    if (e->spec.binary_opcode == opcode) return e.get();
  }
  return nullptr;
}

const Extension* ExtensionRegistry::FindByCompactOpcode(uint8_t opcode) const {
  for (const auto& e : extensions_) {
    if (e->spec.compact_opcode == opcode) return e.get();
  }
  return nullptr;
}

}  // namespace tinkercache
