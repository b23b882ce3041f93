#include "protocols/ascii/ascii_session.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace tinkercache::ascii {

AsciiSession::AsciiSession(Executor& executor) : CodecSession(executor) {
  limits_.item_size_max = executor.settings().item_size_max;
  limits_.extensions = executor.extensions();
  limits_.max_retrieval_line =
      std::max<size_t>(limits_.max_retrieval_line, limits_.item_size_max);
}

ParseResult AsciiSession::Parse(std::string_view input, Command* command,
                                size_t scanned) {
  return ascii::Parse(input, limits_, command, scanned);
}

void AsciiSession::WriteError(const ParseResult& result,
                              const Command& command) {
  if (result.counted) executor().CountRefused(command.request);
  if (result.miss_counted) executor().CountRefusedGet(command.request);
  if (!result.quiet) Line(result.error);
}

bool AsciiSession::Execute(const Command& command) {
  current_ = &command;
  if (command.retrieval) {
    if (!command.keys.empty()) {
      // Many keys can answer far more than the output limit: past it, stop
      // after a key and resume from the next once the output is sent.
      Request request = command.request;
      std::string_view rest = command.keys.substr(resume_at_);
      for (request.key = NextKey(rest); !request.key.empty();
           request.key = NextKey(rest)) {
        executor().Execute(request, *this);
        if (out().size() >= output_limit() &&
            rest.find_first_not_of(' ') != std::string_view::npos) {
          resume_at_ = command.keys.size() - rest.size();
          Suspend();
          return true;
        }
      }
      resume_at_ = 0;
    } else if (!command.request.key.empty()) {
      executor().Execute(command.request, *this);  // the one key
    }
    Line("END");
    return true;
  }
  if (command.request.command == CommandId::kStats) {
    return Stats(command.request);
  }
  executor().Execute(command.request, *this);
  return command.request.command != CommandId::kQuit;
}

bool AsciiSession::Stats(const Request& request) {
  const StatsGroup group =
      ParseStatsGroup(request.key, executor().settings().dump_enabled);
  raw_stats_ = group.raw_lines();
  const Status status = executor().Execute(request, *this);
  raw_stats_ = false;
  if (group.kind == StatsGroup::kRefused) {
    Line(group.error);
  } else if (status != Status::kOk) {
    Line("ERROR");
  } else if (group.kind == StatsGroup::kReset) {
    Line("RESET");
  } else if (group.kind == StatsGroup::kDetailOn ||
             group.kind == StatsGroup::kDetailOff) {
    Line("OK");
  } else {
    Line("END");
  }
  return true;
}

void AsciiSession::Line(std::string_view text) {
  char* p = out().Reserve(text.size() + 2);
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\r';
  p[text.size() + 1] = '\n';
  out().Commit(text.size() + 2);
}

bool AsciiSession::CommonError(Status status) {
  switch (status) {
    case Status::kUnknownCommand:
      Line("ERROR");
      return true;
    case Status::kInternalError:
      Line("SERVER_ERROR internal error");
      return true;
    case Status::kInvalidArguments:
      Line("CLIENT_ERROR bad command line format");
      return true;
    default:
      return false;
  }
}

