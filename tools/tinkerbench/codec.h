#ifndef TINKERCACHE_TOOLS_TINKERBENCH_CODEC_H_
#define TINKERCACHE_TOOLS_TINKERBENCH_CODEC_H_

#include <cstdint>
#include <memory>
#include <string>

#include "tools/tinkerbench/workload.h"

namespace tinkerbench {

enum class Op : uint8_t { kGet, kSet };

// A request in flight. A get of n keys asks for keys first_key, +1, ...
// (modulo the key space), so the expected replies need no list.
struct Pending {
  uint64_t sent_ns = 0;
  uint32_t first_key = 0;
  uint32_t opaque = 0;
  uint16_t keys = 1;
  uint16_t progress = 0;  // keys answered so far (codecs that decode per key)
  Op op = Op::kGet;
};

// What parsing the reply to the oldest request found.
struct Verdict {
  size_t consumed = 0;    // bytes to drop from the input
  bool complete = false;  // the request is fully answered
  bool fatal = false;     // the stream cannot be parsed further: reconnect
  uint32_t hits = 0;
  uint32_t misses = 0;
  std::string error;      // a wrong reply, said in words
};

// One connection's request encoder and reply checker for one protocol.
// tinkerbench's codecs share no code with the server's, so that a server
// codec bug shows up as an error here rather than cancelling out.
class Codec {
 public:
  virtual ~Codec() = default;
  // Append the request for p (p.first_key and p.keys are set).
  virtual void Get(Pending& p, std::string& out) = 0;
  virtual void Set(Pending& p, uint32_t length, std::string& out) = 0;
  // Looks at the input from its start; bytes it leaves unconsumed are
  // offered again, with more, on the next call. The hits, misses and error
  // of every verdict count, complete or not: a codec that re-reads an
  // unfinished reply reports nothing until it is complete.
  virtual Verdict Parse(const uint8_t* data, size_t n, Pending& p) = 0;
  // The connection was replaced: forget per-connection protocol state.
  virtual void Reset() {}
};

std::unique_ptr<Codec> MakeCodec(Proto proto, const Workload& w);

}  // namespace tinkerbench

#endif  // TINKERCACHE_TOOLS_TINKERBENCH_CODEC_H_
