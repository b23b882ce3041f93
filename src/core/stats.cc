#include "src/core/stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <mutex>
#include <optional>

#include "absl/strings/str_format.h"
#include "src/core/clock.h"
#include "src/core/numbers.h"

namespace tinkercache {
namespace {

constexpr std::array<std::string_view, kNumCounters> kCounterNames = {
#define TINKERCACHE_COUNTER_NAME(name) #name,
    TINKERCACHE_COUNTERS(TINKERCACHE_COUNTER_NAME)
#undef TINKERCACHE_COUNTER_NAME
};

std::string FormatTimeval(const timeval& tv) {
  return absl::StrFormat("%d.%06d", tv.tv_sec, tv.tv_usec);
}

// memcached's answers to a malformed `stats detail` or `stats cachedump`.
constexpr std::string_view kDetailUsage =
    "CLIENT_ERROR usage: stats detail on|off|dump";
constexpr std::string_view kDumpNotAllowed =
    "CLIENT_ERROR stats cachedump not allowed";
constexpr std::string_view kBadCommandLine = "CLIENT_ERROR bad command line";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kIllegalSlabId = "CLIENT_ERROR Illegal slab id";

// memcached's safe_strtoul: a decimal number, kept to 32 bits.
std::optional<uint32_t> ParseUint32Truncating(std::string_view token) {
  auto v = ParseUint64(token);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

// The general stats memcached 1.6.18 sends, in its order (idle_kicks only
// with -o idle_timeout; the rest always, without extstore or a proxy).
constexpr std::string_view kGeneralOrder[] = {
    "pid", "uptime", "time", "version", "libevent", "pointer_size",
    "rusage_user", "rusage_system", "max_connections", "curr_connections",
    "total_connections", "rejected_connections", "connection_structures",
    "response_obj_oom", "response_obj_count", "response_obj_bytes",
    "read_buf_count", "read_buf_bytes", "read_buf_bytes_free",
    "read_buf_oom", "reserved_fds", "cmd_get", "cmd_set", "cmd_flush",
    "cmd_touch", "cmd_meta", "get_hits", "get_misses", "get_expired",
    "get_flushed", "delete_misses", "delete_hits", "incr_misses",
    "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits",
    "cas_badval", "touch_hits", "touch_misses", "store_too_large",
    "store_no_memory", "auth_cmds", "auth_errors", "idle_kicks",
    "bytes_read", "bytes_written", "limit_maxbytes", "accepting_conns",
    "listen_disabled_num", "time_in_listen_disabled_us", "threads",
    "conn_yields", "hash_power_level", "hash_bytes", "hash_is_expanding",
    "slab_reassign_rescues", "slab_reassign_chunk_rescues",
    "slab_reassign_evictions_nomem", "slab_reassign_inline_reclaim",
    "slab_reassign_busy_items", "slab_reassign_busy_deletes",
    "slab_reassign_running", "slabs_moved", "lru_crawler_running",
    "lru_crawler_starts", "lru_maintainer_juggles", "malloc_fails",
    "log_worker_dropped", "log_worker_written", "log_watcher_skipped",
    "log_watcher_sent", "log_watchers", "unexpected_napi_ids",
    "round_robin_fallback", "bytes", "curr_items", "total_items",
    "slab_global_page_pool", "expired_unfetched", "evicted_unfetched",
    "evicted_active", "evictions", "reclaimed", "crawler_reclaimed",
    "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
    "moves_to_warm", "moves_within_lru", "direct_reclaims",
    "lru_bumps_dropped",
};

}  // namespace

StatsGroup ParseStatsGroup(std::string_view text, bool dump_enabled) {
  // Up to four words matter; more are ignored, as memcached ignores them.
  std::string_view words[4];
  size_t count = 0;
  for (size_t i = 0; i < text.size() && count < 4;) {
    while (i < text.size() && text[i] == ' ') ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) words[count++] = text.substr(start, i - start);
  }
  StatsGroup g;
  if (count == 0) return g;
  g.name = words[0];
  auto refuse = [&g](std::string_view error) {
    g.kind = StatsGroup::kRefused;
    g.error = error;
    return g;
  };
  if (g.name == "reset") {
    g.kind = StatsGroup::kReset;
  } else if (g.name == "detail") {
    const std::string_view arg = count > 1 ? words[1] : std::string_view();
    if (arg == "on") {
      g.kind = StatsGroup::kDetailOn;
    } else if (arg == "off") {
      g.kind = StatsGroup::kDetailOff;
    } else if (arg == "dump") {
      g.kind = StatsGroup::kDetailDump;
    } else {
      return refuse(kDetailUsage);
    }
  } else if (g.name == "cachedump") {
    if (!dump_enabled) return refuse(kDumpNotAllowed);
    if (count < 3) return refuse(kBadCommandLine);
    const auto slab_class = ParseUint32Truncating(words[1]);
    const auto limit = ParseUint32Truncating(words[2]);
    if (!slab_class || !limit) return refuse(kBadFormat);
    if (*slab_class >= kMaxSlabClasses) return refuse(kIllegalSlabId);
    g.kind = StatsGroup::kCachedump;
    g.slab_class = *slab_class;
    g.limit = *limit;
  } else if (g.name == "conns") {
    g.kind = StatsGroup::kConns;
  } else {
    g.kind = StatsGroup::kOther;
  }
  return g;
}

size_t GeneralStatRank(std::string_view name) {
  constexpr size_t kCount = sizeof(kGeneralOrder) / sizeof(kGeneralOrder[0]);
  for (size_t i = 0; i < kCount; ++i) {
    if (kGeneralOrder[i] == name) return i;
  }
  return kCount;
}

std::string_view CounterName(Counter counter) {
  return kCounterNames[static_cast<size_t>(counter)];
}

void ThreadStats::Reset() {
  for (auto& c : counters_) c.store(0, std::memory_order_relaxed);
  for (auto& e : extensions_) {
    for (auto& c : e) c.store(0, std::memory_order_relaxed);
  }
  bytes_read_.store(0, std::memory_order_relaxed);
  bytes_written_.store(0, std::memory_order_relaxed);
}

void StatWriter::Add(std::string_view name, std::string_view value) {
  Response r;
  r.key = name;
  r.value = value;
  sink_.Send(r);
}

void StatWriter::Add(std::string_view name, uint64_t value) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  Add(name, std::string_view(buf, end - buf));
}

