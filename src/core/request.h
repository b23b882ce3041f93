#ifndef TINKERCACHE_SRC_CORE_REQUEST_H_
#define TINKERCACHE_SRC_CORE_REQUEST_H_

#include <cstdint>
#include <string_view>

#include "src/core/command.h"
#include "src/core/status.h"

namespace tinkercache {

// A protocol-neutral request. Every front end decodes into it. The views
// point into the connection's read buffer and are valid for one Execute().
struct Request {
  CommandId command = CommandId::kNoop;
  bool quiet = false;    // noreply / quiet: the protocol decides what it hides
  bool create = false;   // incr/decr: create with `initial` when missing
  uint32_t flags = 0;
  // Expiry as the protocols carry it: 0 never, up to 30 days relative,
  // beyond that absolute unix time, negative already expired. For flush it
  // is the delay.
  int64_t exptime = 0;
  uint64_t cas = 0;      // 0: no CAS check
  uint64_t delta = 0;    // incr/decr amount; verbosity level
  uint64_t initial = 0;  // incr/decr value when created
  uint32_t opaque = 0;   // echoed by protocols that carry it
  std::string_view key;  // key; stats group for kStats
  std::string_view value;
};

// One reply unit. A command may send several (a stats line each), or none.
// The views are valid only during the ResponseSink::Send() call, so a sink
// must copy what it keeps (typically straight into its output buffer).
struct Response {
  Status status = Status::kOk;
  uint32_t flags = 0;
  uint64_t cas = 0;
  uint64_t number = 0;      // incr/decr result
  std::string_view key;     // stats: the stat's name
  std::string_view value;   // item value; stats: the stat's value; version
};

// Receives the responses of the command being executed.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void Send(const Response& response) = 0;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_REQUEST_H_
