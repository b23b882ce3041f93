#include "protocols/ascii/ascii_parser.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
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
constexpr std::string_view kShutdownDisabled = "ERROR: shutdown not enabled";
constexpr std::string_view kMemlimitTooSmall =
    "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m";
constexpr std::string_view kMemlimitNotMegabytes =
    "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes";
// A fixed answer for a command that changes nothing here.
constexpr std::string_view kOkLine = "OK";

// Meta commands: memcached's answers, byte for byte.
constexpr std::string_view kDuplicateFlag = "CLIENT_ERROR duplicate flag";
constexpr std::string_view kInvalidFlag = "CLIENT_ERROR invalid flag";
constexpr std::string_view kBadToken =
    "CLIENT_ERROR bad token in command line format";
constexpr std::string_view kBadKeyEncoding = "CLIENT_ERROR error decoding key";
constexpr std::string_view kBadModeLength =
    "CLIENT_ERROR incorrect length for M token";
constexpr std::string_view kBadInitial =
    "CLIENT_ERROR invalid numeric initial value";
constexpr std::string_view kBadDeltaFlag =
    "CLIENT_ERROR invalid numeric delta value";
constexpr std::string_view kInvalidOrDuplicate =
    "CLIENT_ERROR invalid or duplicate flag";
constexpr std::string_view kGetFlagsTooLong =
    "CLIENT_ERROR options flags are too long";
constexpr std::string_view kFlagsTooLong = "CLIENT_ERROR options flags too long";
constexpr std::string_view kOpaqueTooLong = "CLIENT_ERROR opaque token too long";
constexpr std::string_view kBadSetMode =
    "CLIENT_ERROR invalid mode for ms M token";
constexpr std::string_view kBadArithmeticMode =
    "CLIENT_ERROR invalid mode for ma M token";

// More tokens than any classic command takes: the line is malformed.
constexpr size_t kMaxTokens = 8;
// memcached refuses a meta line of 20 tokens or more (its count includes a
// terminal token), and an opaque longer than 32 bytes with its 'O'.
constexpr size_t kMaxMetaTokens = 19;
constexpr size_t kMaxOpaque = 32;

template <size_t N>
struct BasicTokens {
  std::string_view token[N];
  size_t count = 0;
  bool overflow = false;

  std::string_view operator[](size_t i) const { return token[i]; }
  std::string_view last() const { return token[count - 1]; }
  bool noreply() const { return count > 0 && last() == "noreply"; }
};
using Tokens = BasicTokens<kMaxTokens>;
using MetaTokens = BasicTokens<kMaxMetaTokens>;

// Splits on spaces only, like memcached: other bytes belong to the token.
template <size_t N>
BasicTokens<N> Tokenize(std::string_view line) {
  BasicTokens<N> t;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i == start) break;
    if (t.count == N) {
      t.overflow = true;
      break;
    }
    t.token[t.count++] = line.substr(start, i - start);
  }
  return t;
}

// memcached's test for an HTTP request line: a command it does not know
// whose first letter none of its dispatch's branches takes, and whose last
// token (among the first 23) starts with "HTTP/".
bool LooksLikeHttp(std::string_view verb, std::string_view line) {
  if (verb.empty() ||
      std::string_view("gsacidt").find(verb[0]) != std::string_view::npos ||
      verb == "lru" || verb == "lru_crawler" || verb == "watch" ||
      verb == "bget") {
    return false;
  }
  std::string_view last;
  size_t i = 0;
  for (int n = 0; n < 23 && i < line.size(); ++n) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) last = line.substr(start, i - start);
  }
  return last.substr(0, 5) == "HTTP/";
}

// strtod's acceptance, as memcached's safe_strtod: a number, then nothing.
bool IsDouble(std::string_view token) {
  const std::string copy(token);
  char* end = nullptr;
  std::strtod(copy.c_str(), &end);
  return end != copy.c_str() && *end == '\0';
}

// A meta verb: "m" and one more letter, alone or before a space.
bool IsMetaLine(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  return line.size() >= i + 2 && line[i] == 'm' &&
         (line.size() == i + 2 || line[i + 2] == ' ');
}

// memcached's decoder: whole groups of four, padding only at the end, the
// standard alphabet, and at least one byte out.
bool DecodeBase64Key(std::string_view in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const char c = in[i];
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9');
    if (!alnum && c != '+' && c != '/') return false;
  }
  return absl::Base64Unescape(absl::string_view(in.data(), in.size()), out) &&
         !out->empty();
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

