#include "protocols/ascii/ascii_session.h"

#include <algorithm>
#include <charconv>
#include <cstring>

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

void AsciiSession::WriteError(const ParseResult& result, const Command&) {
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
        if (out().size() >= kOutputSoftLimit &&
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
  const Status status = executor().Execute(command.request, *this);
  switch (command.request.command) {
    case CommandId::kStats:
      if (status != Status::kOk) {
        Line("ERROR");
      } else {
        Line(command.request.key == "reset" ? "RESET" : "END");
      }
      return true;
    case CommandId::kQuit:
      return false;
    default:
      return true;
  }
}

void AsciiSession::Line(std::string_view text) {
  char* p = out().Reserve(text.size() + 2);
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\r';
  p[text.size() + 1] = '\n';
  out().Commit(text.size() + 2);
}

void AsciiSession::Send(const Response& r) {
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
  switch (r.status) {
    case Status::kUnknownCommand:
      return Line("ERROR");
    case Status::kInternalError:
      return Line("SERVER_ERROR internal error");
    case Status::kInvalidArguments:
      return Line("CLIENT_ERROR bad command line format");
    default:
      break;
  }
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
    case CommandId::kVersion:
      out.Append("VERSION ");
      return Line(r.value);
    case CommandId::kStats:
      out.Append("STAT ");
      out.Append(r.key);
      out.Append(' ');
      return Line(r.value);
    default:
      return;
  }
}

}  // namespace tinkercache::ascii
