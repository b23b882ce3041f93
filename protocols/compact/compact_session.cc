#include "protocols/compact/compact_session.h"

#include <array>
#include <cstring>

#include "src/core/settings.h"

namespace tinkercache::compact {
namespace {

enum class Kind : uint8_t { kUnknown, kControl, kFlag, kRegister, kAction };

struct OpInfo {
  Kind kind = Kind::kUnknown;
  uint32_t registers = 0;  // set (register, flag) or required (action)
};

// The request table, generated from spec/compact_opcodes.tsv.
constexpr std::array<OpInfo, 256> kOps = [] {
  std::array<OpInfo, 256> t{};
  constexpr auto control = Kind::kControl;
  constexpr auto flag = Kind::kFlag;
  constexpr auto reg = Kind::kRegister;
  constexpr auto action = Kind::kAction;
#define register reg
#define TINKERCACHE_OP(kind, name, code, param, regs) t[code] = {kind, regs};
  TC_COMPACT_REQUEST_OPCODES(TINKERCACHE_OP)
#undef TINKERCACHE_OP
#undef register
  return t;
}();

// The core command each action selects.
CommandId CommandOf(uint8_t action) {
  switch (action) {
    case TC_OP_GET: return CommandId::kGet;
    case TC_OP_GAT: return CommandId::kGetAndTouch;
    case TC_OP_TOUCH: return CommandId::kTouch;
    case TC_OP_SET: return CommandId::kSet;
    case TC_OP_ADD: return CommandId::kAdd;
    case TC_OP_REPLACE: return CommandId::kReplace;
    case TC_OP_APPEND: return CommandId::kAppend;
    case TC_OP_PREPEND: return CommandId::kPrepend;
    case TC_OP_CAS: return CommandId::kCas;
    case TC_OP_DELETE: return CommandId::kDelete;
    case TC_OP_INCR: return CommandId::kIncr;
    case TC_OP_DECR: return CommandId::kDecr;
    case TC_OP_FLUSH: return CommandId::kFlush;
    case TC_OP_VERSION: return CommandId::kVersion;
    case TC_OP_STATS: return CommandId::kStats;
    case TC_OP_VERBOSITY: return CommandId::kVerbosity;
    case TC_OP_QUIT: return CommandId::kQuit;
    default: return CommandId::kNoop;
  }
}

uint8_t StatusCode(Status status) {
  switch (status) {
    case Status::kOk: return TC_STATUS_OK;
    case Status::kNotFound: return TC_STATUS_NOT_FOUND;
    case Status::kExists: return TC_STATUS_EXISTS;
    case Status::kNotStored: return TC_STATUS_NOT_STORED;
    case Status::kTooLarge: return TC_STATUS_TOO_LARGE;
    case Status::kNoMemory: return TC_STATUS_NO_MEMORY;
    case Status::kNonNumeric: return TC_STATUS_NON_NUMERIC;
    case Status::kInvalidArguments: return TC_STATUS_INVALID;
    case Status::kUnknownCommand: return TC_STATUS_UNKNOWN_COMMAND;
    case Status::kInternalError: return TC_STATUS_INTERNAL;
  }
  return TC_STATUS_INTERNAL;
}

// Text for statuses that are errors rather than ordinary outcomes.
std::string_view MessageOf(uint8_t status) {
  switch (status) {
    case TC_STATUS_TOO_LARGE: return "object too large for cache";
    case TC_STATUS_NO_MEMORY: return "out of memory storing object";
    case TC_STATUS_NON_NUMERIC:
      return "cannot increment or decrement non-numeric value";
    case TC_STATUS_UNKNOWN_COMMAND: return "the server has no handler for this action";
    case TC_STATUS_NO_ACTION: return "GO with no action selected";
    case TC_STATUS_INTERNAL: return "internal error";
    default: return {};
  }
}

bool IsStorage(uint8_t action) {
  switch (action) {
    case TC_OP_SET:
    case TC_OP_ADD:
    case TC_OP_REPLACE:
    case TC_OP_APPEND:
    case TC_OP_PREPEND:
    case TC_OP_CAS:
      return true;
    default:
      return false;
  }
}

constexpr std::pair<uint32_t, std::string_view> kRegisterNames[] = {
    {TC_REG_KEY, "KEY"},         {TC_REG_VALUE, "VALUE"},
    {TC_REG_FLAGS, "FLAGS"},     {TC_REG_EXPTIME, "EXPTIME"},
    {TC_REG_CAS, "CAS"},         {TC_REG_DELTA, "DELTA"},
    {TC_REG_INITIAL, "INITIAL"}, {TC_REG_OPAQUE, "OPAQUE"},
    {TC_REG_GROUP, "GROUP"},
};

}  // namespace

CompactSession::CompactSession(Executor& executor) : CodecSession(executor) {
  limits_.item_size_max = executor.settings().item_size_max;
  limits_.extensions = executor.extensions();
}

ParseResult CompactSession::Parse(std::string_view input, Command* command,
                                  size_t /*scanned*/) {
  ParseResult r = compact::Parse(input, limits_, command);
  // "KEY k GO", "VALUE v GO": a request's last register and its GO take
  // one pass through the drive loop instead of two.
  command->then_go = r.status == ParseStatus::kOk &&
                     r.consumed < input.size() &&
                     static_cast<uint8_t>(input[r.consumed]) == TC_OP_GO &&
                     (command->opcode != TC_OP_GO || command->extended);
  if (command->then_go) ++r.consumed;
  return r;
}

void CompactSession::WriteError(const ParseResult& result, const Command&) {
  switch (result.kind) {
    case ParseResult::kFraming: {
      char text[64];
      const size_t n = static_cast<size_t>(std::snprintf(
          text, sizeof(text), "reserved opcode 0x%02x: the stream cannot be parsed",
          result.opcode));
      return End(TC_STATUS_FRAMING, std::string_view(text, n));
    }
    case ParseResult::kUnknown:
      ++skipped_;
      return;
    case ParseResult::kRefused:
      // The next GO answers it, so every GO still gets exactly one reply.
      mask_ &= ~TC_REG_VALUE;
      value_ = {};
      pending_ = TC_STATUS_TOO_LARGE;
      pending_message_ = "VALUE exceeds the item size limit";
      return;
    case ParseResult::kNone:
      return;
  }
}

void CompactSession::Clear() {
  mask_ = 0;
  action_ = 0;
  extension_ = nullptr;
  pending_ = 0;
  value_ = {};
}

bool CompactSession::Execute(const Command& c) {
  if (!ExecuteOne(c)) return false;
  return !c.then_go || Go();
}

bool CompactSession::ExecuteOne(const Command& c) {
  if (c.extended) {
    // Only registered actions reach here; the parser skips the rest.
    extension_ = limits_.extensions->FindByCompactOpcode(c.opcode);
    action_ = 0;
    return true;
  }
  const OpInfo& op = kOps[c.opcode];
  switch (op.kind) {
    case Kind::kControl:
      if (c.opcode == TC_OP_GO) return Go();
      Clear();
      return true;
    case Kind::kFlag:
      mask_ |= op.registers;
      return true;
    case Kind::kAction:
      action_ = c.opcode;
      extension_ = nullptr;
      return true;
    case Kind::kUnknown:
      ++skipped_;
      return true;
    case Kind::kRegister:
      break;
  }
  switch (c.opcode) {
    case TC_OP_KEY:
      if (c.text.empty() || c.text.size() > kMaxKeyLength) {
        mask_ &= ~TC_REG_KEY;
        pending_ = TC_STATUS_INVALID;
        pending_message_ = c.text.empty() ? "KEY is empty"
                                          : "KEY is longer than 250 bytes";
        return true;
      }
      std::memcpy(key_, c.text.data(), c.text.size());
      key_length_ = static_cast<uint8_t>(c.text.size());
      break;
    case TC_OP_VALUE8:
    case TC_OP_VALUE:
      value_ = c.text;
      break;
    case TC_OP_GROUP:
      std::memcpy(group_, c.text.data(), c.text.size());
      group_length_ = static_cast<uint8_t>(c.text.size());
      break;
    case TC_OP_FLAGS: flags_ = static_cast<uint32_t>(c.number); break;
    case TC_OP_EXPTIME:
      exptime_ = static_cast<int32_t>(static_cast<uint32_t>(c.number));
      break;
    case TC_OP_OPAQUE: opaque_ = static_cast<uint32_t>(c.number); break;
    case TC_OP_UNIQUE: cas_ = c.number; break;
    case TC_OP_INITIAL: initial_ = c.number; break;
    default: delta_ = c.number; break;  // DELTA8, DELTA32, DELTA64
  }
  mask_ |= op.registers;
  return true;
}

void CompactSession::EndOfInput() {
  // The input is reused after this call: keep the value register's bytes.
  if (!value_.empty() && value_.data() != value_store_.data()) {
    value_store_.assign(value_.data(), value_.size());
    value_ = value_store_;
  }
}

bool CompactSession::HasRegisters(uint32_t required) {
  if ((mask_ & required) == required) return true;
  std::string message = "GO needs";
  for (const auto& [bit, name] : kRegisterNames) {
    if (required & bit & ~mask_) message.append(" ").append(name);
  }
  End(TC_STATUS_MISSING, message);
  return false;
}

bool CompactSession::GoRegistered(Request& request) {
  // A registered command's arguments come from the same registers: the key
  // from KEY, the string from VALUE, the number from DELTA.
  uint32_t required = 0;
  if (extension_->Takes(ArgKind::kKey)) required |= TC_REG_KEY;
  if (extension_->Takes(ArgKind::kString)) required |= TC_REG_VALUE;
  if (extension_->Takes(ArgKind::kNumber)) required |= TC_REG_DELTA;
  if (!HasRegisters(required)) return true;
  request.command = extension_->id;
  if (mask_ & TC_REG_VALUE) request.value = value_;
  if (mask_ & TC_REG_DELTA) request.delta = delta_;
  request.opaque = opaque_;
  executor().Execute(request, *this);
  return true;
}

bool CompactSession::Go() {
  Request request;
  request.command = CommandOf(action_);
  request.quiet = mask_ & TC_REG_QUIET;
  request.key = std::string_view(key_, key_length_);
  current_ = &request;
  if (pending_ != 0) {
    const uint8_t status = pending_;
    pending_ = 0;
    if (status == TC_STATUS_TOO_LARGE && IsStorage(action_) &&
        (mask_ & TC_REG_KEY)) {
      executor().RejectTooLarge(request);
    }
    End(status, pending_message_);
    return true;
  }
  if (extension_ != nullptr) return GoRegistered(request);
  if (action_ == 0) {
    End(TC_STATUS_NO_ACTION, MessageOf(TC_STATUS_NO_ACTION));
    return true;
  }
  if (!HasRegisters(kOps[action_].registers)) return true;
  if (mask_ & TC_REG_VALUE) request.value = value_;
  // An append or prepend keeps the item's flags: a FLAGS register left from
  // an earlier command must not count against the item size limit.
  if ((mask_ & TC_REG_FLAGS) && request.command != CommandId::kAppend &&
      request.command != CommandId::kPrepend) {
    request.flags = flags_;
  }
  if (mask_ & TC_REG_EXPTIME) request.exptime = exptime_;
  if (mask_ & TC_REG_CAS) request.cas = cas_;
  if (mask_ & TC_REG_DELTA) request.delta = delta_;
  if (mask_ & TC_REG_INITIAL) {
    request.create = true;
    request.initial = initial_;
    request.vivify_exptime = request.exptime;
  }
  request.opaque = opaque_;
  if (request.command == CommandId::kStats) {
    request.key = (mask_ & TC_REG_GROUP)
                      ? std::string_view(group_, group_length_)
                      : std::string_view();
  }
  if (request.command == CommandId::kNoop && action_ != TC_OP_NOOP) {
    End(TC_STATUS_UNKNOWN_COMMAND, MessageOf(TC_STATUS_UNKNOWN_COMMAND));
    return true;
  }
  const Status status = executor().Execute(request, *this);
  switch (request.command) {
    case CommandId::kStats:
      if (status == Status::kOk) {
        End(TC_STATUS_OK);
      } else {
        End(TC_STATUS_NOT_FOUND, "no such stats group");
      }
      return true;
    case CommandId::kQuit:
      return false;
    default:
      return true;
  }
}

void CompactSession::Field8(uint8_t code, uint8_t value) {
  char* p = out().Reserve(2);
  p[0] = static_cast<char>(code);
  p[1] = static_cast<char>(value);
  out().Commit(2);
}

void CompactSession::Field32(uint8_t code, uint32_t value) {
  char* p = out().Reserve(5);
  p[0] = static_cast<char>(code);
  for (int i = 0; i < 4; ++i) p[1 + i] = static_cast<char>(value >> (24 - 8 * i));
  out().Commit(5);
}

void CompactSession::Field64(uint8_t code, uint64_t value) {
  char* p = out().Reserve(9);
  p[0] = static_cast<char>(code);
  for (int i = 0; i < 8; ++i) p[1 + i] = static_cast<char>(value >> (56 - 8 * i));
  out().Commit(9);
}

void CompactSession::FieldString(uint8_t code, std::string_view text) {
  const size_t n = text.size() > 255 ? 255 : text.size();
  char* p = out().Reserve(2 + n);
  p[0] = static_cast<char>(code);
  p[1] = static_cast<char>(n);
  CopyBytes(p + 2, text.substr(0, n));
  out().Commit(2 + n);
}

void CompactSession::FieldValue(std::string_view value) {
  if (value.size() <= 255) return FieldString(TC_R_VALUE8, value);
  Field32(TC_R_VALUE, static_cast<uint32_t>(value.size()));
  out().Append(value);
}

void CompactSession::End(uint8_t status, std::string_view message) {
  if (!message.empty()) FieldString(TC_R_MESSAGE, message);
  if (mask_ & TC_REG_OPAQUE) Field32(TC_R_OPAQUE, opaque_);
  if (skipped_ > 0) {
    Field8(TC_R_SKIPPED, static_cast<uint8_t>(skipped_ > 255 ? 255 : skipped_));
    skipped_ = 0;
  }
  if (status == TC_STATUS_OK) {
    out().Append(static_cast<char>(TC_R_OK));
  } else {
    Field8(TC_R_STATUS, status);
  }
}

void CompactSession::Send(const Response& r) {
  const Request& request = *current_;
  const bool quiet = request.quiet;
  const CommandId command = request.command;
  if (IsExtension(command)) {
    if (quiet && r.status == Status::kOk) return;
    if (!r.value.empty()) FieldValue(r.value);
    if (r.number != 0) Field64(TC_R_NUMBER, r.number);
    const uint8_t status = StatusCode(r.status);
    return End(status, r.value.empty() ? MessageOf(status) : std::string_view());
  }
  if (r.status != Status::kOk) {
    const bool miss = r.status == Status::kNotFound &&
                      (command == CommandId::kGet ||
                       command == CommandId::kGetAndTouch);
    if (miss && quiet) return;  // quiet gets are silent on a miss
    const uint8_t status = StatusCode(r.status);
    return End(status, MessageOf(status));
  }
  switch (command) {
    case CommandId::kGet:
    case CommandId::kGetAndTouch:
      if (mask_ & TC_REG_WANT_KEY) FieldString(TC_R_KEY, request.key);
      if (r.flags != 0) Field32(TC_R_FLAGS, r.flags);
      if (mask_ & TC_REG_WANT_CAS) Field64(TC_R_CAS, r.cas);
      FieldValue(r.value);
      return End(TC_STATUS_OK);
    case CommandId::kStats:
      FieldString(TC_R_STAT_NAME, r.key);
      return FieldString(TC_R_STAT_VALUE, r.value);
    case CommandId::kVersion:
      FieldString(TC_R_VALUE8, r.value);
      return End(TC_STATUS_OK);
    case CommandId::kIncr:
    case CommandId::kDecr:
      if (quiet) return;
      // Section 4's field order: CAS before NUMBER.
      if (mask_ & TC_REG_WANT_CAS) Field64(TC_R_CAS, r.cas);
      Field64(TC_R_NUMBER, r.number);
      return End(TC_STATUS_OK);
    case CommandId::kNoop:
      return End(TC_STATUS_OK);  // never quiet: it ends a quiet pipeline
    default:
      if (quiet) return;
      if ((mask_ & TC_REG_WANT_CAS) && r.cas != 0) Field64(TC_R_CAS, r.cas);
      return End(TC_STATUS_OK);
  }
}

}  // namespace tinkercache::compact
