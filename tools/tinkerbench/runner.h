#ifndef TINKERCACHE_TOOLS_TINKERBENCH_RUNNER_H_
#define TINKERCACHE_TOOLS_TINKERBENCH_RUNNER_H_

#include <cstdint>
#include <string>

#include "tools/tinkerbench/histogram.h"
#include "tools/tinkerbench/workload.h"

namespace tinkerbench {

struct Result {
  Options options;
  std::string target;  // a name for reports ("tinkercache", "memcached")
  double seconds = 0;  // from the first request to the last reply
  uint64_t ops = 0;    // requests answered (a multi-get is one)
  uint64_t gets = 0, sets = 0, hits = 0, misses = 0;
  uint64_t errors = 0;  // wrong replies, protocol errors, lost requests
  uint64_t reconnects = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
  Histogram latency;    // ns, from the request's send to its whole reply
  double client_cpu = 0;   // seconds, all of tinkerbench's threads
  double server_cpu = -1;  // seconds, when the server's pid is known
  double server_rss_mb = -1;
  uint64_t stored = 0;  // keys stored by the warm-up
  double warmup_seconds = 0;
  std::string first_error;

  double OpsPerSec() const { return seconds > 0 ? ops / seconds : 0; }
  double PerOp(double total) const { return ops ? total / ops : 0; }
};

// Runs one workload against one server: the warm-up (unless disabled),
// then `duration` seconds of load. Throws std::runtime_error when the
// server cannot be reached.
Result Run(const Options& o, const std::string& target);

// Whether the server answers the compact protocol's CLEAR NOOP GO within
// a second (memcached does not: it waits for an ASCII line).
bool SpeaksCompact(const std::string& host, int port);

// Reads a process's CPU seconds (user + system) and resident megabytes
// from /proc; -1 when it cannot.
double ProcessCpuSeconds(int pid);
double ProcessRssMb(int pid);

}  // namespace tinkerbench

#endif  // TINKERCACHE_TOOLS_TINKERBENCH_RUNNER_H_
