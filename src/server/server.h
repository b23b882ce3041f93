#ifndef TINKERCACHE_SRC_SERVER_SERVER_H_
#define TINKERCACHE_SRC_SERVER_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "asio.hpp"
#include "src/core/executor.h"
#include "src/core/handler.h"
#include "src/core/stats.h"
#include "src/server/connection_table.h"

namespace tinkercache {

// One worker thread: its own io_context, so its connections never share an
// event loop or lock with another worker's; and its own executor (counters).
struct Worker {
  Worker(Handler& handler, StatsRegistry& registry,
         const ExtensionRegistry* extensions)
      : executor(handler, registry, extensions) {}
  Executor executor;
  asio::io_context context{1};
  std::thread thread;
};

// The TCP front: accepts on one address and spreads connections over the
// workers round-robin. Each connection picks its protocol from its first
// byte; an optional second port speaks only the compact protocol.
class Server {
 public:
  Server(Handler& handler, StatsRegistry& registry,
         const ExtensionRegistry* extensions = nullptr);
  ~Server();

  // Binds and starts the workers; the accept loop runs in Run().
  absl::Status Start();
  // Serves until Stop(). Returns once every worker has finished.
  void Run();
  // Safe from any thread, including a signal-handling one.
  void Stop();

  uint16_t port() const { return port_; }
  uint16_t compact_port() const { return compact_port_; }

 private:
  absl::Status Listen(asio::ip::tcp::acceptor& acceptor, int port,
                      ConnectionTable::Entry& entry);
  void Accept(asio::ip::tcp::acceptor& acceptor, bool compact_only,
              const std::string& listen_addr);

  Handler& handler_;
  StatsRegistry& registry_;
  const ExtensionRegistry* extensions_;
  // Every listening socket and connection (stats conns). Declared before
  // the workers: connections leave it as the workers' contexts go.
  ConnectionTable connections_;
  ConnectionTable::Entry listener_;
  ConnectionTable::Entry compact_listener_;
  // Before the accept context: a pending accept holds a socket of a
  // worker's context, so the workers must outlive it.
  std::vector<std::unique_ptr<Worker>> workers_;
  asio::io_context accept_context_{1};
  asio::ip::tcp::acceptor acceptor_{accept_context_};
  asio::ip::tcp::acceptor compact_acceptor_{accept_context_};
  size_t next_worker_ = 0;
  uint16_t port_ = 0;
  uint16_t compact_port_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_SERVER_SERVER_H_
