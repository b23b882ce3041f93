#include "tools/tinkerbench/runner.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tools/tinkerbench/codec.h"

namespace tinkerbench {
namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

double SelfCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Replies still missing this long after the run ends count as lost.
constexpr uint64_t kDrainNs = 5'000'000'000u;
// The warm-up keeps at least this many sets in flight per connection.
constexpr int kWarmupDepth = 32;

enum Phase { kWarmup, kMeasure, kStop };

// What the main thread reads while workers run (progress, warm-up bar).
struct alignas(64) LiveCounters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> stored{0};
};

struct Address {
  sockaddr_storage storage{};
  socklen_t len = 0;
  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
};

Address Resolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc =
      getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  if (rc != 0 || list == nullptr) {
    throw std::runtime_error("cannot resolve " + host + ": " +
                             gai_strerror(rc));
  }
  Address a;
  std::memcpy(&a.storage, list->ai_addr, list->ai_addrlen);
  a.len = list->ai_addrlen;
  freeaddrinfo(list);
  return a;
}

struct Shared {
  const Options& options;
  const Workload& workload;
  Address address;
  std::atomic<int> phase{kWarmup};
  std::barrier<> ready;  // every worker warmed up, plus the main thread
  Shared(const Options& o, const Workload& w)
      : options(o),
        workload(w),
        address(Resolve(o.host, o.port)),
        ready(o.threads + 1) {}
};

struct Conn {
  int fd = -1;
  std::unique_ptr<Codec> codec;
  std::vector<uint8_t> in;
  size_t begin = 0, end = 0;
  std::string out;
  size_t sent = 0;
  bool polling_out = false;
  std::vector<Pending> ring;  // requests in flight, oldest at head
  size_t head = 0, count = 0;
};