// What the parsers of one command line share: its place in the input and
// the shapes of their results.
class LineParserBase {
 protected:
  LineParserBase(std::string_view input, std::string_view line,
                 size_t line_length, const Limits& limits, Command* command)
      : input_(input),
        line_(line),
        line_length_(line_length),
        limits_(limits),
        command_(*command),
        request_(command->request) {}

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
  // The data block of a storage command of `length` bytes after the line.
  ParseResult DataBlock(size_t length, bool quiet);

  std::string_view input_;
  std::string_view line_;
  size_t line_length_;
  const Limits& limits_;
  Command& command_;
  Request& request_;
};

ParseResult LineParserBase::DataBlock(size_t vlen, bool quiet) {
  if (!ItemFits(limits_.item_size_max, request_.key.size(), vlen,
                request_.flags)) {
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
    r.counted = true;
    return r;
  }
  request_.value = std::string_view(data, vlen);
  ParseResult r = Ok();
  r.consumed = total;
  return r;
}

class LineParser : public LineParserBase {
 public:
  LineParser(std::string_view input, std::string_view line,
             size_t line_length, const Limits& limits, Command* command)
      : LineParserBase(input, line, line_length, limits, command),
        tokens_(Tokenize<kMaxTokens>(line)) {}

  ParseResult Run();

 private:
  bool KeyTooLong() const { return tokens_[1].size() > kMaxKeyLength; }

  ParseResult Retrieval(CommandId command, bool with_cas, bool touch);
  ParseResult Storage(CommandId command);
  ParseResult Arithmetic(CommandId command);
  ParseResult Delete();
  ParseResult Touch();
  ParseResult FlushAll();
  ParseResult Verbosity();
  ParseResult MemoryLimit();
  ParseResult Simple(CommandId command) {
    request_.command = command;
    return Ok();
  }
  ParseResult Stats();
  ParseResult Slabs();
  ParseResult Registered(const Extension& extension);

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
      if (verb == "slabs") return Slabs();
      // memcached's answer unless started with -A, which we do not offer.
      if (verb == "shutdown") return Error(kShutdownDisabled);
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
      if (verb == "cache_memlimit") return MemoryLimit();
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
  if (LooksLikeHttp(verb, line_)) {
    // memcached closes such a connection without a word: a browser made to
    // send a request to a cache must not get a reply it could use.
    ParseResult r = Error(kError, /*quiet=*/true);
    r.close = true;
    return r;
  }
  return Error(kError);
}

ParseResult LineParser::Slabs() {
  // Only "slabs automove" has a meaning without slab classes: accepted and
  // checked as memcached checks it, with nothing to tune here.
  if (tokens_.count < 3 || tokens_[1] != "automove") return Error(kError);
  const bool quiet = tokens_.noreply();
  if (tokens_[2] == "ratio") {
    if (tokens_.count < 4 || !IsDouble(tokens_[3])) {
      return Error(kError, quiet);
    }
    return Error(kOkLine, quiet);
  }
  const auto level = ParseUint64(tokens_[2]);
  if (!level) return Error(kBadFormat, quiet);
  if (static_cast<uint32_t>(*level) > 2) return Error(kError, quiet);
  return Error(kOkLine, quiet);
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
  return DataBlock(static_cast<size_t>(*length), quiet);
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
    if (!delay) {
      ParseResult r = Error(kBadExptime, quiet);
      r.counted = true;
      return r;
    }
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
  // memcached's safe_strtoul stores the number into 32 bits.
  auto level = ParseUint64(tokens_[1]);
  if (!level) return Error(kBadFormat, quiet);
  request_.delta = static_cast<uint32_t>(*level);
  return Ok();
}

ParseResult LineParser::MemoryLimit() {
  if (tokens_.overflow || (tokens_.count != 2 && tokens_.count != 3)) {
    return Error(kError);
  }
  const bool quiet = tokens_.noreply();
  // Megabytes, read as memcached reads them: into 32 bits, bounds checked
  // after the truncation.
  const auto megabytes = ParseUint64(tokens_[1]);
  if (!megabytes) return Error(kError, quiet);
  const uint32_t mb = static_cast<uint32_t>(*megabytes);
  if (mb < 8) return Error(kMemlimitTooSmall, quiet);
  if (mb > 1000000000) return Error(kMemlimitNotMegabytes, quiet);
  request_.command = CommandId::kMemoryLimit;
  request_.quiet = quiet;
  request_.delta = uint64_t{mb} << 20;
  return Ok();
}

