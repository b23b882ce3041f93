#ifndef TINKERCACHE_SRC_SERVER_OPTIONS_H_
#define TINKERCACHE_SRC_SERVER_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "src/core/settings.h"

namespace tinkercache {

struct ServerOptions {
  Settings settings;
  std::string port_file;  // where to write the bound port (useful with -p 0)
  bool show_help = false;
  bool show_version = false;
};

// Parses memcached-compatible command-line options (-p -l -t -m -c -I -v -U
// -M -D -X -u) and tinkercache's own long options.
absl::StatusOr<ServerOptions> ParseOptions(int argc, char** argv);

std::string Usage(const char* program);

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_SERVER_OPTIONS_H_
