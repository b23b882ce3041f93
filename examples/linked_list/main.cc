// The smallest complete memcached-protocol server built on the library:
// items in one linked list, every protocol served by tinkercache.
//   linked_list_server [-p PORT] [--port-file PATH]

#include "examples/linked_list/linked_list_engine.h"
#include "examples/example_main.h"

int main(int argc, char** argv) {
  using namespace tinkercache;
  const examples::ExampleArgs args = examples::StartExample(argc, argv);
  return examples::ServeUntilSignal(
      args, ServerBuilder()
                .Port(args.port)
                .Threads(1)
                .WithEngine(std::make_unique<examples::LinkedListEngine>(
                    SystemClock::Instance()))
                .Start());
}