// One thread: its own connections, epoll set, counters and histogram, so
// the hot path shares nothing with other threads.
class Worker {
 public:
  Worker(Shared& shared, int index, int connections, uint32_t key_begin,
         uint32_t key_end)
      : s_(shared),
        o_(shared.options),
        w_(shared.workload),
        rng_(shared.options.seed * 1000 + uint64_t(index)),
        next_store_(key_begin),
        store_end_(key_begin + (o_.warmup ? key_end - key_begin : 0)),
        conns_(static_cast<size_t>(connections)) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    const size_t depth = size_t(std::max(o_.pipeline, kWarmupDepth));
    for (Conn& c : conns_) {
      c.codec = MakeCodec(o_.proto, w_);
      c.ring.resize(depth);
      c.in.resize(64 * 1024);
      Connect(c);
    }
  }
  ~Worker() {
    for (Conn& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_);
  }

  void Run() {
    Loop(kWarmup);
    s_.ready.arrive_and_wait();  // main thread starts the clock
    last_reply_ns_ = NowNs();
    Loop(kMeasure);
  }

  Result& result() { return r_; }
  LiveCounters& live() { return live_; }
  uint64_t last_reply_ns() const { return last_reply_ns_; }
  std::string fatal() const { return fatal_; }

 private:
  void Loop(Phase phase) {
    phase_ = phase;
    const bool warmup = phase == kWarmup;
    if (warmup && next_store_ == store_end_) return;
    uint64_t now = NowNs();
    for (Conn& c : conns_) Refill(c, now);
    uint64_t drain_deadline = 0;
    epoll_event events[256];
    for (;;) {
      const int n = epoll_wait(epoll_, events, 256, 20);
      now = NowNs();
      for (int i = 0; i < n; ++i) {
        Conn& c = *static_cast<Conn*>(events[i].data.ptr);
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
          Read(c, now);
        }
        if ((events[i].events & EPOLLOUT) && c.fd >= 0) Flush(c);
      }
      if (!fatal_.empty()) return;
      live_.ops.store(r_.ops, std::memory_order_relaxed);
      live_.errors.store(r_.errors, std::memory_order_relaxed);
      live_.stored.store(r_.stored, std::memory_order_relaxed);
      if (warmup) {
        if (next_store_ == store_end_ && InFlight() == 0) return;
        continue;
      }
      if (!stopping_ && s_.phase.load(std::memory_order_relaxed) == kStop) {
        stopping_ = true;
        drain_deadline = now + kDrainNs;
      }
      if (stopping_ && (InFlight() == 0 || now >= drain_deadline)) {
        if (InFlight() != 0) {
          Error("no reply to " + std::to_string(InFlight()) +
                    " requests within 5 s of the run's end",
                InFlight());
        }
        return;
      }
    }
  }

  size_t InFlight() const {
    size_t n = 0;
    for (const Conn& c : conns_) n += c.count;
    return n;
  }

  void Error(std::string what, uint64_t count = 1) {
    r_.errors += count;
    if (r_.first_error.empty()) r_.first_error = std::move(what);
  }

  void Connect(Conn& c) {
    c.fd = socket(s_.address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0 || connect(c.fd, s_.address.get(), s_.address.len) != 0) {
      fatal_ = std::string("connect: ") + std::strerror(errno);
      if (c.fd >= 0) close(c.fd);
      c.fd = -1;
      return;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  // The stream is beyond repair (or the server closed it): count what was
  // in flight as lost and start over on a new connection.
  void Reconnect(Conn& c, const std::string& why) {
    Error(why + " (" + std::to_string(c.count) + " requests lost)",
          c.count + 1);
    ++r_.reconnects;
    close(c.fd);
    c.fd = -1;
    c.begin = c.end = c.head = c.count = c.sent = 0;
    c.out.clear();
    c.polling_out = false;
    c.codec->Reset();
    Connect(c);
  }

  void Read(Conn& c, uint64_t now) {
    if (c.fd < 0) return;
    if (c.in.size() - c.end < 16 * 1024) {
      if (c.begin > 0) {
        std::memmove(c.in.data(), c.in.data() + c.begin, c.end - c.begin);
        c.end -= c.begin;
        c.begin = 0;
      }
      if (c.in.size() - c.end < 16 * 1024) c.in.resize(c.in.size() * 2);
    }
    const ssize_t got = recv(c.fd, c.in.data() + c.end, c.in.size() - c.end, 0);
    if (got == 0) return Reconnect(c, "the server closed the connection");
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return Reconnect(c, std::string("recv: ") + std::strerror(errno));
    }
    c.end += size_t(got);
    if (phase_ == kMeasure) r_.bytes_received += uint64_t(got);
    while (c.begin < c.end) {
      if (c.count == 0) return Reconnect(c, "a reply to no request");
      Pending& p = c.ring[c.head];
      Verdict v = c.codec->Parse(c.in.data() + c.begin, c.end - c.begin, p);
      c.begin += v.consumed;
      if (!v.error.empty()) Error(std::move(v.error));
      if (v.fatal) return Reconnect(c, "unparseable reply");
      if (phase_ == kMeasure) {
        r_.hits += v.hits;
        r_.misses += v.misses;
      }
      if (!v.complete) break;
      if (++c.head == c.ring.size()) c.head = 0;
      --c.count;
      if (phase_ == kWarmup) {
        ++r_.stored;
      } else {
        ++r_.ops;
        ++(p.op == Op::kGet ? r_.gets : r_.sets);
        r_.latency.Record(now - p.sent_ns);
        last_reply_ns_ = now;
      }
    }
    if (c.begin == c.end) c.begin = c.end = 0;
    Refill(c, now);
  }

  size_t Depth() const {
    return phase_ == kWarmup ? size_t(std::max(o_.pipeline, kWarmupDepth))
                             : size_t(o_.pipeline);
  }

  // Tops the connection up to the pipeline depth and sends.
  void Refill(Conn& c, uint64_t now) {
    if (c.fd < 0) return;
    const size_t depth = Depth();
    while (c.count < depth) {
      Pending p;
      p.sent_ns = now;
      uint32_t length = 0;
      if (phase_ == kWarmup) {
        if (next_store_ == store_end_) break;
        p.op = Op::kSet;
        p.first_key = next_store_++;
        length = w_.ValueLength(rng_);
      } else {
        if (stopping_ || s_.phase.load(std::memory_order_relaxed) == kStop) {
          break;
        }
        const bool set = rng_.Below(o_.get_weight + o_.set_weight) <
                         o_.set_weight;
        p.op = set ? Op::kSet : Op::kGet;
        p.first_key = rng_.Below(w_.keys());
        if (set) {
          length = w_.ValueLength(rng_);
        } else {
          p.keys = uint16_t(o_.multiget);
        }
      }
      Pending& slot = c.ring[(c.head + c.count) % c.ring.size()];
      slot = p;
      if (p.op == Op::kSet) {
        c.codec->Set(slot, length, c.out);
      } else {
        c.codec->Get(slot, c.out);
      }
      ++c.count;
    }
    Flush(c);
  }

  void Flush(Conn& c) {
    while (c.sent < c.out.size()) {
      const ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent,
                             MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          if (!c.polling_out) SetPollOut(c, true);
          return;
        }
        return Reconnect(c, std::string("send: ") + std::strerror(errno));
      }
      c.sent += size_t(n);
      if (phase_ == kMeasure) r_.bytes_sent += uint64_t(n);
    }
    c.out.clear();
    c.sent = 0;
    if (c.polling_out) SetPollOut(c, false);
  }

  void SetPollOut(Conn& c, bool on) {
    c.polling_out = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  Shared& s_;
  const Options& o_;
  const Workload& w_;
  Rng rng_;
  uint32_t next_store_, store_end_;
  std::vector<Conn> conns_;
  int epoll_ = -1;
  Phase phase_ = kWarmup;
  bool stopping_ = false;
  uint64_t last_reply_ns_ = 0;
  Result r_;
  LiveCounters live_;
  std::string fatal_;
};

