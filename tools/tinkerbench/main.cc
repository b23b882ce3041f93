// tinkerbench: drives one workload over memcached's ASCII and binary
// protocols and tinkercache's compact protocol, checks every reply, and
// reports throughput, latency, bytes and CPU per operation.
//
//   tinkerbench [--proto ascii|binary|compact] [-h HOST] [-p PORT] ...
//   tinkerbench --compare --target NAME=HOST:PORT[:PID] ... [--svg FILE]
//
// See `tinkerbench --help` and README.md.

#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/tinkerbench/report.h"
#include "tools/tinkerbench/runner.h"

namespace tinkerbench {
namespace {

constexpr char kUsage[] = R"(usage: tinkerbench [options]
  --proto P            ascii, binary or compact (default ascii)
  -h, --host HOST      server address (default 127.0.0.1)
  -p, --port PORT      server port (default 11211)
  -c, --connections N  connections (default 50)
  -d, --pipeline N     requests in flight per connection (default 1)
  -t, --threads N      load threads, each with its share of the
                       connections (default 1)
  -s, --duration S     seconds of load after the warm-up (default 10)
  -k, --keys N         key space (default 10000)
  --key-size N         key length in bytes (default 12)
  -v, --value-size N   value length, or MIN-MAX for a uniform range
                       (default 100)
  -r, --ratio G:S      gets to sets (default 9:1)
  -m, --multiget N     keys per get (default 1)
  --flags N            client flags stored with every value (default 0)
  --no-warmup          do not store the key space first
  --warmup-only        store the key space and stop
  --server-pid PID     report the server's CPU per op and resident memory
  --seed N             random seed (default 1)
  --json FILE          write the result as JSON ("-": standard output)
  --progress on|off    live progress on standard error (default: when it
                       is a terminal)
comparison mode:
  --compare            run every protocol and pipeline against every target
  --target NAME=HOST:PORT[:PID]
                       a server to compare (repeat; default the -h/-p one)
  --protos LIST        protocols (default ascii,binary,compact; compact
                       only against targets that answer it)
  --pipelines LIST     pipeline depths (default 1,16)
  --rounds N           interleaved rounds; figures are medians (default 3)
  --markdown FILE      write the table
  --svg FILE           write the chart
  --title TEXT         the chart's title
Every reply is checked; the exit status is 1 when any was wrong or lost,
2 on a usage or connection error.
)";

struct Target {
  std::string name, host;
  int port = 0, pid = 0;
};

struct CompareOptions {
  bool enabled = false;
  std::vector<Target> targets;
  std::vector<Proto> protos = {Proto::kAscii, Proto::kBinary,
                               Proto::kCompact};
  std::vector<int> pipelines = {1, 16};
  int rounds = 3;
  std::string markdown, svg, title = "tinkerbench";
};

[[noreturn]] void Usage(const std::string& error) {
  std::cerr << "tinkerbench: " << error << "\n" << kUsage;
  std::exit(2);
}

long Number(const char* text, long min, long max, const char* what) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min || v > max) {
    Usage(std::string("bad ") + what + ": " + text);
  }
  return v;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

Target ParseTarget(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) Usage("--target wants NAME=HOST:PORT[:PID]");
  Target t;
  t.name = text.substr(0, eq);
  const std::vector<std::string> parts = Split(text.substr(eq + 1), ':');
  if (parts.size() < 2 || parts.size() > 3) {
    Usage("--target wants NAME=HOST:PORT[:PID]");
  }
  t.host = parts[0];
  t.port = int(Number(parts[1].c_str(), 1, 65535, "port"));
  if (parts.size() == 3) t.pid = int(Number(parts[2].c_str(), 1, 1 << 30, "pid"));
  return t;
}

void WriteFile(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text;
    return;
  }
  std::ofstream f(path);
  f << text;
  if (!f) Usage("cannot write " + path);
}

enum LongOnly {
  kProto = 256, kKeySize, kFlags, kNoWarmup, kWarmupOnly, kServerPid, kSeed,
  kJson, kProgress, kCompare, kTarget, kProtos, kPipelines, kRounds,
  kMarkdown, kSvg, kTitle, kHelp
};