void StatWriter::Add(std::string_view name, int64_t value) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  Add(name, std::string_view(buf, end - buf));
}

StatsRegistry::StatsRegistry(const Settings& settings, const Clock& clock)
    : settings_(settings),
      clock_(clock),
      started_(clock.NowSeconds()),
      bound_port_(settings.port),
      verbosity_(settings.verbosity),
      max_bytes_(settings.max_bytes),
      detail_enabled_(settings.detail_enabled),
      prefix_stats_(settings.prefix_delimiter) {}

ThreadStats* StatsRegistry::NewThreadStats() {
  std::lock_guard lock(mu_);
  threads_.push_back(std::make_unique<ThreadStats>());
  return threads_.back().get();
}

void StatsRegistry::ListenerOpened() {
  listeners_.fetch_add(1, std::memory_order_relaxed);
  total_connections_.fetch_add(1, std::memory_order_relaxed);
}

void StatsRegistry::ConnectionOpened() {
  const uint64_t now =
      curr_connections_.fetch_add(1, std::memory_order_relaxed) + 1;
  total_connections_.fetch_add(1, std::memory_order_relaxed);
  uint64_t most = most_connections_.load(std::memory_order_relaxed);
  while (now > most && !most_connections_.compare_exchange_weak(
                           most, now, std::memory_order_relaxed)) {
  }
}

