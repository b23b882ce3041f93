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
// survive GO until CLEAR or FORGET, so a stream may reuse them.
//
// Parse applies a whole run of opcodes, GOs included, in one pass over the
// input (registers point into it until EndOfInput), so a pipeline costs one
// trip through the drive loop, not one per opcode or per request; it stops
// where the drive loop would (the output limit, QUIT, an incomplete
// opcode). Only the rare opcodes (escaped, unknown, refused, reserved) take
// the generic one-opcode parser.
class CompactSession final : public CodecSession<CompactSession, Command> {
 public:
  explicit CompactSession(Executor& executor);

  // CodecSession's hooks.
  ParseResult Parse(std::string_view input, Command* command, size_t scanned);
  void WriteError(const ParseResult& result, const Command& command);
  bool Execute(const Command& command);
  void EndOfInput();
  // Never called: compact refuses a VALUE over the limit at GO (section
  // 3.4), not through the drive loop's too-large path.
  void RejectTooLarge(const Command&) {}

 private:
  enum class Selected : uint8_t { kNone, kBuiltIn, kExtension, kUnknown };

  void Forget(uint8_t opcode);
  void Clear();
  // Executes the selected action; false closes the connection. Inlined
  // into Parse's loop, where every GO of a pipeline runs (a fifth of a
  // set's cost in the session benchmark otherwise).
  [[gnu::always_inline]] inline bool Go();
  bool GoOther();  // no action, an unknown one, a registered command's
  bool GoRegistered();
  // The request GO runs, built for `command` from the registers in `reads`.
  Request& NewRequest(CommandId command, uint32_t reads);
  // Answers the refusal of a register the action uses; false if none.
  bool AnswerRefused(uint32_t uses, const Request& request);
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
  // End(OK), inline for its common form: the one OK byte.
  void EndOk() {
    if ((mask_ & TC_REG_OPAQUE) != 0 || skipped_ != 0) return End(TC_STATUS_OK);
    out().Append(static_cast<char>(TC_R_OK));
  }

  Limits limits_;
  uint32_t mask_ = 0;     // the flag word: one bit per register set
  // KEY and VALUE bits of registers whose last value was refused (a bad
  // KEY, a VALUE over the limit): a GO whose action uses one answers the
  // refusal until the register is set again, forgotten or cleared.
  uint32_t refused_ = 0;
  bool key_was_empty_ = false;  // which KEY refusal, for its MESSAGE
  Selected selected_ = Selected::kNone;
  uint8_t action_ = 0;    // a built-in action's opcode, or the unknown one's
  bool unknown_extended_ = false;
  const Extension* extension_ = nullptr;  // a registered command's
  bool started_ = false;  // the connection's first byte was checked
  uint32_t skipped_ = 0;  // unknown opcodes since the last reply
  // Registers. KEY and VALUE are read in place and copied only if they must
  // outlive the input (EndOfInput). Pointer and size apart, not views: GO
  // reads back what Parse just wrote, and a view written in two halves and
  // read whole stalls the store forwarding.
  const char* key_data_ = nullptr;
  size_t key_size_ = 0;
  const char* value_data_ = nullptr;
  size_t value_size_ = 0;
  char key_store_[250];
  std::string value_store_;
  char group_[255];
  uint8_t group_length_ = 0;
  uint32_t flags_ = 0;
  int32_t exptime_ = 0;
  uint32_t opaque_ = 0;
  uint64_t cas_ = 0;
  uint64_t delta_ = 0;
  uint64_t initial_ = 0;
  Request request_;  // the request GO runs, read again by Send()
};

}  // namespace tinkercache::compact

#endif  // TINKERCACHE_PROTOCOLS_COMPACT_COMPACT_SESSION_H_
