// "Override a few, keep the rest": the default in-memory engine and handler
// serve every memcached command, one handler method is overridden (keys
// under "pinned:" cannot be deleted) and one command is added on all three
// protocols (size <key>: the length of the stored value).
//   mixed_server [-p PORT] [--port-file PATH]

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "src/server/builder.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"

namespace {

using namespace tinkercache;

class PinningHandler : public EngineHandler {
 public:
  using EngineHandler::EngineHandler;
  Status Delete(const Request& request, ResponseSink& sink) override {
    if (request.key.starts_with("pinned:")) return Reply(sink, Status::kNotFound);
    return EngineHandler::Delete(request, sink);
  }
};

}  // namespace

int main(int argc, char** argv) {
  uint16_t port = 11211;
  const char* port_file = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "-p") == 0) port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--port-file") == 0) port_file = argv[i + 1];
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const Clock& clock = SystemClock::Instance();
  auto engine = std::make_unique<MemoryEngine>(clock, MemoryEngineOptions{});
  Engine* store = engine.get();  // the added command reads through it
  auto server =
      ServerBuilder()
          .Port(port)
          .WithEngine(std::move(engine))
          .WithHandler([](Engine& e, const Clock& c) {
            return std::make_unique<PinningHandler>(e, c);
          })
          .AddCommand({"size", {ArgKind::kKey}},
                      [store](const Request& request, ResponseSink& sink) {
                        Response r;
                        std::string length;
                        r.status = store->Get(request.key, [&](const ItemView& item) {
                          length = std::to_string(item.value.size());
                        });
                        r.value = length;
                        sink.Send(r);
                        return r.status;
                      })
          .Start();
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return 1;
  }
  if (port_file != nullptr) std::ofstream(port_file) << (*server)->port() << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;
}
