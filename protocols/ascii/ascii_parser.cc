#include "protocols/ascii/ascii_parser.h"

#include <cstring>

#include "src/core/numbers.h"
#include "src/core/settings.h"

namespace tinkercache::ascii {
namespace {

// memcached's answers, byte for byte.
constexpr std::string_view kError = "ERROR";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kBadChunk = "CLIENT_ERROR bad data chunk";
constexpr std::string_view kTooLarge =
    "SERVER_ERROR object too large for cache";
constexpr std::string_view kBadExptime = "CLIENT_ERROR invalid exptime argument";
constexpr std::string_view kBadDelta =
    "CLIENT_ERROR invalid numeric delta argument";
constexpr std::string_view kDeleteUsage =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
constexpr std::string_view kLineTooLong = "CLIENT_ERROR line too long";

// More tokens than any classic command takes: the line is malformed.
constexpr size_t kMaxTokens = 8;

struct Tokens {
  std::string_view token[kMaxTokens];
  size_t count = 0;
  bool overflow = false;

  std::string_view operator[](size_t i) const { return token[i]; }
  std::string_view last() const { return token[count - 1]; }
  bool noreply() const { return count > 0 && last() == "noreply"; }
};

// Splits on spaces only, like memcached: other bytes belong to the token.
Tokens Tokenize(std::string_view line) {
  Tokens t;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i == start) break;
    if (t.count == kMaxTokens) {
      t.overflow = true;
      break;
    }
    t.token[t.count++] = line.substr(start, i - start);
  }
  return t;
}

bool IsRetrieval(std::string_view input) {
  size_t i = 0;
  while (i < input.size() && input[i] == ' ') ++i;
  input.remove_prefix(i);
  for (std::string_view verb : {"get ", "gets ", "gat ", "gats "}) {
    if (input.substr(0, verb.size()) == verb) return true;
  }
  return false;
}

// Numbers in memcached's widths: it parses as long, then stores 32 bits.
std::optional<int32_t> ParseInt32Truncating(std::string_view token) {
  auto v = ParseInt64(token);
  if (!v) return std::nullopt;
  return static_cast<int32_t>(static_cast<uint32_t>(*v));
}

std::optional<uint32_t> ParseFlags(std::string_view token) {
  auto v = ParseUint64(token);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

// A retrieval's key list: one key goes to request.key (the common case,
// executed without a second scan), several stay in `keys`. False when a
// key is too long.
bool SetKeys(std::string_view rest, Command& command) {
  // One key, by far the most common: no second space after it.
  const size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) return true;  // no key: "END" only
  const size_t end = rest.find(' ', start);
  if (end == std::string_view::npos ||
      rest.find_first_not_of(' ', end) == std::string_view::npos) {
    const std::string_view key = rest.substr(start, end - start);
    command.request.key = key;
    return key.size() <= kMaxKeyLength;
  }
  size_t count = 0;
  bool bad = false;
  ForEachKey(rest, [&](std::string_view key) {
    bad |= key.size() > kMaxKeyLength;
    if (count++ == 0) command.request.key = key;
  });
  if (count > 1) command.keys = rest;
  return !bad;
}

// "get <key>\r\n" and "gets <key>...": the bulk of a cache's traffic,
// answered without the general tokenizer. Same results as LineParser.
bool FastRetrieval(std::string_view line, Command& command,
                   ParseResult& result) {
  if (line.size() < 5 || line[0] != 'g' || line[1] != 'e' || line[2] != 't') {
    return false;
  }
  const bool with_cas = line[3] == 's';
  const size_t verb = with_cas ? 4 : 3;
  if (line[verb] != ' ') return false;
  std::string_view rest = line.substr(verb);
  if (rest.find_first_not_of(' ') == std::string_view::npos) return false;
  command.request.command = CommandId::kGet;
  command.retrieval = true;
  command.with_cas = with_cas;
  if (!SetKeys(rest, command)) {
    result.status = ParseStatus::kError;
    result.error = kBadFormat;
  } else {
    result.status = ParseStatus::kOk;
  }
  return true;
}

