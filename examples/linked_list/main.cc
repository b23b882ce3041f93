// The smallest complete memcached-protocol server built on the library:
// items in one linked list, every protocol served by tinkercache.
//   linked_list_server [-p PORT] [--port-file PATH]

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "examples/linked_list/linked_list_engine.h"
#include "src/server/builder.h"

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

  auto& clock = tinkercache::SystemClock::Instance();
  auto server =
      tinkercache::ServerBuilder()
          .Port(port)
          .Threads(1)
          .WithEngine(
              std::make_unique<tinkercache::examples::LinkedListEngine>(clock))
          .Start();
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return 1;
  }
  if (port_file != nullptr) std::ofstream(port_file) << (*server)->port() << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;  // the server stops as it goes out of scope
}
