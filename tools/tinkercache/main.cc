// tinkercache: a memcached-protocol server on the shared command core.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "src/core/stats.h"
#include "src/server/builder.h"
#include "src/server/options.h"

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

  auto server = ServerBuilder().WithSettings(settings).Start();
  if (!server.ok()) {
    std::cerr << "tinkercache: " << server.status().message() << "\n";
    return 69;  // EX_UNAVAILABLE
  }
  RunningServer& running = **server;
  if (!options->port_file.empty()) {
    const std::string tmp = options->port_file + ".tmp";
    std::ofstream file(tmp);
    file << running.port() << "\n";
    if (settings.compact_port >= 0) file << running.compact_port() << "\n";
    file.close();
    std::rename(tmp.c_str(), options->port_file.c_str());
  }
  if (settings.verbosity > 0) {
    std::cerr << "tinkercache " << kVersion << " listening on "
              << settings.interface << ":" << running.port() << " with "
              << settings.threads << " worker threads\n";
  }

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    running.Stop();
  });
  running.Wait();
  // Run() can also end without a signal; wake the waiter so it exits.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}
