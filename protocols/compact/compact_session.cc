#include "protocols/compact/compact_session.h"

#include <array>
#include <cstring>

#include "src/core/byte_order.h"
#include "src/core/settings.h"

namespace tinkercache::compact {
namespace {

enum class Kind : uint8_t { kUnknown, kControl, kFlag, kRegister, kAction };

struct OpInfo {
  Kind kind = Kind::kUnknown;
  CommandId command = CommandId::kNoop;  // an action's
  uint32_t registers = 0;  // set (register, flag) or required (action)
  uint32_t reads = 0;      // optional registers an action reads
};

// The core command each action selects.
constexpr CommandId CommandOf(uint8_t action) {
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
    default: return CommandId::kNoop;  // NOOP, the only other action
  }
}


// The request table, generated from spec/compact_opcodes.tsv.
constexpr std::array<OpInfo, 256> kOps = [] {
  std::array<OpInfo, 256> t{};
#define TINKERCACHE_KIND_control Kind::kControl
#define TINKERCACHE_KIND_flag Kind::kFlag
#define TINKERCACHE_KIND_register Kind::kRegister
#define TINKERCACHE_KIND_action Kind::kAction
#define TINKERCACHE_OP(kind, name, code, param, regs, reads) \
  t[code] = {TINKERCACHE_KIND_##kind, CommandOf(code), regs, reads};
  TC_COMPACT_REQUEST_OPCODES(TINKERCACHE_OP)
#undef TINKERCACHE_OP
#undef TINKERCACHE_KIND_action
#undef TINKERCACHE_KIND_register
#undef TINKERCACHE_KIND_flag
#undef TINKERCACHE_KIND_control
  return t;
}();

using big_endian::Load32;
using big_endian::Load64;

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
  ParseResult r;
  if (!started_ && !input.empty()) {
    started_ = true;
    if (!StartsSession(static_cast<uint8_t>(input[0]))) {
      r.status = ParseStatus::kError;
      r.kind = ParseResult::kForeign;
      r.opcode = static_cast<uint8_t>(input[0]);
      r.consumed = 1;
      r.close = true;
      return r;
    }
  }
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  const size_t n = input.size();
  size_t pos = 0;
  command->applied = true;
  command->go = false;
  command->quit = false;
  // One switch on the opcode per opcode; a parameter not all there yet, or
  // an opcode for the generic parser, ends the run (`goto done`). GO runs
  // here too, so a pipeline of requests takes one call, not one per
  // request; the output limit is checked after each GO as the drive loop
  // would.
  while (pos < n) {
    const uint8_t op = in[pos];
    const size_t left = n - pos;
    const uint8_t* p = in + pos;
    switch (op) {
      case TC_OP_GO:
        pos += 1;
        if (!Go()) {
          command->quit = true;
          goto done;
        }
        if (out().size() >= output_limit()) goto done;
        break;
      case TC_OP_CLEAR:
        Clear();
        pos += 1;
        break;
      case TC_OP_FORGET:
        if (left < 2) goto done;
        Forget(p[1]);
        pos += 2;
        break;
      case TC_OP_QUIET:
      case TC_OP_WANT_CAS:
      case TC_OP_WANT_KEY:
        mask_ |= kOps[op].registers;
        pos += 1;
        break;
      // Every action of the table: the selection.
#define TINKERCACHE_IF_ACTION(kind, name, code, param, regs, reads) \
  TINKERCACHE_IF_ACTION_##kind(code)
#define TINKERCACHE_IF_ACTION_action(code) case code:
#define TINKERCACHE_IF_ACTION_control(code)
#define TINKERCACHE_IF_ACTION_flag(code)
#define TINKERCACHE_IF_ACTION_register(code)
      TC_COMPACT_REQUEST_OPCODES(TINKERCACHE_IF_ACTION)
#undef TINKERCACHE_IF_ACTION_register
#undef TINKERCACHE_IF_ACTION_flag
#undef TINKERCACHE_IF_ACTION_control
#undef TINKERCACHE_IF_ACTION_action
#undef TINKERCACHE_IF_ACTION
        selected_ = Selected::kBuiltIn;
        action_ = op;
        extension_ = nullptr;
        pos += 1;
        break;
      case TC_OP_KEY: {
        if (left < 2 || left - 2 < p[1]) goto done;
        const uint8_t length = p[1];
        if (length == 0 || length > kMaxKeyLength) {
          mask_ &= ~TC_REG_KEY;
          refused_ |= TC_REG_KEY;
          key_was_empty_ = length == 0;
          key_size_ = 0;
        } else {
          key_data_ = reinterpret_cast<const char*>(p + 2);
          key_size_ = length;
          refused_ &= ~TC_REG_KEY;
          mask_ |= TC_REG_KEY;
        }
        pos += 2 + size_t{length};
        break;
      }
      case TC_OP_VALUE8:
        if (left < 2 || left - 2 < p[1]) goto done;
        value_data_ = reinterpret_cast<const char*>(p + 2);
        value_size_ = p[1];
        refused_ &= ~TC_REG_VALUE;
        mask_ |= TC_REG_VALUE;
        pos += 2 + size_t{p[1]};
        break;
      case TC_OP_VALUE: {
        if (left < 5) goto done;
        const uint32_t length = Load32(p + 1);
        // Over the limit: the generic parser skips it as it arrives.
        if (length > limits_.item_size_max || left - 5 < length) goto done;
        value_data_ = reinterpret_cast<const char*>(p + 5);
        value_size_ = length;
        refused_ &= ~TC_REG_VALUE;
        mask_ |= TC_REG_VALUE;
        pos += 5 + size_t{length};
        break;
      }
      case TC_OP_GROUP:
        if (left < 2 || left - 2 < p[1]) goto done;
        std::memcpy(group_, p + 2, p[1]);
        group_length_ = p[1];
        mask_ |= TC_REG_GROUP;
        pos += 2 + size_t{p[1]};
        break;
      case TC_OP_DELTA8:
        if (left < 2) goto done;
        delta_ = p[1];
        mask_ |= TC_REG_DELTA;
        pos += 2;
        break;
      case TC_OP_FLAGS:
      case TC_OP_EXPTIME:
      case TC_OP_DELTA32:
      case TC_OP_OPAQUE: {
        if (left < 5) goto done;
        const uint32_t v = Load32(p + 1);
        switch (op) {
          case TC_OP_FLAGS: flags_ = v; break;
          case TC_OP_EXPTIME: exptime_ = static_cast<int32_t>(v); break;
          case TC_OP_OPAQUE: opaque_ = v; break;
          default: delta_ = v; break;
        }
        mask_ |= kOps[op].registers;
        pos += 5;
        break;
      }
      case TC_OP_UNIQUE:
      case TC_OP_DELTA64:
      case TC_OP_INITIAL: {
        if (left < 9) goto done;
        const uint64_t v = Load64(p + 1);
        switch (op) {
          case TC_OP_UNIQUE: cas_ = v; break;
          case TC_OP_INITIAL: initial_ = v; break;
          default: delta_ = v; break;
        }
        mask_ |= kOps[op].registers;
        pos += 9;
        break;
      }
      default:
        goto done;
    }
  }
done:
  if (pos > 0) {
    // What was applied is done; the rest is parsed on the next call.
    r.status = ParseStatus::kOk;
    r.consumed = pos;
    return r;
  }
  // The rare opcodes, one at a time: escaped, unknown, refused, reserved,
  // or incomplete.
  command->applied = false;
  r = compact::Parse(input, limits_, command);
  if (r.status == ParseStatus::kOk && r.consumed < n &&
      in[r.consumed] == TC_OP_GO) {
    command->go = true;
    ++r.consumed;
  }
  return r;
}

void CompactSession::Forget(uint8_t opcode) {
  // Any form of a register names it; anything else names nothing.
  const OpInfo& info = kOps[opcode];
  if (info.kind != Kind::kRegister && info.kind != Kind::kFlag) return;
  mask_ &= ~info.registers;
  refused_ &= ~info.registers;
  if (info.registers & TC_REG_KEY) key_size_ = 0;
  if (info.registers & TC_REG_VALUE) value_size_ = 0;
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
    case ParseResult::kForeign:
      return End(TC_STATUS_FRAMING,
                 "not a compact stream: a connection begins with a "
                 "no-parameter opcode such as CLEAR");
    case ParseResult::kUnknown:
      if (ParamOf(result.opcode) == Param::kNone) {
        // An unknown action: GO must not run the one selected before it.
        selected_ = Selected::kUnknown;
        action_ = result.opcode;
        unknown_extended_ = result.extended;
        extension_ = nullptr;
      } else {
        ++skipped_;
      }
      return;
    case ParseResult::kRefused:
      mask_ &= ~TC_REG_VALUE;
      refused_ |= TC_REG_VALUE;
      value_size_ = 0;
      return;
    case ParseResult::kNone:
      return;
  }
}