class LineParser {
 public:
  LineParser(std::string_view input, size_t line_end, size_t line_length,
             const Limits& limits, Command* command)
      : input_(input),
        line_length_(line_length),
        limits_(limits),
        command_(*command),
        request_(command->request) {
    std::string_view line = input.substr(0, line_end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line_ = line;
    tokens_ = Tokenize(line);
  }

  ParseResult Run();

 private:
  ParseResult Ok() {
    ParseResult r;
    r.status = ParseStatus::kOk;
    r.consumed = line_length_;
    return r;
  }
  ParseResult Error(std::string_view message, bool quiet = false) {
    ParseResult r;
    r.status = ParseStatus::kError;
    r.consumed = line_length_;
    r.error = message;
    r.quiet = quiet;
    return r;
  }
  bool KeyTooLong() const { return tokens_[1].size() > kMaxKeyLength; }

  ParseResult Retrieval(CommandId command, bool with_cas, bool touch);
  ParseResult Storage(CommandId command);
  ParseResult Arithmetic(CommandId command);
  ParseResult Delete();
  ParseResult Touch();
  ParseResult FlushAll();
  ParseResult Verbosity();
  ParseResult Simple(CommandId command) {
    request_.command = command;
    return Ok();
  }
  ParseResult Stats();
  ParseResult Registered(const Extension& extension);

  std::string_view input_;
  std::string_view line_;
  size_t line_length_;
  const Limits& limits_;
  Command& command_;
  Request& request_;
  Tokens tokens_;
};

ParseResult LineParser::Run() {
  if (tokens_.count == 0) return Error(kError);
  const std::string_view verb = tokens_[0];
  switch (verb[0]) {
    case 'g':
      if (verb == "get") return Retrieval(CommandId::kGet, false, false);
      if (verb == "gets") return Retrieval(CommandId::kGet, true, false);
      if (verb == "gat") return Retrieval(CommandId::kGetAndTouch, false, true);
      if (verb == "gats") return Retrieval(CommandId::kGetAndTouch, true, true);
      break;
    case 's':
      if (verb == "set") return Storage(CommandId::kSet);
      if (verb == "stats") return Stats();
      break;
    case 'a':
      if (verb == "add") return Storage(CommandId::kAdd);
      if (verb == "append") return Storage(CommandId::kAppend);
      break;
    case 'r':
      if (verb == "replace") return Storage(CommandId::kReplace);
      break;
    case 'p':
      if (verb == "prepend") return Storage(CommandId::kPrepend);
      break;
    case 'c':
      if (verb == "cas") return Storage(CommandId::kCas);
      break;
    case 'i':
      if (verb == "incr") return Arithmetic(CommandId::kIncr);
      break;
    case 'd':
      if (verb == "delete") return Delete();
      if (verb == "decr") return Arithmetic(CommandId::kDecr);
      break;
    case 't':
      if (verb == "touch") return Touch();
      break;
    case 'f':
      if (verb == "flush_all") return FlushAll();
      break;
    case 'v':
      if (verb == "version") return Simple(CommandId::kVersion);
      if (verb == "verbosity") return Verbosity();
      break;
    case 'q':
      if (verb == "quit") return Simple(CommandId::kQuit);
      break;
    default:
      break;
  }
  if (limits_.extensions != nullptr) {
    if (const Extension* e = limits_.extensions->FindByName(verb)) {
      return Registered(*e);
    }
  }
  return Error(kError);
}

ParseResult LineParser::Registered(const Extension& extension) {
  const size_t args = extension.spec.args.size();
  const bool quiet = tokens_.count == args + 2 && tokens_.noreply();
  if (tokens_.overflow || (tokens_.count != args + 1 && !quiet)) {
    return Error(kError);
  }
  request_.command = extension.id;
  request_.quiet = quiet;
  for (size_t i = 0; i < args; ++i) {
    const std::string_view token = tokens_[i + 1];
    switch (extension.spec.args[i]) {
      case ArgKind::kKey:
        if (token.size() > kMaxKeyLength) return Error(kBadFormat, quiet);
        request_.key = token;
        break;
      case ArgKind::kString:
        request_.value = token;
        break;
      case ArgKind::kNumber: {
        auto number = ParseUint64(token);
        if (!number) return Error(kBadFormat, quiet);
        request_.delta = *number;
        break;
      }
    }
  }
  return Ok();
}

ParseResult LineParser::Retrieval(CommandId command, bool with_cas,
                                  bool touch) {
  // The key list is the rest of the line, which may hold more tokens than
  // the tokenizer keeps.
  if (tokens_.count < 2) return Error(kError);
  request_.command = command;
  command_.retrieval = true;
  command_.with_cas = with_cas;
  std::string_view rest = line_.substr(
      static_cast<size_t>(tokens_[0].data() + tokens_[0].size() - line_.data()));
  if (touch) {
    auto exptime = ParseInt32Truncating(tokens_[1]);
    if (!exptime) return Error(kBadExptime);
    request_.exptime = *exptime;
    rest = line_.substr(static_cast<size_t>(tokens_[1].data() +
                                            tokens_[1].size() - line_.data()));
  }
  return SetKeys(rest, command_) ? Ok() : Error(kBadFormat);
}

ParseResult LineParser::Storage(CommandId command) {
  const bool cas = command == CommandId::kCas;
  const size_t base = cas ? 6 : 5;
  if (tokens_.overflow ||
      (tokens_.count != base && tokens_.count != base + 1)) {
    return Error(kError);
  }
  const bool quiet = tokens_.noreply();
  request_.command = command;
  request_.quiet = quiet;
  if (KeyTooLong()) return Error(kBadFormat, quiet);
  auto flags = ParseFlags(tokens_[2]);
  auto exptime = ParseInt32Truncating(tokens_[3]);
  auto length = ParseInt32Truncating(tokens_[4]);
  if (!flags || !exptime || !length) return Error(kBadFormat, quiet);
  if (cas) {
    auto unique = ParseUint64(tokens_[5]);
    if (!unique) return Error(kBadFormat, quiet);
    request_.cas = *unique;
  }
  if (*length < 0 || *length > INT32_MAX - 2) return Error(kBadFormat, quiet);
  request_.key = tokens_[1];
  request_.flags = *flags;
  request_.exptime = *exptime;

  const size_t vlen = static_cast<size_t>(*length);
  if (!ItemFits(limits_.item_size_max, request_.key.size(), vlen)) {
    ParseResult r = Error(kTooLarge, quiet);
    r.swallow = vlen + 2;
    r.too_large = true;
    return r;
  }
  const size_t total = line_length_ + vlen + 2;
  if (input_.size() < total) {
    ParseResult r;
    r.needed = total;
    r.scanned = line_length_ - 1;  // the newline: found again at once
    return r;
  }
  const char* data = input_.data() + line_length_;
  if (data[vlen] != '\r' || data[vlen + 1] != '\n') {
    ParseResult r = Error(kBadChunk, quiet);
    r.consumed = total;
    return r;
  }
  request_.value = std::string_view(data, vlen);
  ParseResult r = Ok();
  r.consumed = total;
  return r;
}

ParseResult LineParser::Arithmetic(CommandId command) {
  if (tokens_.overflow || (tokens_.count != 3 && tokens_.count != 4)) {
    return Error(kError);
  }
  const bool quiet = tokens_.noreply();
  request_.command = command;
  request_.quiet = quiet;
  if (KeyTooLong()) return Error(kBadFormat, quiet);
  auto delta = ParseUint64(tokens_[2]);
  if (!delta) return Error(kBadDelta, quiet);
  request_.key = tokens_[1];
  request_.delta = *delta;
  return Ok();
}

ParseResult LineParser::Delete() {
  if (tokens_.overflow || tokens_.count < 2 || tokens_.count > 4) {
    return Error(kError);
  }
  request_.command = CommandId::kDelete;
  if (tokens_.count > 2) {
    // memcached still accepts the legacy hold time, but only as "0".
    const bool hold_is_zero = tokens_[2] == "0";
    const bool quiet = tokens_.noreply();
    request_.quiet = quiet;
    const bool valid = (tokens_.count == 3 && (hold_is_zero || quiet)) ||
                       (tokens_.count == 4 && hold_is_zero && quiet);
    if (!valid) return Error(kDeleteUsage, quiet);
  }
  if (KeyTooLong()) return Error(kBadFormat, request_.quiet);
  request_.key = tokens_[1];
  return Ok();
}

ParseResult LineParser::Touch() {
  if (tokens_.overflow || (tokens_.count != 3 && tokens_.count != 4)) {
    return Error(kError);
  }
  const bool quiet = tokens_.noreply();
  request_.command = CommandId::kTouch;
  request_.quiet = quiet;
  if (KeyTooLong()) return Error(kBadFormat, quiet);
  auto exptime = ParseInt32Truncating(tokens_[2]);
  if (!exptime) return Error(kBadExptime, quiet);
  request_.key = tokens_[1];
  request_.exptime = *exptime;
  return Ok();
}

ParseResult LineParser::FlushAll() {
  if (tokens_.overflow || tokens_.count > 3) return Error(kError);
  const bool quiet = tokens_.noreply();
  request_.command = CommandId::kFlush;
  request_.quiet = quiet;
  if (tokens_.count != (quiet ? 2u : 1u)) {
    auto delay = ParseInt32Truncating(tokens_[1]);
    if (!delay) return Error(kBadExptime, quiet);
    request_.exptime = *delay;
  }
  return Ok();
}

ParseResult LineParser::Verbosity() {
  if (tokens_.overflow || (tokens_.count != 2 && tokens_.count != 3)) {
    return Error(kError);
  }
  const bool quiet = tokens_.noreply();
  request_.command = CommandId::kVerbosity;
  request_.quiet = quiet;
  auto level = ParseUint64(tokens_[1]);
  if (!level || *level > UINT32_MAX) return Error(kBadFormat, quiet);
  request_.delta = *level;
  return Ok();
}

ParseResult LineParser::Stats() {
  request_.command = CommandId::kStats;
  if (tokens_.count > 1) request_.key = tokens_[1];
  return Ok();
}

}  // namespace

ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command, size_t scanned) {
  *command = Command{};
  const size_t from = scanned < input.size() ? scanned : input.size();
  const void* nl = std::memchr(input.data() + from, '\n', input.size() - from);
  const size_t line_end =
      nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) -
                                          input.data())
                    : input.size();
  // Bounded whether or not the newline has arrived, so the answer does not
  // depend on how the stream was split into reads.
  if (line_end + 1 > limits.max_line &&
      (line_end + 1 > limits.max_retrieval_line || !IsRetrieval(input))) {
    ParseResult r;
    r.status = ParseStatus::kError;
    r.error = kLineTooLong;
    r.close = true;
    return r;
  }
  if (nl == nullptr) {
    ParseResult r;
    r.scanned = input.size();
    return r;
  }
  ParseResult fast;
  std::string_view line = input.substr(0, line_end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (FastRetrieval(line, *command, fast)) {
    fast.consumed = line_end + 1;
    return fast;
  }
  return LineParser(input, line_end, line_end + 1, limits, command).Run();
}

}  // namespace tinkercache::ascii
