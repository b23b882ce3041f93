#include "src/server/options.h"

#include <getopt.h>

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tinkercache {
namespace {

enum LongOnly { kPortFile = 1000, kCompactPort, kEngine, kDataDir, kSync };

absl::StatusOr<uint64_t> Number(const char* flag, const char* text,
                                uint64_t min, uint64_t max) {
  uint64_t v;
  if (!absl::SimpleAtoi(text, &v) || v < min || v > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "option ", flag, ": expected a number from ", min, " to ", max,
        ", got '", text, "'"));
  }
  return v;
}

// memcached's -I syntax: bytes, or a number with a k or m suffix.
absl::StatusOr<uint64_t> Size(const char* text) {
  std::string s = absl::AsciiStrToLower(text);
  uint64_t unit = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'm')) {
    unit = s.back() == 'k' ? 1024 : 1024 * 1024;
    s.pop_back();
  }
  uint64_t v;
  if (!absl::SimpleAtoi(s, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("option -I: cannot read size '", text, "'"));
  }
  return v * unit;
}

// memcached's -o: comma-separated suboptions, of which we serve those that
// mean something here.
absl::Status SubOptions(const char* text, Settings& s) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    const std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.first == "idle_timeout") {
      const std::string value(kv.second);
      auto v = Number("-o idle_timeout", value.c_str(), 0, 86400 * 365);
      if (!v.ok()) return v.status();
      s.idle_timeout = static_cast<uint32_t>(*v);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "option -o: unsupported suboption '", kv.first,
          "' (supported: idle_timeout=SECONDS)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Usage(const char* program) {
  return absl::StrCat(
      "Usage: ", program, " [options]\n",
      "  -p, --port=NUM           TCP port to listen on (default 11211; 0: any)\n"
      "  -l, --listen=ADDR        interface to listen on (default 127.0.0.1)\n"
      "  -t, --threads=NUM        worker threads (default: number of cores)\n"
      "  -m, --memory-limit=MB    item memory in megabytes (default 64)\n"
      "  -c, --conn-limit=NUM     max simultaneous connections (default 1024)\n"
      "  -I, --max-item-size=SIZE largest item, e.g. 512k or 2m (default 1m)\n"
      "  -M, --disable-evictions  answer out-of-memory instead of evicting\n"
      "  -D CHAR                  per-prefix stats: a key's prefix ends at\n"
      "                           CHAR (default ':'); turns them on\n"
      "  -X, --disable-dumping    refuse stats cachedump\n"
      "  -o, --extended=OPTS      memcached's suboptions; served here:\n"
      "                           idle_timeout=SECONDS: close connections\n"
      "                           idle that long (default 0: never)\n"
      "  -U, --udp-port=0         UDP is not served; only 0 is accepted\n"
      "  -u, --user=USER          accepted for memcached compatibility\n"
      "  -v, --verbose            more log output (repeat for more)\n"
      "      --compact-port=NUM   also listen on NUM for the compact protocol\n"
      "                           only (0: any free port)\n"
      "      --port-file=PATH     write the bound port(s) to PATH\n"
      "      --engine=NAME        where items live: memory (default) or\n"
      "                           rocksdb (persistent; needs --data-dir)\n"
      "      --data-dir=DIR       the rocksdb engine's directory (created\n"
      "                           if missing)\n"
      "      --sync               rocksdb: fsync each write before answering\n"
      "                           (default: once in the write-ahead log)\n"
      "  -V, --version            print the version and exit\n"
      "  -h, --help               print this help and exit\n");
}

