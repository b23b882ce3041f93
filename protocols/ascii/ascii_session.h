#ifndef TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_
#define TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_

#include <cstdint>

#include "protocols/ascii/ascii_parser.h"
#include "src/core/executor.h"
#include "src/core/session.h"

namespace tinkercache::ascii {

// The memcached text protocol over the shared executor: parses requests,
// executes them and encodes the replies exactly as memcached 1.6 does.
class AsciiSession final : public ProtocolSession, private ResponseSink {
 public:
  explicit AsciiSession(Executor& executor);

  ProcessResult Process(std::string_view input, OutBuffer& out) override;

 private:
  void Send(const Response& response) override;
  // Returns false when the connection should close (quit).
  bool Execute(const Command& command);
  void Line(std::string_view text);

  Executor& executor_;
  Limits limits_;
  OutBuffer* out_ = nullptr;
  const Command* current_ = nullptr;
  uint64_t swallow_ = 0;  // data bytes still to discard
  size_t scanned_ = 0;    // newline search progress in the pending line
};

}  // namespace tinkercache::ascii

#endif  // TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_
