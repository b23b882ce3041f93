#ifndef TINKERCACHE_EXAMPLES_EXAMPLE_MAIN_H_
#define TINKERCACHE_EXAMPLES_EXAMPLE_MAIN_H_

// What every example server's main() shares: -p PORT and --port-file PATH,
// and running until SIGINT or SIGTERM.

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "src/server/builder.h"

namespace tinkercache::examples {

struct ExampleArgs {
  uint16_t port = 11211;
  const char* port_file = nullptr;
  sigset_t signals;
};

// Call first: parses the arguments and blocks SIGINT and SIGTERM, so that
// the server's threads leave them to ServeUntilSignal.
inline ExampleArgs StartExample(int argc, char** argv) {
  ExampleArgs args;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "-p") == 0) {
      args.port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--port-file") == 0) {
      args.port_file = argv[i + 1];
    }
  }
  sigemptyset(&args.signals);
  sigaddset(&args.signals, SIGINT);
  sigaddset(&args.signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &args.signals, nullptr);
  return args;
}

// Reports the port, serves until a signal, and returns main's exit code.
inline int ServeUntilSignal(
    const ExampleArgs& args,
    const absl::StatusOr<std::unique_ptr<RunningServer>>& server) {
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return 1;
  }
  if (args.port_file != nullptr) {
    std::ofstream(args.port_file) << (*server)->port() << "\n";
  }
  int sig = 0;
  sigwait(&args.signals, &sig);
  return 0;  // the server stops as it is destroyed
}

}  // namespace tinkercache::examples

#endif  // TINKERCACHE_EXAMPLES_EXAMPLE_MAIN_H_