absl::StatusOr<ServerOptions> ParseOptions(int argc, char** argv) {
  static const option kLong[] = {
      {"port", required_argument, nullptr, 'p'},
      {"listen", required_argument, nullptr, 'l'},
      {"threads", required_argument, nullptr, 't'},
      {"memory-limit", required_argument, nullptr, 'm'},
      {"conn-limit", required_argument, nullptr, 'c'},
      {"max-item-size", required_argument, nullptr, 'I'},
      {"disable-evictions", no_argument, nullptr, 'M'},
      {"disable-dumping", no_argument, nullptr, 'X'},
      {"udp-port", required_argument, nullptr, 'U'},
      {"user", required_argument, nullptr, 'u'},
      {"extended", required_argument, nullptr, 'o'},
      {"verbose", no_argument, nullptr, 'v'},
      {"port-file", required_argument, nullptr, kPortFile},
      {"compact-port", required_argument, nullptr, kCompactPort},
      {"engine", required_argument, nullptr, kEngine},
      {"data-dir", required_argument, nullptr, kDataDir},
      {"sync", no_argument, nullptr, kSync},
      {"version", no_argument, nullptr, 'V'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  ServerOptions o;
  Settings& s = o.settings;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":p:l:t:m:c:I:MD:XU:u:o:vVh", kLong,
                          nullptr)) != -1) {
    switch (c) {
      case 'p': {
        auto v = Number("-p", optarg, 0, 65535);
        if (!v.ok()) return v.status();
        s.port = static_cast<uint16_t>(*v);
        break;
      }
      case 'l':
        s.interface = optarg;
        break;
      case 't': {
        auto v = Number("-t", optarg, 1, 1024);
        if (!v.ok()) return v.status();
        s.threads = static_cast<int>(*v);
        break;
      }
      case 'm': {
        auto v = Number("-m", optarg, 1, uint64_t{1} << 30);
        if (!v.ok()) return v.status();
        s.max_bytes = *v << 20;
        break;
      }
      case 'c': {
        auto v = Number("-c", optarg, 1, 1u << 20);
        if (!v.ok()) return v.status();
        s.max_connections = static_cast<uint32_t>(*v);
        break;
      }
      case 'I': {
        auto v = Size(optarg);
        if (!v.ok()) return v.status();
        if (*v < 1024 || *v > (uint64_t{1} << 30)) {
          return absl::InvalidArgumentError(
              "option -I: item size must be from 1k to 1024m");
        }
        s.item_size_max = static_cast<uint32_t>(*v);
        break;
      }
      case 'M':
        s.evictions = false;
        break;
      case 'D':
        // As memcached: the first byte is the delimiter, and per-prefix
        // stats start on.
        if (optarg[0] == '\0') {
          return absl::InvalidArgumentError("option -D needs a delimiter");
        }
        s.prefix_delimiter = optarg[0];
        s.detail_enabled = true;
        break;
      case 'X':
        s.dump_enabled = false;
        break;
      case 'U': {
        auto v = Number("-U", optarg, 0, 65535);
        if (!v.ok()) return v.status();
        if (*v != 0) {
          return absl::InvalidArgumentError(
              "option -U: UDP is not supported; use -U 0");
        }
        break;
      }
      case 'u':
        break;
      case 'o':
        if (auto status = SubOptions(optarg, s); !status.ok()) return status;
        break;
      case 'v':
        ++s.verbosity;
        break;
      case kPortFile:
        o.port_file = optarg;
        break;
      case kCompactPort: {
        auto v = Number("--compact-port", optarg, 0, 65535);
        if (!v.ok()) return v.status();
        s.compact_port = static_cast<int>(*v);
        break;
      }
      case kEngine:
        s.engine = optarg;
        if (s.engine != "memory" && s.engine != "rocksdb") {
          return absl::InvalidArgumentError(absl::StrCat(
              "option --engine: expected memory or rocksdb, got '", optarg,
              "'"));
        }
        break;
      case kDataDir:
        s.data_dir = optarg;
        break;
      case kSync:
        s.sync = true;
        break;
      case 'V':
        o.show_version = true;
        break;
      case 'h':
        o.show_help = true;
        break;
      case ':':
        return absl::InvalidArgumentError(
            absl::StrCat("option -", std::string(1, static_cast<char>(optopt)),
                         " needs a value"));
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unknown option '", argv[optind - 1], "'"));
    }
  }
  if (optind < argc) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", argv[optind], "'"));
  }
  if (s.threads == 0) {
    s.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (s.engine == "rocksdb" && s.data_dir.empty()) {
    return absl::InvalidArgumentError(
        "option --engine rocksdb needs --data-dir DIR");
  }
  if (s.engine != "rocksdb" && (!s.data_dir.empty() || s.sync)) {
    return absl::InvalidArgumentError(
        "options --data-dir and --sync need --engine rocksdb");
  }
  if (s.item_size_max > s.max_bytes) {
    return absl::InvalidArgumentError(
        "option -I: the item size limit cannot exceed the memory limit (-m)");
  }
  return o;
}

}  // namespace tinkercache
