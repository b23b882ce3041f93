#ifndef TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_SESSION_H_
#define TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_SESSION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/compact/compact_parser.h"
#include "src/core/codec_session.h"
#include "src/core/executor.h"

namespace tinkercache::compact {

// The compact typed-parameter protocol (spec/compact.md): register opcodes
// fill per-connection registers and set their bit in a flag word, an action
// opcode selects the command, and GO checks the action's required registers
// with one mask test and executes it through the shared executor. Registers
// survive GO until CLEAR, so a stream may reuse them.
class CompactSession final : public CodecSession<CompactSession, Command> {
 public:
  explicit CompactSession(Executor& executor);

  // CodecSession's hooks.
  ParseResult Parse(std::string_view input, Command* command, size_t scanned);
  void WriteError(const ParseResult& result, const Command& command);
  bool Execute(const Command& command);
  void EndOfInput();

 private:
  // One opcode, without the GO that may follow it.
  bool ExecuteOne(const Command& command);
  // Executes the selected action; false closes the connection.
  bool Go();
  bool GoRegistered(Request& request);
  // Answers MISSING, naming them, unless all `required` registers are set.
  bool HasRegisters(uint32_t required);
  void Send(const Response& response) override;
  void Field8(uint8_t code, uint8_t value);
  void Field32(uint8_t code, uint32_t value);
  void Field64(uint8_t code, uint64_t value);
  void FieldString(uint8_t code, std::string_view text);
  void FieldValue(std::string_view value);
  // Ends a reply: the trailing fields every reply may carry, then OK or
  // STATUS(code) with an optional MESSAGE before it.
  void End(uint8_t status, std::string_view message = {});
  void Clear();

  Limits limits_;
  uint32_t mask_ = 0;     // the flag word: one bit per register set
  uint8_t action_ = 0;    // the selected action's opcode; 0: none (GO's code)
  const Extension* extension_ = nullptr;  // or a registered command's
  uint8_t pending_ = 0;   // a status GO must answer instead of executing
  std::string_view pending_message_;
  uint32_t skipped_ = 0;  // unknown opcodes since the last reply
  // Registers. The key is copied (at most 250 bytes); the value is read in
  // place and copied only if it must outlive the input (EndOfInput).
  char key_[250];
  uint8_t key_length_ = 0;
  std::string_view value_;
  std::string value_store_;
  char group_[255];
  uint8_t group_length_ = 0;
  uint32_t flags_ = 0;
  int32_t exptime_ = 0;
  uint32_t opaque_ = 0;
  uint64_t cas_ = 0;
  uint64_t delta_ = 0;
  uint64_t initial_ = 0;
  const Request* current_ = nullptr;  // the request GO runs; valid in Send()
};

}  // namespace tinkercache::compact

#endif  // TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_SESSION_H_
