// The binary decoder over arbitrary bytes: views stay inside the packet,
// progress is always made, and a need-more answer names a size the input
// does not yet have.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/binary/binary_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace binary = tinkercache::binary;
namespace fuzz = tinkercache::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  binary::Limits limits;
  limits.item_size_max = 4096;  // small, so refusals are reachable
  binary::Command command;
  fuzz::DecodeStream(
      {reinterpret_cast<const char*>(data), size},
      [&](std::string_view in) { return binary::Parse(in, limits, &command); },
      [&](std::string_view packet) {
        FUZZ_CHECK(fuzz::Within(command.request.key, packet));
        FUZZ_CHECK(fuzz::Within(command.request.value, packet));
        FUZZ_CHECK(command.request.key.size() <= 250);
      });
  return 0;
}
