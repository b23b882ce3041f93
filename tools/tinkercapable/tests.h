#ifndef TINKERCACHE_TOOLS_TINKERCAPABLE_TESTS_H_
#define TINKERCACHE_TOOLS_TINKERCAPABLE_TESTS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/tinkercapable/client.h"

namespace tinkercapable {

struct Target {
  std::string host = "127.0.0.1";
  int port = 11211;
  std::unique_ptr<Connection> Connect() const {
    return std::make_unique<Connection>(host, port);
  }
};

struct Test {
  std::string name;
  char protocol;  // 'a', 'b' or 'c'
  std::function<void(const Target&)> run;
};

std::vector<Test> CompactTests();
// Whether the server answers the compact protocol (CLEAR NOOP GO).
bool SpeaksCompact(const std::string& host, int port);

}  // namespace tinkercapable

#endif  // TINKERCACHE_TOOLS_TINKERCAPABLE_TESTS_H_
