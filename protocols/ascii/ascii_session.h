#ifndef TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_
#define TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_

#include "protocols/ascii/ascii_parser.h"
#include "src/core/codec_session.h"
#include "src/core/executor.h"

namespace tinkercache::ascii {

// The memcached text protocol over the shared executor: parses requests,
// executes them and encodes the replies exactly as memcached 1.6 does.
class AsciiSession final : public CodecSession<AsciiSession, Command> {
 public:
  explicit AsciiSession(Executor& executor);

  // CodecSession's hooks.
  ParseResult Parse(std::string_view input, Command* command, size_t scanned);
  void WriteError(const ParseResult& result, const Command& command);
  bool Execute(const Command& command);

 private:
  void Send(const Response& response) override;
  void Line(std::string_view text);

  Limits limits_;
  const Command* current_ = nullptr;
  // A suspended multi-key retrieval: where its remaining keys start.
  size_t resume_at_ = 0;
};

}  // namespace tinkercache::ascii

#endif  // TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_