void ParseArgs(int argc, char** argv, Options& o, CompareOptions& c,
               std::string& json) {
  static const option kLong[] = {
      {"proto", required_argument, nullptr, kProto},
      {"host", required_argument, nullptr, 'h'},
      {"port", required_argument, nullptr, 'p'},
      {"connections", required_argument, nullptr, 'c'},
      {"pipeline", required_argument, nullptr, 'd'},
      {"threads", required_argument, nullptr, 't'},
      {"duration", required_argument, nullptr, 's'},
      {"keys", required_argument, nullptr, 'k'},
      {"key-size", required_argument, nullptr, kKeySize},
      {"value-size", required_argument, nullptr, 'v'},
      {"ratio", required_argument, nullptr, 'r'},
      {"multiget", required_argument, nullptr, 'm'},
      {"flags", required_argument, nullptr, kFlags},
      {"no-warmup", no_argument, nullptr, kNoWarmup},
      {"warmup-only", no_argument, nullptr, kWarmupOnly},
      {"server-pid", required_argument, nullptr, kServerPid},
      {"seed", required_argument, nullptr, kSeed},
      {"json", required_argument, nullptr, kJson},
      {"progress", required_argument, nullptr, kProgress},
      {"compare", no_argument, nullptr, kCompare},
      {"target", required_argument, nullptr, kTarget},
      {"protos", required_argument, nullptr, kProtos},
      {"pipelines", required_argument, nullptr, kPipelines},
      {"rounds", required_argument, nullptr, kRounds},
      {"markdown", required_argument, nullptr, kMarkdown},
      {"svg", required_argument, nullptr, kSvg},
      {"title", required_argument, nullptr, kTitle},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "h:p:c:d:t:s:k:v:r:m:", kLong,
                            nullptr)) != -1) {
    switch (opt) {
      case kProto:
        if (!ParseProto(optarg, &o.proto)) Usage("unknown protocol");
        break;
      case 'h': o.host = optarg; break;
      case 'p': o.port = int(Number(optarg, 1, 65535, "port")); break;
      case 'c': o.connections = int(Number(optarg, 1, 100000, "connections")); break;
      case 'd': o.pipeline = int(Number(optarg, 1, 65535, "pipeline")); break;
      case 't': o.threads = int(Number(optarg, 1, 256, "threads")); break;
      case 's': {
        char* end = nullptr;
        o.duration = std::strtod(optarg, &end);
        if (*end != '\0' || !(o.duration > 0)) Usage("bad duration");
        break;
      }
      case 'k': o.keys = uint32_t(Number(optarg, 1, 1L << 31, "keys")); break;
      case kKeySize: o.key_size = int(Number(optarg, 1, 250, "key size")); break;
      case 'v': {
        const std::vector<std::string> range = Split(optarg, '-');
        if (range.size() > 2) Usage("bad value size");
        o.value_min = uint32_t(Number(range[0].c_str(), 0, 1L << 30, "value size"));
        o.value_max = range.size() == 2
                          ? uint32_t(Number(range[1].c_str(), 0, 1L << 30,
                                            "value size"))
                          : o.value_min;
        if (o.value_max < o.value_min) Usage("bad value size range");
        break;
      }
      case 'r': {
        const std::vector<std::string> ratio = Split(optarg, ':');
        if (ratio.size() != 2) Usage("--ratio wants GETS:SETS");
        o.get_weight = uint32_t(Number(ratio[0].c_str(), 0, 1000000, "ratio"));
        o.set_weight = uint32_t(Number(ratio[1].c_str(), 0, 1000000, "ratio"));
        if (o.get_weight + o.set_weight == 0) Usage("bad ratio");
        break;
      }
      case 'm': o.multiget = int(Number(optarg, 1, 1000, "multiget")); break;
      case kFlags: o.flags = uint32_t(Number(optarg, 0, 0xffffffffL, "flags")); break;
      case kNoWarmup: o.warmup = false; break;
      case kWarmupOnly: o.warmup_only = true; break;
      case kServerPid: o.server_pid = int(Number(optarg, 1, 1 << 30, "pid")); break;
      case kSeed: o.seed = uint64_t(Number(optarg, 0, 1L << 62, "seed")); break;
      case kJson: json = optarg; break;
      case kProgress: o.progress = std::string(optarg) == "on" ? 1 : 0; break;
      case kCompare: c.enabled = true; break;
      case kTarget: c.targets.push_back(ParseTarget(optarg)); break;
      case kProtos:
        c.protos.clear();
        for (const std::string& p : Split(optarg, ',')) {
          Proto proto;
          if (!ParseProto(p, &proto)) Usage("unknown protocol " + p);
          c.protos.push_back(proto);
        }
        break;
      case kPipelines:
        c.pipelines.clear();
        for (const std::string& p : Split(optarg, ',')) {
          c.pipelines.push_back(int(Number(p.c_str(), 1, 65535, "pipeline")));
        }
        break;
      case kRounds: c.rounds = int(Number(optarg, 1, 1000, "rounds")); break;
      case kMarkdown: c.markdown = optarg; break;
      case kSvg: c.svg = optarg; break;
      case kTitle: c.title = optarg; break;
      case kHelp: std::cout << kUsage; std::exit(0);
      default: Usage("unknown option");
    }
  }
  if (optind != argc) Usage(std::string("unexpected argument ") + argv[optind]);
  if (o.threads > o.connections) Usage("more threads than connections");
  if (uint32_t(o.multiget) > o.keys) Usage("--multiget larger than --keys");
}

