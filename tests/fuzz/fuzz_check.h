#ifndef TINKERCACHE_TESTS_FUZZ_FUZZ_CHECK_H_
#define TINKERCACHE_TESTS_FUZZ_FUZZ_CHECK_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "src/core/codec_session.h"

// A broken invariant is a finding: abort so that libFuzzer saves the input.
#define FUZZ_CHECK(cond)                                                 \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,    \
                   __LINE__, #cond);                                     \
      std::abort();                                                      \
    }                                                                    \
  } while (0)

namespace tinkercache::fuzz {

// A view the parser returned must lie inside the bytes it was given.
inline bool Within(std::string_view inner, std::string_view outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() &&
         inner.data() + inner.size() <= outer.data() + outer.size();
}

// Decodes every request of a length-framed protocol (binary, compact) from
// `input`, skipping refused bodies as the session does. `parse(rest)` returns
// the codec's result; `on_ok(packet)` checks a decoded request against the
// bytes it took. A need-more answer must name a size the input lacks (0:
// unknown), and every request but a closing error makes progress.
template <typename Parse, typename OnOk>
void DecodeStream(std::string_view input, Parse parse, OnOk on_ok) {
  while (!input.empty()) {
    const auto r = parse(input);
    if (r.status == ParseStatus::kNeedMore) {
      FUZZ_CHECK(r.needed == 0 || r.needed > input.size());
      return;
    }
    FUZZ_CHECK(r.consumed <= input.size());
    // A closing error may stop short of the bytes it could not frame.
    if (r.status == ParseStatus::kError && r.close) return;
    FUZZ_CHECK(r.consumed > 0);
    if (r.status == ParseStatus::kOk) on_ok(input.substr(0, r.consumed));
    input.remove_prefix(r.consumed);
    input.remove_prefix(
        static_cast<size_t>(std::min<uint64_t>(r.swallow, input.size())));
  }
}

}  // namespace tinkercache::fuzz

#endif  // TINKERCACHE_TESTS_FUZZ_FUZZ_CHECK_H_
