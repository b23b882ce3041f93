// tinkercache: a memcached-protocol server on the shared command core.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "src/core/clock.h"
#include "src/core/stats.h"
#include "src/server/options.h"
#include "src/server/server.h"
#include "src/storage/engine_handler.h"
#include "src/storage/memory_engine.h"

int main(int argc, char** argv) {
  using namespace tinkercache;
  auto options = ParseOptions(argc, argv);
  if (!options.ok()) {
    std::cerr << "tinkercache: " << options.status().message() << "\n"
              << Usage(argv[0]);
    return 64;  // EX_USAGE
  }
  if (options->show_help) {
    std::cout << Usage(argv[0]);
    return 0;
  }
  if (options->show_version) {
    std::cout << "tinkercache " << kVersion << "\n";
    return 0;
  }
  const Settings& settings = options->settings;

  // Signals are taken by a dedicated thread so that shutdown runs as
  // ordinary code, not inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Clock& clock = SystemClock::Instance();
  MemoryEngineOptions engine_options;
  engine_options.max_bytes = settings.max_bytes;
  engine_options.item_size_max = settings.item_size_max;
  engine_options.evictions = settings.evictions;
  MemoryEngine engine(clock, engine_options);
  EngineHandler handler(engine, clock);
  StatsRegistry registry(settings, clock);
  Server server(handler, registry);
  if (auto status = server.Start(); !status.ok()) {
    std::cerr << "tinkercache: " << status.message() << "\n";
    return 69;  // EX_UNAVAILABLE
  }
  if (!options->port_file.empty()) {
    const std::string tmp = options->port_file + ".tmp";
    std::ofstream file(tmp);
    file << server.port() << "\n";
    if (settings.compact_port >= 0) file << server.compact_port() << "\n";
    file.close();
    std::rename(tmp.c_str(), options->port_file.c_str());
  }
  if (settings.verbosity > 0) {
    std::cerr << "tinkercache " << kVersion << " listening on "
              << settings.interface << ":" << server.port() << " with "
              << settings.threads << " worker threads\n";
  }

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  server.Run();
  // Run() can also end without a signal; wake the waiter so it exits.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}