bool ShowProgress(const Options& o) {
  return o.progress == -1 ? isatty(STDERR_FILENO) : o.progress == 1;
}

void WarmupBar(uint64_t stored, uint64_t total, double seconds) {
  constexpr int kWidth = 30;
  const int filled = total ? int(kWidth * stored / total) : kWidth;
  std::fprintf(stderr, "\rwarm-up [%.*s%*s] %3d%% %llu/%llu keys %.1f s",
               filled, "##############################", kWidth - filled, "",
               total ? int(100 * stored / total) : 100,
               static_cast<unsigned long long>(stored),
               static_cast<unsigned long long>(total), seconds);
}

}  // namespace

bool SpeaksCompact(const std::string& host, int port) {
  const Address address = Resolve(host, port);
  const int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const uint8_t probe[] = {0x01, 0x15, 0x00};  // CLEAR NOOP GO
  uint8_t reply = 0xff;
  const bool ok =
      connect(fd, address.get(), address.len) == 0 &&
      send(fd, probe, sizeof probe, MSG_NOSIGNAL) == sizeof probe &&
      recv(fd, &reply, 1, 0) == 1 && reply == 0x00;
  close(fd);
  return ok;
}

double ProcessCpuSeconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), {});
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after the command: state is the 3rd of stat; utime the 14th.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / double(sysconf(_SC_CLK_TCK));
}

double ProcessRssMb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return -1;
}

