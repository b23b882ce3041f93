#ifndef TINKERCACHE_SRC_SERVER_CONNECTION_H_
#define TINKERCACHE_SRC_SERVER_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "asio.hpp"
#include "src/core/executor.h"
#include "src/core/connection_driver.h"
#include "src/core/session.h"
#include "src/server/connection_table.h"

namespace tinkercache {

// One client connection on a worker's io_context: the socket's reads and
// writes around a ConnectionDriver, which holds the buffers and runs the
// protocol session. All replies of a batch go out with one write; replies
// produced while a write is in flight wait for the next one. It is listed
// in `table` (stats conns) while it lives, as accepted on `listen_addr`.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, Executor& executor,
             bool compact_only, ConnectionTable& table,
             std::string listen_addr);
  ~Connection();

  void Start();

 private:
  void Read();
  void OnRead(const asio::error_code& error, size_t n);
  void Write();
  void OnWrite(const asio::error_code& error, size_t n);
  // -o idle_timeout: a connection that moves no bytes for that long closes.
  void ArmIdleTimer(std::chrono::steady_clock::duration after);
  void OnIdleTimer();
  void Active() {
    if (idle_timeout_.count() > 0) {
      last_active_ = std::chrono::steady_clock::now();
    }
  }
  // Publishes the state `stats conns` shows once the requests read so far
  // are handled.
  void UpdateState();
  void SetState(ConnState state) {
    entry_.state.store(state, std::memory_order_relaxed);
  }

  std::shared_ptr<asio::ip::tcp::socket> socket_;
  Executor& executor_;
  ConnectionDriver driver_;
  const std::chrono::seconds idle_timeout_;
  std::chrono::steady_clock::time_point last_active_;
  asio::steady_timer idle_timer_;
  bool closed_ = false;  // the lingering close has started
  ConnectionTable& table_;
  ConnectionTable::Entry entry_;
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
