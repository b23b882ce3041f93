// A cache and a lock service in one server: the default engine keeps
// serving every memcached command, and lock/unlock/trylock are added on all
// three protocols.
//   lock_service_server [-p PORT] [--port-file PATH]

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "examples/lock_service/lock_service.h"

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

  tinkercache::examples::LockTable locks(tinkercache::SystemClock::Instance());
  tinkercache::ServerBuilder builder;
  builder.Port(port).Threads(2);
  auto server = tinkercache::examples::AddLockCommands(builder, locks).Start();
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return 1;
  }
  if (port_file != nullptr) std::ofstream(port_file) << (*server)->port() << "\n";
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;
}