Result Run(const Options& o, const std::string& target) {
  const Workload workload(o);
  Shared shared(o, workload);

  // Connections and keys to store, split evenly over the threads.
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < o.threads; ++t) {
    const int conns = o.connections / o.threads +
                      (t < o.connections % o.threads ? 1 : 0);
    const uint32_t begin = uint32_t(uint64_t(o.keys) * t / o.threads);
    const uint32_t end = uint32_t(uint64_t(o.keys) * (t + 1) / o.threads);
    workers.push_back(std::make_unique<Worker>(shared, t, conns, begin, end));
    if (!workers.back()->fatal().empty()) {
      throw std::runtime_error(o.host + ":" + std::to_string(o.port) + ": " +
                               workers.back()->fatal());
    }
  }
  const bool progress = ShowProgress(o);
  const uint64_t warmup_start = NowNs();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->Run(); });

  Result r;
  r.options = o;
  r.target = target;
  auto sum = [&](auto field) {
    uint64_t n = 0;
    for (auto& w : workers) n += (w->live().*field).load();
    return n;
  };

  // The warm-up: workers arrive at the barrier once their keys are stored.
  std::atomic<bool> warm{false};
  std::thread bar;
  const uint64_t to_store = o.warmup ? o.keys : 0;
  if (progress && to_store) {
    bar = std::thread([&] {
      while (!warm.load()) {
        WarmupBar(sum(&LiveCounters::stored), to_store,
                  double(NowNs() - warmup_start) / 1e9);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  if (o.warmup_only) shared.phase = kStop;
  shared.ready.arrive_and_wait();
  warm = true;
  if (bar.joinable()) bar.join();
  r.warmup_seconds = double(NowNs() - warmup_start) / 1e9;
  r.stored = sum(&LiveCounters::stored);
  if (progress && to_store) {
    WarmupBar(r.stored, to_store, r.warmup_seconds);
    std::fputc('\n', stderr);
  }

  const double cpu_before = SelfCpuSeconds();
  const double server_before =
      o.server_pid ? ProcessCpuSeconds(o.server_pid) : -1;
  const uint64_t start = NowNs();
  if (!o.warmup_only) {
    const uint64_t deadline = start + uint64_t(o.duration * 1e9);
    uint64_t last_ops = 0, last_ns = start;
    while (NowNs() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::min<uint64_t>(1000, (deadline - NowNs()) / 1'000'000 + 1)));
      const uint64_t now = NowNs(), ops = sum(&LiveCounters::ops);
      if (progress) {
        std::fprintf(stderr,
                     "\r%-7s %5.1f/%.0f s  %10.0f ops/s  %llu ops  %llu errors ",
                     ProtoName(o.proto), double(now - start) / 1e9, o.duration,
                     double(ops - last_ops) * 1e9 / double(now - last_ns),
                     static_cast<unsigned long long>(ops),
                     static_cast<unsigned long long>(
                         sum(&LiveCounters::errors)));
      }
      last_ops = ops;
      last_ns = now;
    }
    if (progress) std::fputc('\n', stderr);
  }
  shared.phase = kStop;
  for (auto& t : threads) t.join();
  r.client_cpu = SelfCpuSeconds() - cpu_before;
  if (o.server_pid) {
    r.server_cpu = ProcessCpuSeconds(o.server_pid) - server_before;
    r.server_rss_mb = ProcessRssMb(o.server_pid);
  }

  uint64_t last = start;
  for (auto& w : workers) {
    const Result& p = w->result();
    if (!w->fatal().empty()) {
      throw std::runtime_error(o.host + ":" + std::to_string(o.port) + ": " +
                               w->fatal());
    }
    r.ops += p.ops;
    r.gets += p.gets;
    r.sets += p.sets;
    r.hits += p.hits;
    r.misses += p.misses;
    r.errors += p.errors;
    r.reconnects += p.reconnects;
    r.bytes_sent += p.bytes_sent;
    r.bytes_received += p.bytes_received;
    r.latency.Merge(p.latency);
    if (r.first_error.empty()) r.first_error = p.first_error;
    last = std::max(last, w->last_reply_ns());
  }
  r.seconds = double(last - start) / 1e9;
  return r;
}

}  // namespace tinkerbench