void StatsRegistry::ConnectionClosed() {
  curr_connections_.fetch_sub(1, std::memory_order_relaxed);
}

uint64_t StatsRegistry::TotalExtension(
    size_t index, ThreadStats::ExtensionCounter which) const {
  std::lock_guard lock(mu_);
  uint64_t sum = 0;
  for (const auto& t : threads_) sum += t->GetExtension(index, which);
  return sum;
}

void StatsRegistry::WriteGeneral(StatWriter& out) const {
  const uint32_t now = clock_.NowSeconds();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  out.Add("pid", static_cast<int64_t>(getpid()));
  out.Add("uptime", static_cast<uint64_t>(now - started_));
  out.Add("time", static_cast<uint64_t>(now));
  out.Add("version", kVersion);
  out.Add("pointer_size", static_cast<int>(8 * sizeof(void*)));
  out.Add("rusage_user", FormatTimeval(usage.ru_utime));
  out.Add("rusage_system", FormatTimeval(usage.ru_stime));
  out.Add("max_connections", settings_.max_connections);
  // As memcached 1.6.18 counts: clients in curr_connections; the listening
  // sockets too in total_connections (until a reset) and in
  // connection_structures, the most ever open at once.
  out.Add("curr_connections", curr_connections());
  out.Add("total_connections",
          total_connections_.load(std::memory_order_relaxed));
  out.Add("rejected_connections",
          rejected_connections_.load(std::memory_order_relaxed));
  out.Add("connection_structures",
          listeners_.load(std::memory_order_relaxed) +
              most_connections_.load(std::memory_order_relaxed));

  std::array<uint64_t, kNumCounters> totals{};
  uint64_t bytes_read = 0, bytes_written = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& t : threads_) {
      for (size_t i = 0; i < kNumCounters; ++i) {
        totals[i] += t->Get(static_cast<Counter>(i));
      }
      bytes_read += t->bytes_read();
      bytes_written += t->bytes_written();
    }
  }
  for (size_t i = 0; i < kNumCounters; ++i) {
    out.Add(kCounterNames[i], totals[i]);
  }
  // memcached reports idle kicks only when it has an idle timeout.
  if (settings_.idle_timeout != 0) {
    out.Add("idle_kicks", idle_kicks_.load(std::memory_order_relaxed));
  }
  out.Add("bytes_read", bytes_read);
  out.Add("bytes_written", bytes_written);
  out.Add("limit_maxbytes", max_bytes());
  out.Add("accepting_conns", true);
  out.Add("threads", settings_.threads);
}

void StatsRegistry::WriteSettings(StatWriter& out) const {
  out.Add("maxbytes", max_bytes());
  out.Add("maxconns", settings_.max_connections);
  out.Add("tcpport", static_cast<uint32_t>(bound_port_));
  out.Add("udpport", 0);
  out.Add("inter", settings_.interface);
  out.Add("verbosity", verbosity());
  out.Add("evictions", settings_.evictions ? "on" : "off");
  out.Add("num_threads", settings_.threads);
  out.Add("stat_key_prefix",
          std::string_view(&settings_.prefix_delimiter, 1));
  out.Add("detail_enabled", detail_enabled() ? "yes" : "no");
  out.Add("cas_enabled", "yes");
  out.Add("binding_protocol", "auto-negotiate");
  out.Add("item_size_max", settings_.item_size_max);
  out.Add("flush_enabled", "yes");
  out.Add("dump_enabled", settings_.dump_enabled ? "yes" : "no");
  out.Add("idle_timeout", settings_.idle_timeout);
}

void StatsRegistry::Reset() {
  std::lock_guard lock(mu_);
  for (auto& t : threads_) t->Reset();
  prefix_stats_.Clear();
  total_connections_.store(0, std::memory_order_relaxed);
  rejected_connections_.store(0, std::memory_order_relaxed);
  idle_kicks_.store(0, std::memory_order_relaxed);
}

}  // namespace tinkercache
