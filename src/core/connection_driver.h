#ifndef TINKERCACHE_SRC_CORE_CONNECTION_DRIVER_H_
#define TINKERCACHE_SRC_CORE_CONNECTION_DRIVER_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/types/span.h"
#include "src/core/executor.h"
#include "src/core/out_buffer.h"
#include "src/core/session.h"

namespace tinkercache {

// Picks and builds a connection's session from its first byte.
using SessionFactory = std::unique_ptr<ProtocolSession> (*)(
    unsigned char first_byte, Executor& executor);

struct DriverLimits {
  // Past this much unsent output the session stops taking requests and no
  // more input is read until a write completes.
  size_t output_limit = kOutputSoftLimit;
  size_t initial_read = 16 * 1024;
  // Buffers that grew past these are released once empty, so one large
  // value does not pin memory for the connection's lifetime.
  size_t keep_read = 64 * 1024;
  size_t keep_output = 256 * 1024;
};

// One connection's bytes and its session, without the socket: the read
// buffer, the replies waiting and the replies being written, and the rules
// that bound them. The server's connection, the session tests and the
// connection fuzzer all drive this class, through the same calls a socket
// loop makes:
//
//   if (CanRead()) read into BeginRead(), then EndRead(n) or EndOfInput();
//   send BeginWrite() when it is not empty, then EndWrite();
//   close once Done().
//
// At most one read and one write are in flight. The read buffer is never
// moved or compacted while a read is in flight: requests are processed only
// when a read has ended, or when a write ends with no read in flight
// (requests left behind at the output limit block reading until done).
class ConnectionDriver {
 public:
  ConnectionDriver(Executor& executor, SessionFactory factory,
                   DriverLimits limits = {});
  // A session chosen by the caller instead of by the first byte.
  ConnectionDriver(Executor& executor,
                   std::unique_ptr<ProtocolSession> session,
                   DriverLimits limits = {});
  ConnectionDriver(const ConnectionDriver&) = delete;
  ConnectionDriver& operator=(const ConnectionDriver&) = delete;

  // A read may start: none is in flight, input is still wanted, no complete
  // request waits, and the replies waiting are under the output limit.
  bool CanRead() const {
    return !reading_ && !closing_ && !unfinished_ &&
           pending_.size() < limits_.output_limit;
  }
  // Where the read's bytes go; valid until EndRead() or EndOfInput().
  absl::Span<char> BeginRead();
  // `n` bytes arrived in the span BeginRead() gave; handles what is complete.
  void EndRead(size_t n);
  // The peer sends nothing more (the read in flight, if any, has ended):
  // what is complete is answered, then the connection is Done().
  void EndOfInput();

  // The replies to send next, in order; empty: nothing to send now. They
  // stay valid until EndWrite().
  std::string_view BeginWrite();
  // The write has completed; handles requests left behind the output limit.
  void EndWrite();

  // The connection is closing and every reply has been written.
  bool Done() const {
    return closing_ && !writing_ && !unfinished_ && pending_.empty();
  }
  // The connection is lost: nothing more is read or sent.
  void Abort();

  bool closing() const { return closing_; }
  bool reading() const { return reading_; }
  bool writing() const { return writing_; }
  // Input bytes received but not yet handled.
  size_t buffered() const { return length_; }
  // What the incomplete request buffered needs in all, when its header
  // says (a storage command's value, a binary body); 0: unknown or none.
  size_t needed() const { return length_ > 0 ? needed_ : 0; }
  size_t output_waiting() const { return pending_.size(); }
  ProtocolSession* session() const { return session_.get(); }

 private:
  void Process();
  void EnsureReadRoom();

  Executor& executor_;
  SessionFactory factory_ = nullptr;
  std::unique_ptr<ProtocolSession> session_;
  const DriverLimits limits_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t length_ = 0;
  size_t needed_ = 0;  // what the incomplete request needs in all, if known
  OutBuffer pending_;  // replies not yet handed to a write
  OutBuffer sending_;  // replies of the write in flight
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;     // no more input; close once replies are sent
  bool unfinished_ = false;  // complete requests left at the output limit
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_CONNECTION_DRIVER_H_
