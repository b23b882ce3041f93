#ifndef TINKERCACHE_SRC_SERVER_BUILDER_H_
#define TINKERCACHE_SRC_SERVER_BUILDER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "src/core/clock.h"
#include "src/core/extension.h"
#include "src/core/handler.h"
#include "src/core/settings.h"
#include "src/core/stats.h"
#include "src/server/server.h"
#include "src/storage/engine.h"

namespace tinkercache {

// A server that is running; stopping and destroying it shuts it down.
class RunningServer {
 public:
  ~RunningServer();
  uint16_t port() const { return server_->port(); }
  uint16_t compact_port() const { return server_->compact_port(); }
  // Blocks until Stop() (from another thread or a signal handler's thread).
  void Wait();
  void Stop() {
    if (server_ != nullptr) server_->Stop();
  }
  StatsRegistry& stats() { return *registry_; }

 private:
  friend class ServerBuilder;
  RunningServer() = default;

  // Declared in the order they must be built; destroyed in reverse.
  std::unique_ptr<ExtensionRegistry> extensions_;
  std::unique_ptr<tinkercache::Engine> engine_;
  std::unique_ptr<tinkercache::Handler> handler_;
  std::unique_ptr<StatsRegistry> registry_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
};

// Starts a memcached-protocol server in a few lines:
//
//   auto server = ServerBuilder().Port(11211).Threads(4).Start();
//
// Every protocol (ASCII, binary, compact) is served on the port. By default
// items live in the in-memory engine behind the default handler; keep them
// in RocksDB with PersistIn(), bring your own engine, or your own handler (derive from EngineHandler to override a
// few commands and keep the rest).
class ServerBuilder {
 public:
  using HandlerFactory =
      std::function<std::unique_ptr<tinkercache::Handler>(
      tinkercache::Engine& engine, const tinkercache::Clock& clock)>;

  ServerBuilder& Listen(std::string address) {
    settings_.interface = std::move(address);
    return *this;
  }
  ServerBuilder& Port(uint16_t port) {  // 0: any free port
    settings_.port = port;
    return *this;
  }
  ServerBuilder& CompactPort(uint16_t port) {
    settings_.compact_port = port;
    return *this;
  }
  ServerBuilder& Threads(int threads) {
    settings_.threads = threads;
    return *this;
  }
  ServerBuilder& MemoryLimit(uint64_t bytes) {
    settings_.max_bytes = bytes;
    return *this;
  }
  ServerBuilder& MaxConnections(uint32_t connections) {
    settings_.max_connections = connections;
    return *this;
  }
  ServerBuilder& ItemSizeMax(uint32_t bytes) {
    settings_.item_size_max = bytes;
    return *this;
  }
  ServerBuilder& WithSettings(const tinkercache::Settings& settings) {
    settings_ = settings;
    return *this;
  }
  ServerBuilder& WithClock(const tinkercache::Clock& clock) {
    clock_ = &clock;
    return *this;
  }
  // Items in RocksDB under `data_dir` (created if missing), so they outlive
  // the process; with `sync` each write is fsynced before it is answered.
  ServerBuilder& PersistIn(std::string data_dir, bool sync = false) {
    settings_.engine = "rocksdb";
    settings_.data_dir = std::move(data_dir);
    settings_.sync = sync;
    return *this;
  }
  // Level 1: your storage engine behind the default handler.
  ServerBuilder& WithEngine(std::unique_ptr<tinkercache::Engine> engine) {
    engine_ = std::move(engine);
    return *this;
  }
  // Level 2: your handler, built over the engine (yours or the default).
  ServerBuilder& WithHandler(HandlerFactory factory) {
    handler_factory_ = std::move(factory);
    return *this;
  }

  // Level 3: a new command, reachable on all three protocols (an ASCII
  // verb, a binary opcode, a compact action). A clash with a built-in or
  // another registered command makes Start() fail with its reason.
  ServerBuilder& AddCommand(CommandSpec spec, CommandCallback callback) {
    if (registration_error_.ok()) {
      auto id = extensions_->Register(std::move(spec), std::move(callback));
      if (!id.ok()) registration_error_ = id.status();
    }
    return *this;
  }

  // Binds, starts the workers and serves in the background.
  absl::StatusOr<std::unique_ptr<RunningServer>> Start();

 private:
  tinkercache::Settings settings_;
  const tinkercache::Clock* clock_ = &SystemClock::Instance();
  std::unique_ptr<tinkercache::Engine> engine_;
  HandlerFactory handler_factory_;
  std::unique_ptr<ExtensionRegistry> extensions_ =
      std::make_unique<ExtensionRegistry>();
  absl::Status registration_error_;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_SERVER_BUILDER_H_
