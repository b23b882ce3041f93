#ifndef TINKERCACHE_PROTOCOLS_BINARY_BINARY_SESSION_H_
#define TINKERCACHE_PROTOCOLS_BINARY_BINARY_SESSION_H_

#include <string>

#include "protocols/binary/binary_parser.h"
#include "src/core/codec_session.h"
#include "src/core/executor.h"

namespace tinkercache::binary {

// The memcached binary protocol over the shared executor, answering as
// memcached 1.6 does: opaque echoed, CAS on every successful store, quiet
// commands silent on success (gets: on a miss), errors always sent.
class BinarySession final : public CodecSession<BinarySession, Command> {
 public:
  explicit BinarySession(Executor& executor);

  // CodecSession's hooks.
  ParseResult Parse(std::string_view input, Command* command, size_t scanned);
  void WriteError(const ParseResult& result, const Command& command);
  bool Execute(const Command& command);
  void RejectTooLarge(const Command& command);

 private:
  bool Stats(const Command& command);
  void Send(const Response& response) override;
  void Packet(uint16_t status, uint64_t cas, std::string_view extras,
              std::string_view key, std::string_view value);
  // An error packet whose body is memcached's message for `status`.
  void Error(uint8_t opcode, uint32_t opaque, uint16_t status);

  Limits limits_;
  const Command* current_ = nullptr;
  // A `detail dump` collects its lines here, to send them as one stat.
  bool detail_dump_ = false;
  std::string dump_;
};

}  // namespace tinkercache::binary

#endif  // TINKERCACHE_PROTOCOLS_BINARY_BINARY_SESSION_H_
