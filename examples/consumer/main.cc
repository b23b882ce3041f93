// Starts a server from an installed tinkercache, stores and reads an item
// through an in-process ASCII session, and stops.

#include <iostream>

#include <tinkercache/engine.h>
#include <tinkercache/handler.h>
#include <tinkercache/server.h>
#include <tinkercache/session.h>

int main() {
  auto server = tinkercache::ServerBuilder().Port(0).Threads(1).Start();
  if (!server.ok()) {
    std::cerr << server.status().message() << "\n";
    return 1;
  }
  std::cout << "listening on port " << (*server)->port() << "\n";
  (*server)->Stop();

  // The same protocol code without a network: bytes in, bytes out.
  auto& clock = tinkercache::SystemClock::Instance();
  tinkercache::MemoryEngine engine(clock, {});
  tinkercache::EngineHandler handler(engine, clock);
  tinkercache::StatsRegistry stats(tinkercache::Settings{}, clock);
  tinkercache::Executor executor(handler, stats);
  tinkercache::ascii::AsciiSession session(executor);
  tinkercache::OutBuffer out;
  session.Process("set k 0 0 2\r\nok\r\nget k\r\n", out);
  std::cout << out.view();
  return out.view() == "STORED\r\nVALUE k 0 2\r\nok\r\nEND\r\n" ? 0 : 1;
}