ParseResult LineParser::Stats() {
  request_.command = CommandId::kStats;
  // The group and its arguments ("detail on", "cachedump 1 0"): the rest of
  // the line, which ParseStatsGroup() splits as memcached does.
  if (tokens_.count > 1) {
    request_.key = line_.substr(
        static_cast<size_t>(tokens_[1].data() - line_.data()));
  }
  return Ok();
}

// The meta commands (mg, ms, md, ma, mn, me), checked in memcached's order so
// that a malformed line gets memcached's error.
class MetaParser : public LineParserBase {
 public:
  MetaParser(std::string_view input, std::string_view line,
             size_t line_length, const Limits& limits, Command* command)
      : LineParserBase(input, line, line_length, limits, command),
        tokens_(Tokenize<kMaxMetaTokens>(line)) {}

  ParseResult Run();

 private:
  // The flags of one line, as memcached's flag pre-parse reads them.
  struct Flags {
    uint64_t seen[2] = {0, 0};
    std::string_view error;
    int32_t ttl = 0;      // T
    int32_t vivify = 0;   // N
    bool vivify_last = false;  // N stands after T
    int32_t recache = 0;  // R
    uint32_t client_flags = 0;  // F
    uint64_t cas = 0;           // C
    uint64_t new_cas = 0;       // E
    uint64_t initial = 0;       // J
    uint64_t delta = 1;         // D
    char mode = 0;              // M

    bool Has(char c) const {
      const auto u = static_cast<uint8_t>(c);
      return u < 128 && ((seen[u >> 6] >> (u & 63)) & 1) != 0;
    }
    void Mark(char c) {
      const auto u = static_cast<uint8_t>(c);
      seen[u >> 6] |= uint64_t{1} << (u & 63);
    }
  };

  // Reads the flag tokens from `first` on; false with Flags::error set.
  // Duplicate and unknown flags stop at once, bad arguments at the end
  // (the last one's message wins), as in memcached.
  bool ReadFlags(size_t first, Flags& f);
  bool OpaqueTooLong(size_t first) const {
    for (size_t i = first; i < tokens_.count; ++i) {
      if (tokens_[i][0] == 'O' && tokens_[i].size() > kMaxOpaque) return true;
    }
    return false;
  }
  // The key (decoded with "b") and the flag tokens that the reply walks.
  void SetKeyAndFlags(size_t first) {
    command_.key_token = tokens_[1];
    request_.key =
        command_.base64_key ? std::string_view(command_.decoded_key)
                            : tokens_[1];
    if (tokens_.count > first) {
      command_.meta_flags = line_.substr(
          static_cast<size_t>(tokens_[first].data() - line_.data()));
    }
  }
  bool KeyTooLong() const { return tokens_[1].size() > kMaxKeyLength; }
  // mg, md and ma up to their flags: the verb's errors in memcached's
  // order, or nothing. md and ma answer every flag error alike.
  std::optional<ParseResult> ReadLine(std::string_view too_many, Flags& f,
                                      bool any_flag_error) {
    if (tokens_.count < 2) return Error(kError);
    if (KeyTooLong()) return Error(kBadFormat);
    if (tokens_.overflow) return Error(too_many);
    if (!ReadFlags(2, f)) {
      return Error(any_flag_error ? kInvalidOrDuplicate : f.error);
    }
    return std::nullopt;
  }

  // md and ma: the CAS to compare, quiet, and the TTL and CAS to set.
  void SetChange(const Flags& f) {
    request_.cas = f.cas;
    request_.quiet = f.Has('q');
    if (f.Has('T')) {
      request_.meta |= kMetaTouch;
      request_.exptime = f.ttl;
    }
    if (f.Has('E')) {
      request_.meta |= kMetaNewCas;
      request_.new_cas = f.new_cas;
    }
  }

  ParseResult Get();
  ParseResult Set();
  ParseResult Delete();
  ParseResult Arithmetic();
  ParseResult Debug();

  MetaTokens tokens_;
};

