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
  // `stats <group>`: its lines, then the end memcached gives the group.
  bool Stats(const Request& request);
  void Line(std::string_view text);
  // Answers the statuses every command answers alike; false for others.
  bool CommonError(Status status);

  // Meta command replies: the code, then the reply flags in the order of
  // the request's flags.
  void MetaSend(const Response& r);
  void MetaGetReply(const Response& r);
  void MetaArithmeticReply(const Response& r);
  void MetaDebugReply(const Response& r);
  void MetaStoreCode(std::string_view code, uint64_t cas);
  // A code with the opaque and key flags only.
  void MetaCode(std::string_view code);
  // Echoes an opaque or key flag; the key in base64 when `binary_key`.
  void MetaEcho(std::string_view token, bool binary_key);
  void MetaKey(bool binary);

  Limits limits_;
  const Command* current_ = nullptr;
  // A suspended multi-key retrieval: where its remaining keys start.
  size_t resume_at_ = 0;
  // The stats being answered are lines of their own, not STAT lines.
  bool raw_stats_ = false;
};

}  // namespace tinkercache::ascii

#endif  // TINKERCACHE_PROTOCOLS_ASCII_ASCII_SESSION_H_
