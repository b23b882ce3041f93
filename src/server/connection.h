#ifndef TINKERCACHE_SRC_SERVER_CONNECTION_H_
#define TINKERCACHE_SRC_SERVER_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <memory>

#include "asio.hpp"
#include "src/core/executor.h"
#include "src/core/out_buffer.h"
#include "src/core/session.h"

namespace tinkercache {

// One client connection on a worker's io_context. It reads into its own
// buffer, lets the protocol session handle every complete request in it, and
// sends all replies of a batch with one write; replies produced while a
// write is in flight wait in a second buffer for the next one.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, Executor& executor,
             bool compact_only);
  ~Connection();

  void Start();

 private:
  void Read();
  void OnRead(const asio::error_code& error, size_t n);
  void Process();
  void Write();
  void OnWrite(const asio::error_code& error, size_t n);
  void EnsureReadRoom(size_t needed);
  // -o idle_timeout: a connection that moves no bytes for that long closes.
  void ArmIdleTimer(std::chrono::steady_clock::duration after);
  void OnIdleTimer();
  void Active() {
    if (idle_timeout_.count() > 0) {
      last_active_ = std::chrono::steady_clock::now();
    }
  }

  std::shared_ptr<asio::ip::tcp::socket> socket_;
  Executor& executor_;
  const bool compact_only_;
  std::unique_ptr<ProtocolSession> session_;
  std::unique_ptr<char[]> read_buffer_;
  size_t read_capacity_ = 0;
  size_t read_length_ = 0;
  size_t read_needed_ = 0;
  const std::chrono::seconds idle_timeout_;
  std::chrono::steady_clock::time_point last_active_;
  asio::steady_timer idle_timer_;
  OutBuffer pending_;  // replies not yet handed to the socket
  OutBuffer sending_;  // replies of the write in flight
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // no more reading; close once replies are sent
  bool unfinished_ = false;  // requests left unprocessed at the output limit
  bool closed_ = false;   // the lingering close has started
};

// Closes a socket the server is done with after its last reply was written:
// shuts down the sending side, then discards what the client still sends
// for a short while. Closing with unread input would make the kernel reset
// the connection, and the reset can destroy the reply before it is read.
void LingeringClose(std::shared_ptr<asio::ip::tcp::socket> socket);

// Picks the protocol from a connection's first byte, by each protocol's
// own rule (binary: its magic; compact: a control byte; else ASCII).
std::unique_ptr<ProtocolSession> NewSession(unsigned char first_byte,
                                            Executor& executor);

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_SERVER_CONNECTION_H_
