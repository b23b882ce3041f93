#ifndef TINKERCACHE_PROTOCOLS_BINARY_BINARY_PROTOCOL_H_
#define TINKERCACHE_PROTOCOLS_BINARY_BINARY_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "src/core/byte_order.h"

namespace tinkercache::binary {

// The memcached binary protocol's wire constants
// (shared/reference/memcached-protocol-binary.txt).

inline constexpr uint8_t kRequestMagic = 0x80;
inline constexpr uint8_t kResponseMagic = 0x81;
inline constexpr size_t kHeaderSize = 24;

enum Opcode : uint8_t {
  kGet = 0x00,
  kSet = 0x01,
  kAdd = 0x02,
  kReplace = 0x03,
  kDelete = 0x04,
  kIncrement = 0x05,
  kDecrement = 0x06,
  kQuit = 0x07,
  kFlush = 0x08,
  kGetQ = 0x09,
  kNoop = 0x0a,
  kVersion = 0x0b,
  kGetK = 0x0c,
  kGetKQ = 0x0d,
  kAppend = 0x0e,
  kPrepend = 0x0f,
  kStat = 0x10,
  kSetQ = 0x11,
  kAddQ = 0x12,
  kReplaceQ = 0x13,
  kDeleteQ = 0x14,
  kIncrementQ = 0x15,
  kDecrementQ = 0x16,
  kQuitQ = 0x17,
  kFlushQ = 0x18,
  kAppendQ = 0x19,
  kPrependQ = 0x1a,
  kVerbosity = 0x1b,
  kTouch = 0x1c,
  kGat = 0x1d,
  kGatQ = 0x1e,
  kGatK = 0x23,
  kGatKQ = 0x24,
};

enum WireStatus : uint16_t {
  kSuccess = 0x0000,
  kKeyNotFound = 0x0001,
  kKeyExists = 0x0002,
  kValueTooLarge = 0x0003,
  kInvalidArguments = 0x0004,
  kItemNotStored = 0x0005,
  kNonNumeric = 0x0006,
  kUnknownCommand = 0x0081,
  kOutOfMemory = 0x0082,
  kInternalError = 0x0084,
};

// The 24-byte header; multi-byte fields are big-endian on the wire.
struct Header {
  uint8_t magic;
  uint8_t opcode;
  uint16_t key_length;
  uint8_t extras_length;
  uint8_t data_type;
  uint16_t vbucket_or_status;
  uint32_t body_length;
  uint32_t opaque;  // copied verbatim, never byte-swapped
  uint64_t cas;
};

using big_endian::Load16;
using big_endian::Load32;
using big_endian::Load64;
using big_endian::Store16;
using big_endian::Store32;
using big_endian::Store64;

// A connection whose first byte is this speaks the binary protocol.
inline bool StartsSession(uint8_t first_byte) {
  return first_byte == kRequestMagic;
}

// A request packet, for clients, tests and benchmarks.
inline std::string EncodeRequest(uint8_t opcode, std::string_view extras,
                                 std::string_view key,
                                 std::string_view value) {
  std::string p(kHeaderSize, '\0');
  p[0] = static_cast<char>(kRequestMagic);
  p[1] = static_cast<char>(opcode);
  Store16(p.data() + 2, static_cast<uint16_t>(key.size()));
  p[4] = static_cast<char>(extras.size());
  Store32(p.data() + 8, static_cast<uint32_t>(extras.size() + key.size() +
                                              value.size()));
  return p.append(extras).append(key).append(value);
}

inline Header DecodeHeader(const char* p) {
  Header h;
  h.magic = static_cast<uint8_t>(p[0]);
  h.opcode = static_cast<uint8_t>(p[1]);
  h.key_length = Load16(p + 2);
  h.extras_length = static_cast<uint8_t>(p[4]);
  h.data_type = static_cast<uint8_t>(p[5]);
  h.vbucket_or_status = Load16(p + 6);
  h.body_length = Load32(p + 8);
  std::memcpy(&h.opaque, p + 12, 4);
  h.cas = Load64(p + 16);
  return h;
}

}  // namespace tinkercache::binary

#endif  // TINKERCACHE_PROTOCOLS_BINARY_BINARY_PROTOCOL_H_
