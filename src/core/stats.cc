#include "src/core/stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>

#include "absl/strings/str_format.h"
#include "src/core/clock.h"

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

}  // namespace

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
      verbosity_(settings.verbosity) {}

ThreadStats* StatsRegistry::NewThreadStats() {
  absl::MutexLock lock(&mu_);
  threads_.push_back(std::make_unique<ThreadStats>());
  return threads_.back().get();
}

void StatsRegistry::ConnectionOpened() {
  curr_connections_.fetch_add(1, std::memory_order_relaxed);
  total_connections_.fetch_add(1, std::memory_order_relaxed);
}

void StatsRegistry::ConnectionClosed() {
  curr_connections_.fetch_sub(1, std::memory_order_relaxed);
}

uint64_t StatsRegistry::TotalExtension(
    size_t index, ThreadStats::ExtensionCounter which) const {
  absl::MutexLock lock(&mu_);
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
  // memcached counts its listening socket as a connection; so do we, so
  // that dashboards built on memcached read the same numbers.
  out.Add("curr_connections", curr_connections() + 1);
  out.Add("total_connections",
          total_connections_.load(std::memory_order_relaxed) + 1);
  out.Add("rejected_connections",
          rejected_connections_.load(std::memory_order_relaxed));
  out.Add("connection_structures", curr_connections() + 1);

  std::array<uint64_t, kNumCounters> totals{};
  uint64_t bytes_read = 0, bytes_written = 0;
  {
    absl::MutexLock lock(&mu_);
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
  out.Add("idle_kicks", idle_kicks_.load(std::memory_order_relaxed));
  out.Add("bytes_read", bytes_read);
  out.Add("bytes_written", bytes_written);
  out.Add("limit_maxbytes", settings_.max_bytes);
  out.Add("accepting_conns", true);
  out.Add("threads", settings_.threads);
}

void StatsRegistry::WriteSettings(StatWriter& out) const {
  out.Add("maxbytes", settings_.max_bytes);
  out.Add("maxconns", settings_.max_connections);
  out.Add("tcpport", static_cast<uint32_t>(bound_port_));
  out.Add("udpport", 0);
  out.Add("inter", settings_.interface);
  out.Add("verbosity", verbosity());
  out.Add("evictions", settings_.evictions ? "on" : "off");
  out.Add("num_threads", settings_.threads);
  out.Add("cas_enabled", "yes");
  out.Add("binding_protocol", "auto-negotiate");
  out.Add("item_size_max", settings_.item_size_max);
  out.Add("flush_enabled", "yes");
  out.Add("idle_timeout", settings_.idle_timeout);
}

void StatsRegistry::Reset() {
  absl::MutexLock lock(&mu_);
  for (auto& t : threads_) t->Reset();
  total_connections_.store(0, std::memory_order_relaxed);
  rejected_connections_.store(0, std::memory_order_relaxed);
  idle_kicks_.store(0, std::memory_order_relaxed);
}

}  // namespace tinkercache