bool MetaParser::ReadFlags(size_t first, Flags& f) {
  std::string_view error;
  bool failed = false;
  auto fail = [&](std::string_view message) {
    if (!message.empty()) error = message;
    failed = true;
  };
  for (size_t i = first; i < tokens_.count; ++i) {
    const std::string_view token = tokens_[i];
    const std::string_view arg = token.substr(1);
    const char c = token[0];
    if (static_cast<uint8_t>(c) >= 127 || f.Has(c)) {
      f.error = kDuplicateFlag;
      return false;
    }
    f.Mark(c);
    switch (c) {
      case 'b':
        command_.base64_key = true;
        request_.meta |= kMetaBinaryKey;
        if (!DecodeBase64Key(tokens_[1], &command_.decoded_key)) {
          fail(kBadKeyEncoding);
        }
        break;
      case 'N':
      case 'T':
      case 'R': {
        const auto v = ParseInt32Truncating(arg);
        if (!v) {
          fail(kBadToken);
        } else {
          (c == 'N' ? f.vivify : c == 'T' ? f.ttl : f.recache) = *v;
          if (c == 'N') f.vivify_last = f.Has('T');
        }
        break;
      }
      case 'F': {
        const auto v = ParseFlags(arg);
        if (!v) {
          fail({});
        } else {
          f.client_flags = *v;
        }
        break;
      }
      case 'C':
      case 'E': {
        const auto v = ParseUint64(arg);
        if (!v) {
          fail(kBadToken);
        } else {
          (c == 'C' ? f.cas : f.new_cas) = *v;
        }
        break;
      }
      case 'J':
      case 'D': {
        const auto v = ParseUint64(arg);
        if (!v) {
          fail(c == 'J' ? kBadInitial : kBadDeltaFlag);
        } else {
          (c == 'J' ? f.initial : f.delta) = *v;
        }
        break;
      }
      case 'M':
        if (token.size() != 2) {
          fail(kBadModeLength);
        } else {
          f.mode = token[1];
        }
        break;
      case 'I':
      case 'L':
      case 'O':
      case 'P':
      case 'c':
      case 'f':
      case 'h':
      case 'k':
      case 'l':
      case 'q':
      case 's':
      case 't':
      case 'u':
        break;
      case 'v':
        command_.meta_value = true;
        break;
      default:
        f.error = kInvalidFlag;
        return false;
    }
  }
  if (failed) f.error = error.empty() ? kBadFormat : error;
  return !failed;
}

ParseResult MetaParser::Run() {
  command_.meta = tokens_[0][1];
  switch (command_.meta) {
    case 'n':
      request_.command = CommandId::kNoop;
      return Ok();
    case 'g':
      return Get();
    case 's':
      return Set();
    case 'd':
      return Delete();
    case 'a':
      return Arithmetic();
    case 'e':
      return Debug();
    default:
      command_.meta = 0;
      return Error(kError);
  }
}

ParseResult MetaParser::Get() {
  Flags f;
  if (auto error = ReadLine(kGetFlagsTooLong, f, false)) return *error;
  if (OpaqueTooLong(2)) {
    // memcached finds it while answering, after counting a miss.
    SetKeyAndFlags(2);
    request_.command = CommandId::kGet;
    ParseResult r = Error(kOpaqueTooLong);
    r.miss_counted = true;
    return r;
  }
  SetKeyAndFlags(2);
  // With T it is a get-and-touch, counted as a touch as memcached does.
  request_.command = f.Has('T') ? CommandId::kGetAndTouch : CommandId::kGet;
  request_.exptime = f.ttl;
  request_.quiet = f.Has('q');
  request_.cas = f.cas;  // C: the reply leaves out a value of this CAS
  request_.meta = kMetaReport;
  if (f.Has('u')) request_.meta |= kMetaNoBump;
  if (f.Has('N')) request_.meta |= kMetaVivify;
  if (f.Has('R')) request_.meta |= kMetaRecache;
  request_.vivify_exptime = f.vivify;
  if (f.vivify_last) request_.meta |= kMetaVivifyLast;
  request_.recache_exptime = f.recache;
  return Ok();
}

