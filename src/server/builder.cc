#include "src/server/builder.h"

#include <thread>

#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"
#include "src/storage/rocksdb_engine.h"

namespace tinkercache {

RunningServer::~RunningServer() {
  Stop();
  Wait();
}

void RunningServer::Wait() {
  if (runner_.joinable()) runner_.join();
}

absl::StatusOr<std::unique_ptr<RunningServer>> ServerBuilder::Start() {
  if (!registration_error_.ok()) return registration_error_;
  if (settings_.threads <= 0) {
    settings_.threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  std::unique_ptr<RunningServer> running(new RunningServer);
  if (engine_ == nullptr && settings_.engine == "rocksdb") {
    RocksDbEngineOptions options;
    options.data_dir = settings_.data_dir;
    options.sync = settings_.sync;
    options.item_size_max = settings_.item_size_max;
    options.cache_bytes = settings_.max_bytes;
    auto engine = RocksDbEngine::Open(*clock_, std::move(options));
    if (!engine.ok()) return engine.status();
    engine_ = std::move(*engine);
  } else if (engine_ == nullptr) {
    MemoryEngineOptions options;
    options.max_bytes = settings_.max_bytes;
    options.item_size_max = settings_.item_size_max;
    options.evictions = settings_.evictions;
    engine_ = std::make_unique<MemoryEngine>(*clock_, options);
  }
  running->engine_ = std::move(engine_);
  running->handler_ =
      handler_factory_
          ? handler_factory_(*running->engine_, *clock_)
          : std::make_unique<EngineHandler>(*running->engine_, *clock_);
  running->registry_ = std::make_unique<StatsRegistry>(settings_, *clock_);
  running->extensions_ = std::move(extensions_);
  running->server_ = std::make_unique<Server>(
      *running->handler_, *running->registry_, running->extensions_.get());
  if (auto status = running->server_->Start(); !status.ok()) return status;
  Server* server = running->server_.get();
  running->runner_ = std::thread([server] { server->Run(); });
  return running;
}

}  // namespace tinkercache
