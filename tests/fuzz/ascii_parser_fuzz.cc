// The ASCII decoder over arbitrary bytes: every command in the input is
// parsed, views stay inside the input, progress is always made, and a
// command parsed in two arrivals (resuming the newline search where the
// first stopped) decodes exactly as in one.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/ascii/ascii_parser.h"
#include "tests/fuzz/fuzz_check.h"

using tinkercache::ParseStatus;
using tinkercache::ascii::Command;
using tinkercache::ascii::Limits;
using tinkercache::ascii::Parse;
using tinkercache::fuzz::Within;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t split = data[0];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Limits limits;
  limits.item_size_max = 4096;  // small, so refusals are reachable
  limits.max_line = 256;
  limits.max_retrieval_line = 1024;
  Command command;
  while (!input.empty()) {
    const auto whole = Parse(input, limits, &command);
    if (whole.status == ParseStatus::kNeedMore) {
      FUZZ_CHECK(whole.scanned <= input.size());
      break;
    }
    FUZZ_CHECK(whole.consumed <= input.size());
    // A closing error may stop short of the bytes it could not frame.
    if (whole.status == ParseStatus::kError && whole.close) break;
    FUZZ_CHECK(whole.consumed > 0);
    if (whole.status == ParseStatus::kOk) {
      // A base64 key (meta "b") is decoded beside the input.
      FUZZ_CHECK(Within(command.request.key, input) ||
                 (command.base64_key &&
                  command.request.key.data() == command.decoded_key.data()));
      FUZZ_CHECK(Within(command.key_token, input));
      FUZZ_CHECK(Within(command.meta_flags, input));
      FUZZ_CHECK(Within(command.request.value, input));
      FUZZ_CHECK(Within(command.keys, input));
      FUZZ_CHECK(command.request.key.size() <= 250);
    }
    // The same command arriving in two pieces.
    if (split < whole.consumed) {
      Command first;
      const auto part = Parse(input.substr(0, split), limits, &first);
      if (part.status == ParseStatus::kNeedMore) {
        FUZZ_CHECK(part.scanned <= split);
        Command again;
        const auto rest = Parse(input, limits, &again, part.scanned);
        FUZZ_CHECK(rest.status == whole.status);
        FUZZ_CHECK(rest.consumed == whole.consumed);
        FUZZ_CHECK(rest.error == whole.error);
        FUZZ_CHECK(again.request.key == command.request.key);
      }
    }
    input.remove_prefix(whole.consumed);
    // A refused value's body is skipped by the session, not the parser.
    const size_t skip = static_cast<size_t>(
        std::min<uint64_t>(whole.swallow, input.size()));
    input.remove_prefix(skip);
  }
  return 0;
}