ParseResult MetaParser::Set() {
  if (tokens_.count < 2) return Error(kError);
  if (KeyTooLong() || tokens_.count == 2) return Error(kBadFormat);
  if (tokens_.overflow) return Error(kFlagsTooLong);
  const auto length = ParseInt32Truncating(tokens_[2]);
  if (!length || *length < 0 || *length > INT32_MAX - 2) {
    return Error(kBadFormat);
  }
  const size_t vlen = static_cast<size_t>(*length);
  // From here on an error also discards the data block. Errors are never
  // quiet.
  auto refuse = [&](std::string_view message) {
    ParseResult r = Error(message);
    r.swallow = vlen + 2;
    return r;
  };
  Flags f;
  if (!ReadFlags(3, f)) return refuse(f.error);
  StoreMode mode;
  switch (f.mode) {
    case 0:
    case 'S': mode = StoreMode::kSet; break;
    case 'E': mode = StoreMode::kAdd; break;
    case 'A': mode = StoreMode::kAppend; break;
    case 'P': mode = StoreMode::kPrepend; break;
    case 'R': mode = StoreMode::kReplace; break;
    default: return refuse(kBadSetMode);
  }
  if (OpaqueTooLong(3)) return refuse(kOpaqueTooLong);
  SetKeyAndFlags(3);
  const bool cas = f.Has('C');
  switch (mode) {
    case StoreMode::kSet:
    case StoreMode::kReplace:
      // A CAS makes set and replace a cas (memcached: both then answer NF
      // for a missing item); add ignores it.
      request_.command = cas                         ? CommandId::kCas
                         : mode == StoreMode::kSet ? CommandId::kSet
                                                     : CommandId::kReplace;
      break;
    case StoreMode::kAdd:
      request_.command = CommandId::kAdd;
      break;
    case StoreMode::kAppend:
      request_.command = CommandId::kAppend;
      break;
    case StoreMode::kPrepend:
      request_.command = CommandId::kPrepend;
      break;
  }
  if (mode != StoreMode::kAdd) request_.cas = f.cas;
  request_.flags = f.client_flags;
  request_.exptime = f.ttl;
  request_.quiet = f.Has('q');
  if (f.Has('I')) request_.meta |= kMetaInvalidate;
  if (f.Has('E')) {
    request_.meta |= kMetaNewCas;
    request_.new_cas = f.new_cas;
  }
  if (f.Has('N')) {
    request_.meta |= kMetaVivify;
    request_.vivify_exptime = f.vivify;
    if (f.vivify_last) request_.meta |= kMetaVivifyLast;
  }
  return DataBlock(vlen, /*quiet=*/false);
}

ParseResult MetaParser::Delete() {
  Flags f;
  if (auto error = ReadLine(kFlagsTooLong, f, true)) return *error;
  if (OpaqueTooLong(2)) return Error(kOpaqueTooLong);
  SetKeyAndFlags(2);
  request_.command = CommandId::kDelete;
  if (f.Has('I')) request_.meta |= kMetaInvalidate;
  // memcached's md compares a given C0 too (and finds it differs).
  if (f.Has('C')) request_.meta |= kMetaCompareCas;
  SetChange(f);
  return Ok();
}

ParseResult MetaParser::Arithmetic() {
  Flags f;
  if (auto error = ReadLine(kFlagsTooLong, f, true)) return *error;
  switch (f.mode) {
    case 0:
    case 'I':
    case '+':
      request_.command = CommandId::kIncr;
      break;
    case 'D':
    case '-':
      request_.command = CommandId::kDecr;
      break;
    default:
      return Error(kBadArithmeticMode);
  }
  // memcached finds a long opaque only while answering, after the change;
  // refusing it first leaves the counter alone.
  if (OpaqueTooLong(2)) return Error(kOpaqueTooLong);
  SetKeyAndFlags(2);
  request_.delta = f.delta;
  if (f.Has('N')) {
    request_.create = true;
    request_.initial = f.initial;
    request_.vivify_exptime = f.vivify;
    if (f.vivify_last) request_.meta |= kMetaVivifyLast;
  }
  SetChange(f);
  return Ok();
}

ParseResult MetaParser::Debug() {
  if (tokens_.count < 2 || KeyTooLong()) return Error(kBadFormat);
  // Only a "b" right after the key counts, as in memcached.
  if (tokens_.count > 2 && tokens_[2] == "b") {
    if (!DecodeBase64Key(tokens_[1], &command_.decoded_key)) {
      return Error(kBadFormat);
    }
    command_.base64_key = true;
  }
  SetKeyAndFlags(tokens_.count);
  request_.command = CommandId::kMetaDebug;
  return Ok();
}

}  // namespace

ParseResult Parse(std::string_view input, const Limits& limits,
                  Command* command, size_t scanned) {
  command->Reset();
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
  // memcached reads a command line as a C string: it ends at a NUL byte.
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }
  if (FastRetrieval(line, *command, fast)) {
    fast.consumed = line_end + 1;
    return fast;
  }
  if (IsMetaLine(line)) {
    ParseResult r =
        MetaParser(input, line, line_end + 1, limits, command).Run();
    command->request.meta |= kMetaCommand;
    return r;
  }
  return LineParser(input, line, line_end + 1, limits, command).Run();
}

}  // namespace tinkercache::ascii
