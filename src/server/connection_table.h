#ifndef TINKERCACHE_SRC_SERVER_CONNECTION_TABLE_H_
#define TINKERCACHE_SRC_SERVER_CONNECTION_TABLE_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "asio.hpp"
#include "src/core/clock.h"
#include "src/core/stats.h"

namespace tinkercache {

// A connection's state in memcached's words (`stats conns`).
enum class ConnState : uint8_t {
  kListening,  // a listening socket
  kNewCmd,     // nothing received yet
  kParseCmd,   // handling the requests just read
  kRead,       // waiting for input
  kNread,      // waiting for the rest of a value or body
  kMwrite,     // replies being written
  kClosing,
};
std::string_view StateName(ConnState state);

// memcached's form of an address: "tcp:127.0.0.1:11211",
// "tcp6:[::1]:11211".
std::string AddressText(const asio::ip::tcp::endpoint& endpoint);

// Every listening socket and connection of a server, for `stats conns`.
// An entry belongs to its connection: only the connection's own thread
// writes it (relaxed stores when input arrives and when a write starts or
// ends), while `stats conns` reads it from any thread. Adding and removing
// take a mutex: once per connection, nothing per request.
class ConnectionTable final : public ConnectionLister {
 public:
  struct Entry {
    int fd = -1;
    std::string addr;
    std::string listen_addr;            // empty for a listening socket
    std::atomic<uint32_t> last_cmd{0};  // unix seconds of the last input
    std::atomic<ConnState> state{ConnState::kNewCmd};
    // The table's list, under its mutex.
    Entry* prev = nullptr;
    Entry* next = nullptr;
  };

  explicit ConnectionTable(const Clock& clock) : clock_(clock) {}
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  // Lists `entry` until Remove(entry); the entry must live that long.
  void Add(Entry* entry);
  void Remove(Entry* entry);

  void ListConnections(
      absl::FunctionRef<void(const ConnectionInfo&)> visit) const override;

  const Clock& clock() const { return clock_; }

 private:
  const Clock& clock_;
  // A std::mutex: ThreadSanitizer sees its ordering (the distribution's
  // Abseil is not built for it).
  mutable std::mutex mu_;
  Entry* head_ = nullptr;  // guarded by mu_
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_SERVER_CONNECTION_TABLE_H_
