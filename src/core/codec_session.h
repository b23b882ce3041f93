#ifndef TINKERCACHE_SRC_CORE_CODEC_SESSION_H_
#define TINKERCACHE_SRC_CORE_CODEC_SESSION_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/core/executor.h"
#include "src/core/session.h"

namespace tinkercache {

enum class ParseStatus : uint8_t { kOk, kNeedMore, kError };

// What every codec's Parse() reports, whatever its protocol. A codec's own
// result type extends it with how its errors are written.
struct ParseOutcome {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;  // kOk/kError: bytes this request took
  size_t needed = 0;    // kNeedMore: bytes the request needs in all, if known
  size_t scanned = 0;   // kNeedMore: how far the input was already searched
  uint64_t swallow = 0;    // kError: bytes to discard after `consumed`
  bool too_large = false;  // kError: a value that can never fit
  bool close = false;      // kError: close after the reply
};

// The loop every protocol session runs over its input: parse a request,
// execute it or answer its error, discard refused bodies as they arrive
// (never buffering them), and stop at the first incomplete request.
//
// Derived provides:
//   Result Parse(std::string_view input, Command* command, size_t scanned);
//   void WriteError(const Result& result, const Command& command);
//   bool Execute(const Command& command);  // false: close the connection
// and may define EndOfInput(), called before Process() returns, to copy what
// it keeps beyond the input (the input is reused after the call), and
// RejectTooLarge(), to count a value refused as too large its own way. A
// command whose replies alone pass output_limit() (a get of many keys)
// calls Suspend() and returns: it stays unconsumed, the output is sent, and
// the next Process() parses it again for the session to resume where it
// was.
template <typename Derived, typename Command>
class CodecSession : public ProtocolSession, protected ResponseSink {
 public:
  explicit CodecSession(Executor& executor) : executor_(executor) {}

  ProcessResult Process(std::string_view input, OutBuffer& out) final {
    out_ = &out;
    ProcessResult result;
    size_t pos = 0;
    // One command object for the whole input: parsers overwrite it, so a
    // protocol with many small opcodes does not rebuild it for each.
    Command command;
    const size_t limit = output_limit();
    while (pos < input.size() && out.size() < limit) {
      if (swallow_ > 0) {
        const size_t n = static_cast<size_t>(
            std::min<uint64_t>(swallow_, input.size() - pos));
        swallow_ -= n;
        pos += n;
        continue;
      }
      const auto r = self().Parse(input.substr(pos), &command, scanned_);
      if (r.status == ParseStatus::kNeedMore) {
        scanned_ = r.scanned;
        result.needed = r.needed;
        break;
      }
      scanned_ = 0;
      pos += r.consumed;
      bool keep_open = true;
      if (r.status == ParseStatus::kError) {
        if (r.too_large) self().RejectTooLarge(command);
        self().WriteError(r, command);
        swallow_ = r.swallow;
        keep_open = !r.close;
      } else {
        keep_open = self().Execute(command);
        if (suspended_) {
          suspended_ = false;
          pos -= r.consumed;
          break;
        }
      }
      if (!keep_open) {
        result.close = true;
        pos = input.size();
        break;
      }
    }
    result.consumed = pos;
    self().EndOfInput();
    out_ = nullptr;
    return result;
  }

  void EndOfInput() {}
  void RejectTooLarge(const Command& command) {
    executor_.RejectTooLarge(command.request);
  }

 protected:
  Executor& executor() { return executor_; }
  OutBuffer& out() { return *out_; }
  void Suspend() { suspended_ = true; }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }

  Executor& executor_;
  OutBuffer* out_ = nullptr;
  uint64_t swallow_ = 0;  // body bytes still to discard
  size_t scanned_ = 0;    // search progress within the pending request
  bool suspended_ = false;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_CODEC_SESSION_H_
