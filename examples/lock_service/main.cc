// A cache and a lock service in one server: the default engine keeps
// serving every memcached command, and lock/unlock/trylock are added on all
// three protocols.
//   lock_service_server [-p PORT] [--port-file PATH]

#include "examples/example_main.h"
#include "examples/lock_service/lock_service.h"

int main(int argc, char** argv) {
  using namespace tinkercache;
  const examples::ExampleArgs args = examples::StartExample(argc, argv);
  examples::LockTable locks(SystemClock::Instance());
  ServerBuilder builder;
  builder.Port(args.port).Threads(2);
  return examples::ServeUntilSignal(
      args, examples::AddLockCommands(builder, locks).Start());
}
