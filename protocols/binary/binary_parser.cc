#include "protocols/binary/binary_parser.h"

#include <array>

#include "src/core/settings.h"

namespace tinkercache::binary {
namespace {

// What a request of each opcode must look like (memcached's checks).
enum class Shape : uint8_t {
  kUnknown,
  kKey,         // GET*, DELETE: a key and nothing else
  kStore,       // SET/ADD/REPLACE: 8 bytes of extras, key, value
  kConcat,      // APPEND/PREPEND: key, value
  kArithmetic,  // INCREMENT/DECREMENT: 20 bytes of extras, key
  kTouch,       // TOUCH/GAT*: 4 bytes of extras, key
  kEmpty,       // QUIT, NOOP, VERSION
  kFlush,       // optional 4 bytes of extras
  kStat,        // optional key (the group)
  kVerbosity,   // 4 bytes of extras
};

struct OpcodeInfo {
  Shape shape = Shape::kUnknown;
  CommandId command = CommandId::kNoop;
  bool quiet = false;
  bool with_key = false;
};

// The binary protocol's binding of opcodes to the core command table.
constexpr std::array<OpcodeInfo, 256> kOpcodes = [] {
  std::array<OpcodeInfo, 256> t{};
  auto add = [&](uint8_t op, Shape shape, CommandId command, bool quiet = false,
                 bool with_key = false) {
    t[op] = OpcodeInfo{shape, command, quiet, with_key};
  };
  add(kGet, Shape::kKey, CommandId::kGet);
  add(kGetQ, Shape::kKey, CommandId::kGet, true);
  add(kGetK, Shape::kKey, CommandId::kGet, false, true);
  add(kGetKQ, Shape::kKey, CommandId::kGet, true, true);
  add(kSet, Shape::kStore, CommandId::kSet);
  add(kSetQ, Shape::kStore, CommandId::kSet, true);
  add(kAdd, Shape::kStore, CommandId::kAdd);
  add(kAddQ, Shape::kStore, CommandId::kAdd, true);
  add(kReplace, Shape::kStore, CommandId::kReplace);
  add(kReplaceQ, Shape::kStore, CommandId::kReplace, true);
  add(kAppend, Shape::kConcat, CommandId::kAppend);
  add(kAppendQ, Shape::kConcat, CommandId::kAppend, true);
  add(kPrepend, Shape::kConcat, CommandId::kPrepend);
  add(kPrependQ, Shape::kConcat, CommandId::kPrepend, true);
  add(kDelete, Shape::kKey, CommandId::kDelete);
  add(kDeleteQ, Shape::kKey, CommandId::kDelete, true);
  add(kIncrement, Shape::kArithmetic, CommandId::kIncr);
  add(kIncrementQ, Shape::kArithmetic, CommandId::kIncr, true);
  add(kDecrement, Shape::kArithmetic, CommandId::kDecr);
  add(kDecrementQ, Shape::kArithmetic, CommandId::kDecr, true);
  add(kQuit, Shape::kEmpty, CommandId::kQuit);
  add(kQuitQ, Shape::kEmpty, CommandId::kQuit, true);
  add(kFlush, Shape::kFlush, CommandId::kFlush);
  add(kFlushQ, Shape::kFlush, CommandId::kFlush, true);
  add(kNoop, Shape::kEmpty, CommandId::kNoop);
  add(kVersion, Shape::kEmpty, CommandId::kVersion);
  add(kStat, Shape::kStat, CommandId::kStats);
  add(kVerbosity, Shape::kVerbosity, CommandId::kVerbosity);
  add(kTouch, Shape::kTouch, CommandId::kTouch);
  add(kGat, Shape::kTouch, CommandId::kGetAndTouch);
  add(kGatQ, Shape::kTouch, CommandId::kGetAndTouch, true);
  add(kGatK, Shape::kTouch, CommandId::kGetAndTouch, false, true);
  add(kGatKQ, Shape::kTouch, CommandId::kGetAndTouch, true, true);
  return t;
}();

bool WellFormed(Shape shape, size_t extras, size_t key, size_t body) {
  switch (shape) {
    case Shape::kKey:
      return extras == 0 && key > 0 && body == key;
    case Shape::kStore:
      return extras == 8 && key > 0;
    case Shape::kConcat:
      return extras == 0 && key > 0;
    case Shape::kArithmetic:
      return extras == 20 && key > 0 && body == key + 20;
    case Shape::kTouch:
      return extras == 4 && key > 0 && body == key + 4;
    case Shape::kEmpty:
      return extras == 0 && key == 0 && body == 0;
    case Shape::kFlush:
      return key == 0 && body == extras && (extras == 0 || extras == 4);
    case Shape::kStat:
      return extras == 0 && body == key;
    case Shape::kVerbosity:
      return extras == 4 && key == 0 && body == 4;
    case Shape::kUnknown:
      return false;
  }
  return false;
}

}  // namespace

ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command) {
  *command = Command{};
  ParseResult r;
  if (input.size() < kHeaderSize) {
    r.needed = kHeaderSize;
    return r;
  }
  if (static_cast<uint8_t>(input[0]) != kRequestMagic) {
    // The stream lost its framing: nothing after this can be trusted.
    r.status = ParseStatus::kError;
    r.silent = true;
    r.close = true;
    return r;
  }
  const Header h = DecodeHeader(input.data());
  r.opcode = h.opcode;
  r.opaque = h.opaque;
  const OpcodeInfo& info = kOpcodes[h.opcode];
  const size_t key = h.key_length;
  const size_t extras = h.extras_length;
  const size_t body = h.body_length;
  auto fail = [&](uint16_t status, bool close) {
    r.status = ParseStatus::kError;
    r.error = status;
    r.consumed = kHeaderSize;
    r.close = close;
    // A request that is refused but keeps the connection has its body
    // skipped as it arrives.
    r.swallow = close ? 0 : body;
    return r;
  };
  // memcached reads a request's extras and key before it looks at anything
  // else: a packet whose extras and key overrun its body is answered then,
  // with "Unknown command", and the connection closes.
  if (key + extras > body) {
    if (input.size() < kHeaderSize + extras + key) {
      r.needed = kHeaderSize + extras + key;
      return r;
    }
    return fail(kUnknownCommand, true);
  }
  if (info.shape == Shape::kUnknown) {
    const Extension* extension =
        limits.extensions != nullptr
            ? limits.extensions->FindByBinaryOpcode(h.opcode)
            : nullptr;
    if (extension == nullptr) return fail(kUnknownCommand, false);
    // A registered command: the key in the key field, the number in 8
    // bytes of extras, the string as the value.
    const size_t key = h.key_length;
    const size_t extras = h.extras_length;
    const size_t body = h.body_length;
    const bool wants_key = extension->Takes(ArgKind::kKey);
    const bool wants_number = extension->Takes(ArgKind::kNumber);
    const bool wants_string = extension->Takes(ArgKind::kString);
    if (key + extras > body || key > kMaxKeyLength ||
        (key > 0) != wants_key || extras != (wants_number ? 8u : 0u) ||
        (!wants_string && body != key + extras) ||
        body - key - extras > limits.item_size_max) {
      return fail(kInvalidArguments, true);
    }
    const size_t total = kHeaderSize + body;
    if (input.size() < total) {
      r.needed = total;
      return r;
    }
    Request& q = command->request;
    q.command = extension->id;
    q.opaque = h.opaque;
    q.cas = h.cas;
    q.key = input.substr(kHeaderSize + extras, key);
    q.value = input.substr(kHeaderSize + extras + key, body - key - extras);
    if (wants_number) q.delta = Load64(input.data() + kHeaderSize);
    command->opcode = h.opcode;
    r.status = ParseStatus::kOk;
    r.consumed = total;
    return r;
  }
  if (key > kMaxKeyLength) {
    if (input.size() < kHeaderSize + extras + key) {  // as memcached, above
      r.needed = kHeaderSize + extras + key;
      return r;
    }
    return fail(kInvalidArguments, true);
  }
  if (!WellFormed(info.shape, extras, key, body)) {
    // memcached answers a malformed VERBOSITY as unknown and keeps going.
    return info.shape == Shape::kVerbosity ? fail(kUnknownCommand, false)
                                           : fail(kInvalidArguments, true);
  }
  Request& q = command->request;
  q.command = info.command;
  q.quiet = info.quiet;
  q.opaque = h.opaque;
  q.cas = h.cas;
  command->opcode = h.opcode;
  command->with_key = info.with_key;

  const size_t value_length = body - key - extras;
  const size_t head = kHeaderSize + extras + key;
  // Near the limit, whether the item fits depends on its flags (extras).
  if ((info.shape == Shape::kStore || info.shape == Shape::kConcat) &&
      !ItemFits(limits.item_size_max, key, value_length, /*flags=*/1) &&
      (input.size() < head ||
       !ItemFits(limits.item_size_max, key, value_length,
                 info.shape == Shape::kStore
                     ? Load32(input.data() + kHeaderSize)
                     : 0))) {
    // Refused without buffering the value; the key is needed first, since
    // a failed set drops the old value.
    if (input.size() < head) {
      r.needed = head;
      return r;
    }
    q.key = input.substr(kHeaderSize + extras, key);
    fail(kValueTooLarge, false);
    r.consumed = head;
    r.swallow = value_length;
    r.too_large = true;
    return r;
  }
  const size_t total = kHeaderSize + body;
  if (input.size() < total) {
    r.needed = total;
    return r;
  }
  const char* ext = input.data() + kHeaderSize;
  q.key = input.substr(kHeaderSize + extras, key);
  q.value = input.substr(head, value_length);
  switch (info.shape) {
    case Shape::kStore:
      q.flags = Load32(ext);
      q.exptime = Load32(ext + 4);
      break;
    case Shape::kArithmetic: {
      q.delta = Load64(ext);
      q.initial = Load64(ext + 8);
      const uint32_t exptime = Load32(ext + 16);
      // All ones: fail on a missing key instead of creating it.
      q.create = exptime != 0xffffffffu;
      q.vivify_exptime = q.create ? exptime : 0;
      break;
    }
    case Shape::kTouch:
      q.exptime = Load32(ext);
      break;
    case Shape::kFlush:
      if (extras == 4) q.exptime = Load32(ext);
      break;
    case Shape::kVerbosity:
      q.delta = Load32(ext);
      break;
    default:
      break;
  }
  r.status = ParseStatus::kOk;
  r.consumed = total;
  return r;
}

}  // namespace tinkercache::binary