void CompactSession::Clear() {
  mask_ = 0;
  refused_ = 0;
  selected_ = Selected::kNone;
  action_ = 0;
  extension_ = nullptr;
  key_size_ = 0;
  value_size_ = 0;
}

bool CompactSession::Execute(const Command& c) {
  if (c.applied) return !c.quit;  // Parse did it all
  // The generic parser passes on only the registered commands' actions.
  extension_ = limits_.extensions->FindByCompactOpcode(c.opcode);
  selected_ = Selected::kExtension;
  return !c.go || Go();
}

void CompactSession::EndOfInput() {
  // The input is reused after this call: keep the registers' bytes.
  if (key_size_ != 0 && key_data_ != key_store_) {
    std::memcpy(key_store_, key_data_, key_size_);
    key_data_ = key_store_;
  }
  if (value_size_ != 0 && value_data_ != value_store_.data()) {
    value_store_.assign(value_data_, value_size_);
    value_data_ = value_store_.data();
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

bool CompactSession::AnswerRefused(uint32_t uses, const Request& request) {
  const uint32_t refused = refused_ & uses;
  if (refused == 0) return false;
  if (refused & TC_REG_KEY) {
    End(TC_STATUS_INVALID, key_was_empty_ ? "KEY is empty"
                                          : "KEY is longer than 250 bytes");
    return true;
  }
  // A store whose value was refused drops the key's old item, as memcached
  // does when a set fails for size.
  // The stores are the actions that require VALUE.
  if (selected_ == Selected::kBuiltIn &&
      (kOps[action_].registers & TC_REG_VALUE) && (mask_ & TC_REG_KEY)) {
    executor().RejectTooLarge(request);
  }
  End(TC_STATUS_TOO_LARGE, "VALUE exceeds the item size limit");
  return true;
}

Request& CompactSession::NewRequest(CommandId command, uint32_t reads) {
  // Every field a compact request sets, each assigned once and without a
  // branch: cheaper than building a Request from scratch for each GO. Only
  // the registers the action reads count: a FLAGS or UNIQUE left from an
  // earlier command does not change one that ignores it.
  const uint32_t set = mask_ & reads;
  const bool create = (set & TC_REG_INITIAL) != 0;
  const int32_t exptime = (set & TC_REG_EXPTIME) ? exptime_ : 0;
  Request& r = request_;
  r.command = command;
  r.quiet = (mask_ & TC_REG_QUIET) != 0;
  r.key = std::string_view(key_data_, key_size_);
  r.value = std::string_view(value_data_,
                             (set & TC_REG_VALUE) ? value_size_ : 0);
  r.opaque = opaque_;
  r.flags = (set & TC_REG_FLAGS) ? flags_ : 0;
  // A set CAS register is compared whatever its value: 0 matches no item.
  r.cas = (set & TC_REG_CAS) ? cas_ : 0;
  r.meta = (set & TC_REG_CAS) ? kMetaCompareCas : 0;
  r.delta = (set & TC_REG_DELTA) ? delta_ : 0;
  // INITIAL: a missing counter is created, expiring after EXPTIME.
  r.create = create;
  r.initial = create ? initial_ : 0;
  r.vivify_exptime = create ? exptime : 0;
  r.exptime = create ? 0 : exptime;
  return r;
}

bool CompactSession::GoRegistered() {
  // A registered command's arguments come from the same registers: the key
  // from KEY, the string from VALUE, the number from DELTA.
  uint32_t required = 0;
  if (extension_->Takes(ArgKind::kKey)) required |= TC_REG_KEY;
  if (extension_->Takes(ArgKind::kString)) required |= TC_REG_VALUE;
  if (extension_->Takes(ArgKind::kNumber)) required |= TC_REG_DELTA;
  Request& request = NewRequest(extension_->id, required);
  if (AnswerRefused(required, request) || !HasRegisters(required)) return true;
  executor().Execute(request, *this);
  return true;
}

bool CompactSession::Go() {
  if (selected_ != Selected::kBuiltIn) [[unlikely]] return GoOther();
  const OpInfo& info = kOps[action_];
  const uint32_t uses = info.registers | info.reads;
  Request& request = NewRequest(info.command, uses);
  // GO's checks (section 3.2), each one mask test.
  if ((refused_ & uses) != 0) [[unlikely]] {
    AnswerRefused(uses, request);
    return true;
  }
  if ((mask_ & info.registers) != info.registers) [[unlikely]] {
    HasRegisters(info.registers);
    return true;
  }
  if (info.command == CommandId::kStats) [[unlikely]] {
    request.key = (mask_ & TC_REG_GROUP)
                      ? std::string_view(group_, group_length_)
                      : std::string_view();
    if (executor().Execute(request, *this) == Status::kOk) {
      End(TC_STATUS_OK);
    } else {
      End(TC_STATUS_NOT_FOUND, "no such stats group");
    }
    return true;
  }
  executor().Execute(request, *this);
  return info.command != CommandId::kQuit;
}

bool CompactSession::GoOther() {
  switch (selected_) {
    case Selected::kNone:
      End(TC_STATUS_NO_ACTION, MessageOf(TC_STATUS_NO_ACTION));
      return true;
    case Selected::kUnknown: {
      char text[64];
      const size_t n = static_cast<size_t>(std::snprintf(
          text, sizeof(text), "unknown action %s0x%02x",
          unknown_extended_ ? "0xff " : "", action_));
      End(TC_STATUS_UNKNOWN_COMMAND, std::string_view(text, n));
      return true;
    }
    case Selected::kExtension:
      return GoRegistered();
    case Selected::kBuiltIn:
      break;
  }
  return Go();  // not reached: Go() sends only the others here
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
  big_endian::Store32(p + 1, value);
  out().Commit(5);
}

void CompactSession::Field64(uint8_t code, uint64_t value) {
  char* p = out().Reserve(9);
  p[0] = static_cast<char>(code);
  big_endian::Store64(p + 1, value);
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
  // The header, then the value by an unbounded copy: a copy the compiler
  // knows is at most 255 bytes becomes a slow `rep movs`.
  if (value.size() <= 255) {
    char* p = out().Reserve(2);
    p[0] = static_cast<char>(TC_R_VALUE8);
    p[1] = static_cast<char>(value.size());
    out().Commit(2);
  } else {
    Field32(TC_R_VALUE, static_cast<uint32_t>(value.size()));
  }
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
  const Request& request = request_;
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
      return EndOk();
    case CommandId::kStats:
      FieldString(TC_R_STAT_NAME, r.key);
      // A cachedump or prefix line may pass 255 bytes: its long form.
      if (r.value.size() <= 255) return FieldString(TC_R_STAT_VALUE, r.value);
      Field32(TC_R_STAT_VALUE_LONG, static_cast<uint32_t>(r.value.size()));
      return out().Append(r.value);
    case CommandId::kVersion:
      FieldString(TC_R_VALUE8, r.value);
      return EndOk();
    case CommandId::kIncr:
    case CommandId::kDecr:
      if (quiet) return;
      // Section 4's field order: CAS before NUMBER.
      if (mask_ & TC_REG_WANT_CAS) Field64(TC_R_CAS, r.cas);
      Field64(TC_R_NUMBER, r.number);
      return EndOk();
    case CommandId::kNoop:
      return EndOk();  // never quiet: it ends a quiet pipeline
    default:
      if (quiet) return;
      if ((mask_ & TC_REG_WANT_CAS) && r.cas != 0) Field64(TC_R_CAS, r.cas);
      return EndOk();
  }
}

}  // namespace tinkercache::compact
