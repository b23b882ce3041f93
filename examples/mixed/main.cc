// "Override a few, keep the rest": the default in-memory engine and handler
// serve every memcached command, one handler method is overridden (keys
// under "pinned:" cannot be deleted) and one command is added on all three
// protocols (size <key>: the length of the stored value).
//   mixed_server [-p PORT] [--port-file PATH]

#include "examples/example_main.h"
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
  const examples::ExampleArgs args = examples::StartExample(argc, argv);
  const Clock& clock = SystemClock::Instance();
  auto engine = std::make_unique<MemoryEngine>(clock, MemoryEngineOptions{});
  Engine* store = engine.get();  // the added command reads through it
  auto server =
      ServerBuilder()
          .Port(args.port)
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
  return examples::ServeUntilSignal(args, server);
}
