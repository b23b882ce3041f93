// The compact decoder over arbitrary bytes: string parameters stay inside
// the input, progress is always made, and a need-more answer names a size
// the input does not yet have.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/compact/compact_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace compact = tinkercache::compact;
namespace fuzz = tinkercache::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  compact::Limits limits;
  limits.item_size_max = 4096;
  compact::Command command;
  fuzz::DecodeStream(
      {reinterpret_cast<const char*>(data), size},
      [&](std::string_view in) { return compact::Parse(in, limits, &command); },
      [&](std::string_view taken) {
        // Parse sets only the parameter the opcode's range says it has.
        const compact::Param param = compact::ParamOf(command.opcode);
        if (param == compact::Param::kStr8 || param == compact::Param::kStr32) {
          FUZZ_CHECK(fuzz::Within(command.text, taken));
        }
      });
  return 0;
}
