#include "protocols/ascii/ascii_session.h"

#include <algorithm>

namespace tinkercache::ascii {

AsciiSession::AsciiSession(Executor& executor) : executor_(executor) {
  limits_.item_size_max = executor.settings().item_size_max;
  limits_.max_retrieval_line =
      std::max<size_t>(limits_.max_retrieval_line, limits_.item_size_max);
}

ProcessResult AsciiSession::Process(std::string_view input, OutBuffer& out) {
  out_ = &out;
  ProcessResult result;
  size_t pos = 0;
  while (pos < input.size()) {
    if (swallow_ > 0) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(swallow_, input.size() - pos));
      swallow_ -= n;
      pos += n;
      continue;
    }
    Command command;
    const ParseResult r =
        Parse(input.substr(pos), limits_, &command, scanned_);
    if (r.status == ParseStatus::kNeedMore) {
      scanned_ = r.scanned;
      result.needed = r.needed;
      break;
    }
    scanned_ = 0;
    pos += r.consumed;
    if (r.status == ParseStatus::kError) {
      if (r.too_large) executor_.RejectTooLarge(command.request);
      if (!r.quiet) Line(r.error);
      swallow_ = r.swallow;
      if (r.close) {
        result.close = true;
        pos = input.size();
        break;
      }
      continue;
    }
    if (!Execute(command)) {
      result.close = true;
      pos = input.size();
      break;
    }
  }
  result.consumed = pos;
  out_ = nullptr;
  return result;
}

bool AsciiSession::Execute(const Command& command) {
  current_ = &command;
  if (command.retrieval) {
    Request request = command.request;
    ForEachKey(command.keys, [&](std::string_view key) {
      request.key = key;
      executor_.Execute(request, *this);
    });
    Line("END");
    return true;
  }
  const Status status = executor_.Execute(command.request, *this);
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
  char* p = out_->Reserve(text.size() + 2);
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\r';
  p[text.size() + 1] = '\n';
  out_->Commit(text.size() + 2);
}

void AsciiSession::Send(const Response& r) {
  const Request& request = current_->request;
  OutBuffer& out = *out_;
  if (current_->retrieval) {
    if (r.status != Status::kOk) return;  // a miss prints nothing
    out.Append("VALUE ");
    out.Append(r.key);
    out.Append(' ');
    out.AppendDecimal(r.flags);
    out.Append(' ');
    out.AppendDecimal(r.value.size());
    if (current_->with_cas) {
      out.Append(' ');
      out.AppendDecimal(r.cas);
    }
    out.Append("\r\n");
    out.Append(r.value);
    out.Append("\r\n");
    return;
  }
  if (request.quiet) return;
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
