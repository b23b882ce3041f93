#include "protocols/binary/binary_session.h"

#include <optional>
#include <string>

namespace tinkercache::binary {
namespace {

std::string_view Message(uint16_t status) {
  switch (status) {
    case kKeyNotFound: return "Not found";
    case kKeyExists: return "Data exists for key.";
    case kValueTooLarge: return "Too large.";
    case kInvalidArguments: return "Invalid arguments";
    case kItemNotStored: return "Not stored.";
    case kNonNumeric: return "Non-numeric server-side value for incr or decr";
    case kUnknownCommand: return "Unknown command";
    case kOutOfMemory: return "Out of memory";
    default: return "Internal error";
  }
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The group a STAT key asks for, read as memcached's binary protocol reads
// it: "reset", "settings" and "detail" by their first bytes ("detail"
// followed by " on", " off" or " dump"), its other groups by the whole key;
// nothing for what it does not serve there (conns, cachedump, a group with
// arguments).
std::optional<std::string_view> StatsGroupOf(std::string_view key) {
  if (key.empty()) return key;
  if (StartsWith(key, "reset")) return std::string_view("reset");
  if (StartsWith(key, "settings")) return std::string_view("settings");
  if (StartsWith(key, "detail")) {
    const std::string_view arg = key.substr(6);
    if (StartsWith(arg, " dump")) return std::string_view("detail dump");
    if (StartsWith(arg, " on")) return std::string_view("detail on");
    if (StartsWith(arg, " off")) return std::string_view("detail off");
    return std::nullopt;
  }
  if (key.find(' ') != std::string_view::npos || key == "conns" ||
      key == "cachedump") {
    return std::nullopt;
  }
  return key;
}

uint16_t WireStatusOf(Status status, CommandId command) {
  switch (status) {
    case Status::kOk: return kSuccess;
    case Status::kNotFound: return kKeyNotFound;
    case Status::kExists: return kKeyExists;
    case Status::kNotStored:
      // memcached reports the failed precondition, not a generic refusal.
      if (command == CommandId::kAdd) return kKeyExists;
      if (command == CommandId::kReplace) return kKeyNotFound;
      return kItemNotStored;
    case Status::kTooLarge: return kValueTooLarge;
    case Status::kNoMemory: return kOutOfMemory;
    case Status::kNonNumeric: return kNonNumeric;
    case Status::kInvalidArguments: return kInvalidArguments;
    case Status::kUnknownCommand: return kUnknownCommand;
    case Status::kInternalError: return kInternalError;
  }
  return kInternalError;
}

}  // namespace

BinarySession::BinarySession(Executor& executor) : CodecSession(executor) {
  limits_.item_size_max = executor.settings().item_size_max;
  limits_.extensions = executor.extensions();
}

ParseResult BinarySession::Parse(std::string_view input, Command* command,
                                 size_t /*scanned*/) {
  return binary::Parse(input, limits_, command);
}

void BinarySession::WriteError(const ParseResult& result, const Command&) {
  if (!result.silent) Error(result.opcode, result.opaque, result.error);
}

void BinarySession::RejectTooLarge(const Command& command) {
  // memcached's binary protocol counts no store_too_large.
  executor().RejectTooLarge(command.request, /*count_too_large=*/false);
}

bool BinarySession::Stats(const Command& command) {
  const std::optional<std::string_view> group =
      StatsGroupOf(command.request.key);
  if (!group) {
    Error(command.opcode, command.request.opaque, kKeyNotFound);
    return true;
  }
  Request request = command.request;
  request.key = *group;
  // memcached sends the whole detail dump as one stat, "detailed".
  detail_dump_ = *group == "detail dump";
  dump_.clear();
  const Status status = executor().Execute(request, *this);
  // The stats end with an empty packet; an unknown group is an error.
  if (status == Status::kOk) {
    if (detail_dump_) {
      dump_ += "END\r\n";
      Packet(kSuccess, 0, {}, "detailed", dump_);
    }
    Packet(kSuccess, 0, {}, {}, {});
  } else {
    Error(command.opcode, command.request.opaque, kKeyNotFound);
  }
  detail_dump_ = false;
  dump_.clear();
  return true;
}

bool BinarySession::Execute(const Command& command) {
  current_ = &command;
  if (command.request.command == CommandId::kStats) return Stats(command);
  const Status status = executor().Execute(command.request, *this);
  switch (command.request.command) {
    case CommandId::kTouch:
      // memcached's binary TOUCH counts as a get in the per-prefix stats.
      executor().RecordDetailGet(command.request.key, status == Status::kOk);
      return true;
    case CommandId::kQuit:
      return false;
    default:
      return true;
  }
}

void BinarySession::Packet(uint16_t status, uint64_t cas,
                           std::string_view extras, std::string_view key,
                           std::string_view value) {
  const size_t body = extras.size() + key.size() + value.size();
  char* p = out().Reserve(kHeaderSize + body);
  p[0] = static_cast<char>(kResponseMagic);
  p[1] = static_cast<char>(current_->opcode);
  Store16(p + 2, static_cast<uint16_t>(key.size()));
  p[4] = static_cast<char>(extras.size());
  p[5] = 0;
  Store16(p + 6, status);
  Store32(p + 8, static_cast<uint32_t>(body));
  std::memcpy(p + 12, &current_->request.opaque, 4);
  Store64(p + 16, cas);
  char* q = p + kHeaderSize;
  q = CopyBytes(q, extras);
  q = CopyBytes(q, key);
  CopyBytes(q, value);
  out().Commit(kHeaderSize + body);
}

void BinarySession::Error(uint8_t opcode, uint32_t opaque, uint16_t status) {
  Command reply;  // the packet's opcode and opaque, without a request
  reply.opcode = opcode;
  reply.request.opaque = opaque;
  const Command* saved = current_;
  current_ = &reply;
  Packet(status, 0, {}, {}, Message(status));
  current_ = saved;
}

void BinarySession::Send(const Response& r) {
  const Request& request = current_->request;
  const CommandId command = request.command;
  if (IsExtension(command)) {
    // A registered command: its value, or memcached's message for an error
    // that has none.
    const uint16_t status = WireStatusOf(r.status, command);
    return Packet(status, r.cas, {}, {},
                  r.value.empty() && status != kSuccess ? Message(status)
                                                        : r.value);
  }
  if (r.status != Status::kOk) {
    if (r.status == Status::kNotFound &&
        (command == CommandId::kGet || command == CommandId::kGetAndTouch)) {
      if (request.quiet) return;  // quiet gets are silent on a miss
      if (current_->with_key) {
        return Packet(kKeyNotFound, 0, {}, request.key, {});
      }
    }
    return Error(current_->opcode, request.opaque,
                 WireStatusOf(r.status, command));
  }
  char extras[8];
  switch (command) {
    case CommandId::kGet:
    case CommandId::kGetAndTouch:
      Store32(extras, r.flags);
      return Packet(kSuccess, r.cas, {extras, 4},
                    current_->with_key ? request.key : std::string_view(),
                    r.value);
    case CommandId::kTouch:
      Store32(extras, r.flags);
      return Packet(kSuccess, r.cas, {extras, 4}, {}, {});
    case CommandId::kIncr:
    case CommandId::kDecr:
      if (request.quiet) return;
      Store64(extras, r.number);
      return Packet(kSuccess, r.cas, {}, {}, {extras, 8});
    case CommandId::kVersion:
      return Packet(kSuccess, 0, {}, {}, r.value);
    case CommandId::kStats:
      if (detail_dump_) {
        dump_.append(r.key);
        dump_ += ' ';
        dump_.append(r.value);
        dump_ += "\r\n";
        return;
      }
      return Packet(kSuccess, 0, {}, r.key, r.value);
    default:
      if (request.quiet) return;
      return Packet(kSuccess, r.cas, {}, {}, {});
  }
}

}  // namespace tinkercache::binary
