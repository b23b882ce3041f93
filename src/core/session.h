#ifndef TINKERCACHE_SRC_CORE_SESSION_H_
#define TINKERCACHE_SRC_CORE_SESSION_H_

#include <cstddef>
#include <string_view>

#include "src/core/out_buffer.h"

namespace tinkercache {

// Past this much output a session stops taking requests from its input, so
// a batch of requests for large values cannot build an unbounded reply: the
// caller sends what is there and calls Process() again with the rest.
inline constexpr size_t kOutputSoftLimit = 256 * 1024;

struct ProcessResult {
  size_t consumed = 0;  // input bytes fully handled; the caller drops them
  // When the next request is incomplete: the input size it needs in all,
  // when the protocol knows it (0: unknown), so the caller can size its
  // read buffer once instead of growing it read by read.
  size_t needed = 0;
  bool close = false;  // close after sending what is in `out`
};

// One connection's protocol state: bytes in, replies out. It owns no socket,
// so a server, an embedding host with its own event loop, or a test can
// drive any protocol the same way.
class ProtocolSession {
 public:
  virtual ~ProtocolSession() = default;
  // Handles the complete requests at the front of `input` and appends the
  // replies to `out`. Incomplete trailing bytes are left unconsumed, and so
  // are complete ones once `out` has grown large: call again after sending.
  virtual ProcessResult Process(std::string_view input, OutBuffer& out) = 0;

  // How much output makes Process() stop early (kOutputSoftLimit unless the
  // host chose otherwise, as tests do to reach that path with small input).
  size_t output_limit() const { return output_limit_; }
  void set_output_limit(size_t limit) { output_limit_ = limit; }

 private:
  size_t output_limit_ = kOutputSoftLimit;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_SESSION_H_