int Single(const Options& o, const std::string& json) {
  const Result r = Run(o, o.host + ":" + std::to_string(o.port));
  (json == "-" ? std::cerr : std::cout) << Summary(r);
  if (!json.empty()) WriteFile(json, Json(r) + "\n");
  return r.errors ? 1 : 0;
}

int Compare(Options o, CompareOptions& c, const std::string& json) {
  if (c.targets.empty()) {
    c.targets.push_back({"server", o.host, o.port, o.server_pid});
  }
  std::vector<bool> compact(c.targets.size());
  for (size_t t = 0; t < c.targets.size(); ++t) {
    const Target& target = c.targets[t];
    compact[t] = SpeaksCompact(target.host, target.port);
    if (!o.warmup) continue;
    Options w = o;
    w.host = target.host;
    w.port = target.port;
    w.server_pid = target.pid;
    w.warmup_only = true;
    const Result r = Run(w, target.name);
    std::cerr << target.name << ": stored " << r.stored << " keys in "
              << r.warmup_seconds << " s"
              << (compact[t] ? "" : "; does not answer the compact protocol")
              << "\n";
    if (r.errors) {
      std::cerr << target.name << ": warm-up failed: " << r.first_error << "\n";
      return 1;
    }
  }
  std::vector<Cell> cells;
  for (Proto proto : c.protos) {
    for (int pipeline : c.pipelines) {
      for (size_t t = 0; t < c.targets.size(); ++t) {
        if (proto == Proto::kCompact && !compact[t]) continue;
        cells.push_back({c.targets[t].name, proto, pipeline, {}, {}, {}});
      }
    }
  }
  // Rounds interleave every cell, so machine noise falls on all alike.
  for (int round = 1; round <= c.rounds; ++round) {
    for (Cell& cell : cells) {
      const Target& target = *std::find_if(
          c.targets.begin(), c.targets.end(),
          [&](const Target& t) { return t.name == cell.target; });
      Options run = o;
      run.host = target.host;
      run.port = target.port;
      run.server_pid = target.pid;
      run.proto = cell.proto;
      run.pipeline = cell.pipeline;
      run.warmup = false;
      const Result r = Run(run, target.name);
      const Figures f = FiguresOf(r);
      cell.rounds.push_back(f);
      if (cell.first_error.empty()) cell.first_error = r.first_error;
      std::fprintf(stderr,
                   "round %d/%d  %-7s pipeline %-3d %-12s %12.0f ops/s  "
                   "p99 %.1f us  %.0f errors\n",
                   round, c.rounds, ProtoName(cell.proto), cell.pipeline,
                   cell.target.c_str(), f.ops_per_sec, f.p99_us, f.errors);
    }
  }
  TakeMedians(cells);
  const std::string table = CompareMarkdown(cells);
  std::cout << table;
  if (!c.markdown.empty()) WriteFile(c.markdown, table);
  if (!c.svg.empty()) WriteFile(c.svg, CompareSvg(cells, c.title));
  if (!json.empty()) WriteFile(json, CompareJson(cells));
  for (const Cell& cell : cells) {
    if (cell.median.errors > 0) {
      std::cerr << cell.target << " " << ProtoName(cell.proto) << ": "
                << cell.first_error << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace tinkerbench

int main(int argc, char** argv) {
  using namespace tinkerbench;
  Options o;
  CompareOptions c;
  std::string json;
  ParseArgs(argc, argv, o, c, json);
  try {
    return c.enabled ? Compare(o, c, json) : Single(o, json);
  } catch (const std::exception& e) {
    std::cerr << "tinkerbench: " << e.what() << "\n";
    return 2;
  }
}
