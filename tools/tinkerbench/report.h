#ifndef TINKERCACHE_TOOLS_TINKERBENCH_REPORT_H_
#define TINKERCACHE_TOOLS_TINKERBENCH_REPORT_H_

#include <string>
#include <vector>

#include "tools/tinkerbench/runner.h"

namespace tinkerbench {

// A run's figures per operation, as every report shows them.
struct Figures {
  double ops_per_sec = 0;
  double sent_per_op = 0, received_per_op = 0;  // bytes
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  double client_us_per_op = 0;  // CPU; equals seconds per million ops
  double server_us_per_op = -1;  // -1: the server's pid was not given
  double hit_ratio = 0;
  double ops = 0, errors = 0;
};
Figures FiguresOf(const Result& r);

// A person's summary of one run.
std::string Summary(const Result& r);
// One run as a JSON object.
std::string Json(const Result& r);

// The comparison mode's cells: one (target, protocol, pipeline) with the
// medians over its rounds.
struct Cell {
  std::string target;
  Proto proto = Proto::kAscii;
  int pipeline = 1;
  std::vector<Figures> rounds;
  Figures median;  // each figure the median of the rounds' figures
  std::string first_error;
};

// Fills each cell's median from its rounds.
void TakeMedians(std::vector<Cell>& cells);
std::string CompareJson(const std::vector<Cell>& cells);
std::string CompareMarkdown(const std::vector<Cell>& cells);
// Three bar charts (ops/s, bytes on the wire per op, p99 latency) of the
// cells, grouped by protocol and pipeline, one bar per target.
std::string CompareSvg(const std::vector<Cell>& cells,
                       const std::string& title);

}  // namespace tinkerbench

#endif  // TINKERCACHE_TOOLS_TINKERBENCH_REPORT_H_
