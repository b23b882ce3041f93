#ifndef TINKERCACHE_PROTOCOLS_BINARY_BINARY_PARSER_H_
#define TINKERCACHE_PROTOCOLS_BINARY_BINARY_PARSER_H_

#include <cstdint>
#include <string_view>

#include "protocols/binary/binary_protocol.h"
#include "src/core/codec_session.h"
#include "src/core/extension.h"
#include "src/core/request.h"

namespace tinkercache::binary {

struct Limits {
  uint32_t item_size_max = 1u << 20;
  const ExtensionRegistry* extensions = nullptr;  // may be null
};

// A decoded request packet. Views point into the parsed input.
struct Command {
  Request request;
  uint8_t opcode = kNoop;
  bool with_key = false;  // GETK/GETKQ/GATK/GATKQ: replies carry the key
};

struct ParseResult : ParseOutcome {
  // kError: the reply packet's status, opcode and opaque; `silent` closes
  // without a reply (a stream that lost its framing).
  uint16_t error = kSuccess;
  uint8_t opcode = 0;
  uint32_t opaque = 0;
  bool silent = false;
};

// Parses one request packet from the front of `input`. A value too large
// for the item limit is refused once its key has arrived and is never
// buffered; an unknown opcode's body is skipped the same way.
ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command);

}  // namespace tinkercache::binary

#endif  // TINKERCACHE_PROTOCOLS_BINARY_BINARY_PARSER_H_
