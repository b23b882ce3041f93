#ifndef TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_PARSER_H_
#define TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_PARSER_H_

#include <cstdint>
#include <string_view>

#include "src/core/codec_session.h"
#include "src/core/extension.h"
#include "src/core/request.h"
#include "tinkercache/compact_opcodes.h"

namespace tinkercache::compact {

// What follows an opcode, decided by its numeric range alone (spec/compact.md).
enum class Param : uint8_t { kNone, kU8, kU32, kStr8, kStr32, kU64, kReserved };

constexpr Param ParamOf(uint8_t code) {
  if (code < 32) return Param::kNone;
  if (code < 64) return Param::kU8;
  if (code < 96) return Param::kU32;
  if (code < 128) return Param::kStr8;
  if (code < 160) return Param::kStr32;
  if (code < 192) return Param::kU64;
  return Param::kReserved;
}

inline constexpr uint8_t kEscape = 0xff;

// A connection whose first byte is this speaks compact: a no-parameter
// opcode other than tab, LF and CR, which may begin an ASCII line. A
// dedicated compact port refuses any other first byte, so that a client of
// another protocol is told at once instead of waiting on a misread length.
inline bool StartsSession(uint8_t first_byte) {
  return first_byte < 0x20 && first_byte != '\t' && first_byte != '\n' &&
         first_byte != '\r';
}

struct Limits {
  uint32_t item_size_max = 1u << 20;
  const ExtensionRegistry* extensions = nullptr;  // may be null
};

// One opcode and its parameter. Views point into the parsed input.
struct Command {
  uint8_t opcode = TC_OP_GO;
  bool extended = false;  // from the table behind the 0xFF escape
  uint64_t number = 0;    // integer parameters
  std::string_view text;  // string parameters
  // Set by the session, not by Parse: the session applied a run of opcodes
  // and GOs while parsing (`applied`; `quit` if one closes the connection),
  // or this opcode is to be followed by GO (`go`).
  bool applied = false;
  bool go = false;
  bool quit = false;
};

struct ParseResult : ParseOutcome {
  enum Kind : uint8_t {
    kNone,
    kFraming,  // reserved range or escape: the stream cannot be followed
    kUnknown,  // an opcode this server does not know: skipped
    kRefused,  // a VALUE over the item size limit: skipped, GO answers it
    kForeign,  // a first byte no compact stream begins with
  };
  Kind kind = kNone;
  uint8_t opcode = 0;
  bool extended = false;  // `opcode` is from the extended table
};

// Parses one opcode with its parameter from the front of `input`, setting
// only `opcode`, `extended` and the parameter (`number` or `text`). Skipped
// parameters (unknown opcodes, refused values) are never buffered: the
// result says how many bytes to discard as they arrive.
ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command);

// Whether the request table (base, or extended with the registered
// commands' actions) defines this opcode.
bool IsKnownRequest(bool extended, uint8_t opcode,
                    const ExtensionRegistry* extensions = nullptr);

}  // namespace tinkercache::compact

#endif  // TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_PARSER_H_
