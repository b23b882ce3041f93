#include "protocols/compact/compact_parser.h"

#include <array>

#include "src/core/byte_order.h"

namespace tinkercache::compact {
namespace {

constexpr std::array<bool, 256> kKnownBase = [] {
  std::array<bool, 256> known{};
#define TINKERCACHE_KNOWN(kind, name, code, param, regs, reads) \
  known[code] = true;
  TC_COMPACT_REQUEST_OPCODES(TINKERCACHE_KNOWN)
#undef TINKERCACHE_KNOWN
  return known;
}();

}  // namespace

bool IsKnownRequest(bool extended, uint8_t opcode,
                    const ExtensionRegistry* extensions) {
  if (!extended) return kKnownBase[opcode];
  // The extended table holds the registered commands' actions.
  return extensions != nullptr &&
         extensions->FindByCompactOpcode(opcode) != nullptr;
}

ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command) {
  // Only the fields below are read for an opcode; the rest is left alone,
  // since a request is several opcodes and this runs for each.
  ParseResult r;
  size_t pos = 1;
  if (input.empty()) {
    r.needed = 1;
    return r;
  }
  uint8_t op = static_cast<uint8_t>(input[0]);
  bool extended = false;
  if (op == kEscape) {
    if (input.size() < 2) {
      r.needed = 2;
      return r;
    }
    op = static_cast<uint8_t>(input[1]);
    extended = true;
    pos = 2;
  }
  r.opcode = op;
  r.extended = extended;
  const Param param = ParamOf(op);
  if (param == Param::kReserved) {
    // Its length is unknowable, and so is everything after it.
    r.status = ParseStatus::kError;
    r.kind = ParseResult::kFraming;
    r.close = true;
    r.consumed = pos;
    return r;
  }
  const bool known = IsKnownRequest(extended, op, limits.extensions);
  size_t header = pos;  // opcode (and escape) plus any length prefix
  uint64_t length = 0;  // parameter bytes after `header`
  switch (param) {
    case Param::kNone: break;
    case Param::kU8: length = 1; break;
    case Param::kU32: length = 4; break;
    case Param::kU64: length = 8; break;
    case Param::kStr8:
      if (input.size() < pos + 1) {
        r.needed = pos + 1;
        return r;
      }
      length = static_cast<uint8_t>(input[pos]);
      header = pos + 1;
      break;
    case Param::kStr32:
      if (input.size() < pos + 4) {
        r.needed = pos + 4;
        return r;
      }
      length = big_endian::Load32(input.data() + pos);
      header = pos + 4;
      break;
    case Param::kReserved: break;
  }
  const bool refused = known && op == TC_OP_VALUE && !extended &&
                       length > limits.item_size_max;
  if (!known || refused) {
    // Skipped: the parameter is discarded as it arrives, never buffered.
    r.status = ParseStatus::kError;
    r.kind = known ? ParseResult::kRefused : ParseResult::kUnknown;
    r.consumed = header;
    r.swallow = length;
    return r;
  }
  const size_t total = header + static_cast<size_t>(length);
  if (input.size() < total) {
    r.needed = total;
    return r;
  }
  command->opcode = op;
  command->extended = extended;
  const char* p = input.data() + header;
  switch (param) {
    case Param::kU8: command->number = static_cast<uint8_t>(*p); break;
    case Param::kU32: command->number = big_endian::Load32(p); break;
    case Param::kU64: command->number = big_endian::Load64(p); break;
    case Param::kStr8:
    case Param::kStr32:
      command->text = input.substr(header, static_cast<size_t>(length));
      break;
    default:
      command->number = 0;
      break;
  }
  r.status = ParseStatus::kOk;
  r.consumed = total;
  return r;
}

}  // namespace tinkercache::compact