void AsciiSession::Send(const Response& r) {
  if (current_->meta != 0) return MetaSend(r);
  const Request& request = current_->request;
  OutBuffer& out = this->out();
  if (current_->retrieval) {
    if (r.status != Status::kOk) return;  // a miss prints nothing
    // "VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n" in one
    // reservation: 6 + key + 3 numbers of at most 20 digits + separators.
    char* const start =
        out.Reserve(6 + r.key.size() + 3 * 21 + 2 + r.value.size() + 2);
    char* p = start;
    std::memcpy(p, "VALUE ", 6);
    p += 6;
    std::memcpy(p, r.key.data(), r.key.size());
    p += r.key.size();
    *p++ = ' ';
    p = std::to_chars(p, p + 20, r.flags).ptr;
    *p++ = ' ';
    p = std::to_chars(p, p + 20, r.value.size()).ptr;
    if (current_->with_cas) {
      *p++ = ' ';
      p = std::to_chars(p, p + 20, r.cas).ptr;
    }
    *p++ = '\r';
    *p++ = '\n';
    p = CopyBytes(p, r.value);
    *p++ = '\r';
    *p++ = '\n';
    out.Commit(static_cast<size_t>(p - start));
    return;
  }
  if (request.quiet) return;
  if (IsExtension(request.command)) {
    // A registered command answers with its value, or its status's word.
    if (!r.value.empty()) return Line(r.value);
    switch (r.status) {
      case Status::kOk: return Line("OK");
      case Status::kNotFound: return Line("NOT_FOUND");
      case Status::kExists: return Line("EXISTS");
      case Status::kNotStored: return Line("NOT_STORED");
      default: break;
    }
  }
  if (CommonError(r.status)) return;
  switch (request.command) {
    case CommandId::kSet:
    case CommandId::kAdd:
    case CommandId::kReplace:
    case CommandId::kAppend:
    case CommandId::kPrepend:
    case CommandId::kCas:
      switch (r.status) {
        case Status::kOk: return Line("STORED");
        case Status::kNotStored: return Line("NOT_STORED");
        case Status::kExists: return Line("EXISTS");
        case Status::kNotFound: return Line("NOT_FOUND");
        case Status::kTooLarge:
          return Line("SERVER_ERROR object too large for cache");
        case Status::kNoMemory:
          return Line("SERVER_ERROR out of memory storing object");
        default: return Line("SERVER_ERROR internal error");
      }
    case CommandId::kDelete:
      switch (r.status) {
        case Status::kOk: return Line("DELETED");
        case Status::kExists: return Line("EXISTS");
        default: return Line("NOT_FOUND");
      }
    case CommandId::kIncr:
    case CommandId::kDecr:
      switch (r.status) {
        case Status::kOk:
          out.AppendDecimal(r.number);
          out.Append("\r\n");
          return;
        case Status::kNotFound: return Line("NOT_FOUND");
        case Status::kNonNumeric:
          return Line(
              "CLIENT_ERROR cannot increment or decrement non-numeric value");
        case Status::kNoMemory: return Line("SERVER_ERROR out of memory");
        default: return Line("SERVER_ERROR internal error");
      }
    case CommandId::kTouch:
      return Line(r.status == Status::kOk ? "TOUCHED" : "NOT_FOUND");
    case CommandId::kFlush:
    case CommandId::kVerbosity:
      return Line("OK");
    case CommandId::kMemoryLimit:
      return Line(r.status == Status::kOk
                      ? "OK"
                      : "MEMLIMIT_ADJUST_FAILED out of bounds or unable to "
                        "adjust");
    case CommandId::kVersion:
      out.Append("VERSION ");
      return Line(r.value);
    case CommandId::kStats:
      // "STAT <name> <value>", or a line of its own ("PREFIX ...").
      if (!raw_stats_) out.Append("STAT ");
      out.Append(r.key);
      out.Append(' ');
      return Line(r.value);
    default:
      return;
  }
}


namespace {

// Appends " <c><n>", a meta reply flag with its number.
template <typename Number>
void Flag(OutBuffer& out, char c, Number n) {
  char* const start = out.Reserve(2 + 21);
  char* p = start;
  *p++ = ' ';
  *p++ = c;
  p = std::to_chars(p, p + 21, n).ptr;
  out.Commit(static_cast<size_t>(p - start));
}

// "VA <length>" for a reply with a value, "HD" without.
void ValueHead(OutBuffer& out, bool value, size_t length) {
  if (value) {
    out.Append("VA ");
    out.AppendDecimal(length);
  } else {
    out.Append("HD");
  }
}

// The TTL a "t" flag shows: memcached applies T and N (to an item it just
// created) where they stand among the flags, so a "t" before them shows the
// TTL from before; an item created by N starts without one.
class TtlInOrder {
 public:
  explicit TtlInOrder(const Response& r) : r_(r) {}
  void See(char flag) {
    if (flag == 'T' || (flag == 'N' && (r_.item & kItemCreated))) set_ = true;
  }
  int32_t Now() const {
    if (set_) return r_.ttl;
    return (r_.item & kItemCreated) ? -1 : r_.ttl_before;
  }

 private:
  const Response& r_;
  bool set_ = false;
};

}  // namespace

void AsciiSession::MetaKey(bool binary) {
  const Command& c = *current_;
  if (!binary) return out().Append(c.request.key);
  if (c.base64_key) return out().Append(c.key_token);
  // An item stored with a base64 key, asked for by its raw bytes.
  std::string encoded;
  absl::Base64Escape(
      absl::string_view(c.request.key.data(), c.request.key.size()),
      &encoded);
  out().Append(encoded);
}

void AsciiSession::MetaEcho(std::string_view token, bool binary_key) {
  OutBuffer& out = this->out();
  if (token[0] == 'O') {
    out.Append(' ');
    out.Append(token);
  } else if (token[0] == 'k') {
    out.Append(" k");
    MetaKey(binary_key);
    if (binary_key) out.Append(" b");
  }
}

void AsciiSession::MetaCode(std::string_view code) {
  out().Append(code);
  ForEachKey(current_->meta_flags,
             [this](std::string_view token) {
               MetaEcho(token, current_->base64_key);
             });
  out().Append("\r\n");
}

void AsciiSession::MetaSend(const Response& r) {
  const Command& c = *current_;
  if (CommonError(r.status)) return;
  switch (c.meta) {
    case 'n':
      return Line("MN");
    case 'g':
      return MetaGetReply(r);
    case 'e':
      return MetaDebugReply(r);
    case 's':
      switch (r.status) {
        case Status::kOk:
          if (c.request.quiet) return;
          return MetaStoreCode("HD", r.cas);
        case Status::kNotStored: return MetaStoreCode("NS", 0);
        case Status::kExists: return MetaStoreCode("EX", 0);
        case Status::kNotFound: return MetaStoreCode("NF", 0);
        case Status::kTooLarge:
          return Line("SERVER_ERROR object too large for cache");
        case Status::kNoMemory:
          return Line("SERVER_ERROR out of memory storing object");
        default: return Line("SERVER_ERROR internal error");
      }
    case 'd':
      switch (r.status) {
        case Status::kOk:
          if (c.request.quiet) return;
          return MetaCode("HD");
        case Status::kExists: return MetaCode("EX");
        default: return MetaCode("NF");
      }
    case 'a':
      switch (r.status) {
        case Status::kOk: return MetaArithmeticReply(r);
        case Status::kNotFound: return MetaCode("NF");
        case Status::kExists: return MetaCode("EX");
        case Status::kNotStored: return MetaCode("NS");
        case Status::kNonNumeric:
          return Line(
              "CLIENT_ERROR cannot increment or decrement non-numeric value");
        case Status::kNoMemory: return Line("SERVER_ERROR out of memory");
        default: return Line("SERVER_ERROR internal error");
      }
    default:
      return;
  }
}

void AsciiSession::MetaStoreCode(std::string_view code, uint64_t cas) {
  OutBuffer& out = this->out();
  out.Append(code);
  ForEachKey(current_->meta_flags, [&](std::string_view token) {
    if (token[0] == 'c') {
      Flag(out, 'c', cas);  // 0 when nothing was stored
    } else {
      MetaEcho(token, current_->base64_key);
    }
  });
  out.Append("\r\n");
}

void AsciiSession::MetaGetReply(const Response& r) {
  const Command& c = *current_;
  if (r.status == Status::kNotFound) {
    if (!c.request.quiet) MetaCode("EN");
    return;
  }
  if (r.status != Status::kOk) return Line("SERVER_ERROR internal error");
  OutBuffer& out = this->out();
  // C: a client that holds this version gets no value again.
  const bool unchanged = c.request.cas != 0 && r.cas == c.request.cas;
  const bool value = c.meta_value && !unchanged;
  ValueHead(out, value, r.value.size());
  TtlInOrder ttl(r);
  ForEachKey(c.meta_flags, [&](std::string_view token) {
    ttl.See(token[0]);
    switch (token[0]) {
      case 's': return Flag(out, 's', r.value.size());
      case 't': return Flag(out, 't', ttl.Now());
      case 'c': return Flag(out, 'c', r.cas);
      case 'f': return Flag(out, 'f', r.flags);
      case 'l': return Flag(out, 'l', r.idle);
      case 'h': return Flag(out, 'h', (r.item & kItemHitBefore) ? 1 : 0);
      // A hit shows its key as it was stored.
      default: return MetaEcho(token, r.item & kItemBinaryKey);
    }
  });
  // Z before X before W, as memcached orders them.
  if (r.item & kItemTokenSent) out.Append(" Z");
  if (r.item & kItemStale) out.Append(" X");
  if (r.item & kItemWon) out.Append(" W");
  out.Append("\r\n");
  if (value) {
    char* const start = out.Reserve(r.value.size() + 2);
    char* p = CopyBytes(start, r.value);
    *p++ = '\r';
    *p++ = '\n';
    out.Commit(static_cast<size_t>(p - start));
  }
}

void AsciiSession::MetaArithmeticReply(const Response& r) {
  const Command& c = *current_;
  // Quiet hides a change of an existing counter; memcached still answers
  // one that N just created.
  if (c.request.quiet && !(r.item & kItemCreated)) return;
  OutBuffer& out = this->out();
  char digits[20];
  const size_t n = static_cast<size_t>(
      std::to_chars(digits, digits + 20, r.number).ptr - digits);
  ValueHead(out, c.meta_value, n);
  TtlInOrder ttl(r);
  ForEachKey(c.meta_flags, [&](std::string_view token) {
    ttl.See(token[0]);
    switch (token[0]) {
      case 'c': return Flag(out, 'c', r.cas);
      case 't': return Flag(out, 't', ttl.Now());
      default: return MetaEcho(token, current_->base64_key);
    }
  });
  out.Append("\r\n");
  if (c.meta_value) {
    out.Append(std::string_view(digits, n));
    out.Append("\r\n");
  }
}

void AsciiSession::MetaDebugReply(const Response& r) {
  if (r.status != Status::kOk) return Line("EN");
  OutBuffer& out = this->out();
  out.Append("ME ");
  MetaKey(r.item & kItemBinaryKey);
  // memcached prints the expiry as now minus the deadline.
  out.Append(" exp=");
  const int64_t exp = r.ttl < 0 ? -1 : -static_cast<int64_t>(r.ttl);
  char number[21];
  out.Append(std::string_view(
      number,
      static_cast<size_t>(std::to_chars(number, number + 21, exp).ptr -
                          number)));
  out.Append(" la=");
  out.AppendDecimal(r.idle);
  out.Append(" cas=");
  out.AppendDecimal(r.cas);
  out.Append((r.item & kItemHitBefore) ? " fetch=yes" : " fetch=no");
  out.Append(" cls=1 size=");
  out.AppendDecimal(r.number);
  out.Append("\r\n");
}

}  // namespace tinkercache::ascii
