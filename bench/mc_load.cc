// A pipelined load generator (ASCII, binary or compact) for end-to-end
// figures: C connections, each keeping D requests in flight, 90% get / 10%
// set by default, every reply parsed and checked. One thread and poll(), so
// it can be pinned to one core. (tinkerbench replaces it with all three
// protocols and more.)
//
//   mc_load -p PORT [--proto ascii|binary|compact] [-c CONNS] [-d DEPTH]
//           [-s SECONDS] [-k KEYS] [-v VALUE_BYTES] [-r SET_PERCENT] [--fill]
// --fill stores keys 0..KEYS-1 (12-byte keys) and exits.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  int port = 11211;
  int conns = 50;
  int depth = 1;
  double seconds = 10;
  int keys = 10000;
  int value = 100;
  int set_percent = 10;
  bool fill = false;
  bool binary = false;
  bool compact = false;
};

// Compact requests (spec/compact.md): the action, KEY, VALUE, GO.
std::string CompactPacket(uint8_t action, const std::string& key,
                          const std::string& value) {
  std::string p(1, static_cast<char>(action));
  p += static_cast<char>(0x60);  // KEY
  p += static_cast<char>(key.size());
  p += key;
  if (!value.empty()) {
    if (value.size() <= 255) {
      p += static_cast<char>(0x61);  // VALUE8
      p += static_cast<char>(value.size());
    } else {
      p += static_cast<char>(0x80);  // VALUE
      for (int i = 0; i < 4; ++i) {
        p += static_cast<char>(value.size() >> (24 - 8 * i));
      }
    }
    p += value;
  }
  p += static_cast<char>(0x00);  // GO
  return p;
}

// Binary request packets (memcached-protocol-binary.txt): GET and SET.
std::string BinaryPacket(uint8_t opcode, std::string_view extras,
                         std::string_view key, std::string_view value) {
  std::string p(24, '\0');
  p[0] = static_cast<char>(0x80);
  p[1] = static_cast<char>(opcode);
  p[2] = static_cast<char>(key.size() >> 8);
  p[3] = static_cast<char>(key.size());
  p[4] = static_cast<char>(extras.size());
  const uint32_t body =
      static_cast<uint32_t>(extras.size() + key.size() + value.size());
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<char>(body >> (24 - 8 * i));
  return p.append(extras).append(key).append(value);
}

std::string Key(int i);

std::string GetRequest(const Options& o, const std::string& key) {
  if (o.compact) return CompactPacket(0x05, key, {});
  if (o.binary) return BinaryPacket(0x00, {}, key, {});
  return "get " + key + "\r\n";
}

std::string SetRequest(const Options& o, const std::string& key,
                       const std::string& value) {
  if (o.compact) return CompactPacket(0x08, key, value);
  if (o.binary) return BinaryPacket(0x01, std::string(8, '\0'), key, value);
  return "set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" +
         value + "\r\n";
}

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "key:%08d", i);  // 12 bytes
  return buf;
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

struct Conn {
  int fd;
  std::string in;
  int outstanding = 0;
  size_t skip = 0;  // value bytes (+CRLF) still to skip
};

// Consumes complete binary replies: each packet is one reply; any status
// but success is an error (the key space is stored before the run).
int ParseBinary(Conn& c, long& errors) {
  int done = 0;
  size_t pos = 0;
  while (c.in.size() - pos >= 24) {
    const auto* h = reinterpret_cast<const unsigned char*>(c.in.data() + pos);
    const uint32_t body = (uint32_t{h[8]} << 24) | (uint32_t{h[9]} << 16) |
                          (uint32_t{h[10]} << 8) | h[11];
    if (c.in.size() - pos < 24 + body) break;
    if (h[0] != 0x81 || h[6] != 0 || h[7] != 0) ++errors;
    ++done;
    pos += 24 + body;
  }
  c.in.erase(0, pos);
  return done;
}

// Consumes complete ASCII replies from c.in; returns how many finished.
int ParseAscii(Conn& c, long& errors) {
  int done = 0;
  size_t pos = 0;
  while (true) {
    if (c.skip) {
      const size_t n = std::min(c.skip, c.in.size() - pos);
      c.skip -= n;
      pos += n;
      if (c.skip) break;
    }
    const size_t nl = c.in.find("\r\n", pos);
    if (nl == std::string::npos) break;
    std::string_view line(c.in.data() + pos, nl - pos);
    pos = nl + 2;
    if (line.starts_with("VALUE ")) {
      c.skip = std::strtoul(line.data() + line.rfind(' ') + 1, nullptr, 10) + 2;
    } else if (line == "END" || line == "STORED") {
      ++done;
    } else {
      ++errors;
      ++done;
    }
  }
  c.in.erase(0, pos);
  return done;
}

// Consumes complete compact replies: fields by their range, up to OK (0x00)
// or STATUS (0x20, an error here: the key space is stored first).
int ParseCompact(Conn& c, long& errors) {
  int done = 0;
  size_t pos = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(c.in.data());
  const size_t size = c.in.size();
  size_t reply_start = 0;
  while (pos < size) {
    const unsigned char op = in[pos];
    size_t need = 1;
    if (op < 32) need = 1;
    else if (op < 64) need = 2;
    else if (op < 96) need = 5;
    else if (op < 128) need = pos + 1 < size ? 2 + in[pos + 1] : SIZE_MAX;
    else if (op < 160) {
      if (pos + 5 > size) break;
      need = 5 + ((size_t{in[pos + 1]} << 24) | (size_t{in[pos + 2]} << 16) |
                  (size_t{in[pos + 3]} << 8) | in[pos + 4]);
    } else if (op < 192) need = 9;
    else {
      ++errors;
      need = 1;
    }
    if (need == SIZE_MAX || size - pos < need) break;
    pos += need;
    if (op == 0x00 || op == 0x20) {
      if (op == 0x20) ++errors;
      ++done;
      reply_start = pos;
    }
  }
  c.in.erase(0, reply_start);
  return done;
}

int Parse(const Options& o, Conn& c, long& errors) {
  if (o.compact) return ParseCompact(c, errors);
  return o.binary ? ParseBinary(c, errors) : ParseAscii(c, errors);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return std::atof(argv[++i]); };
    if (a == "-p") o.port = static_cast<int>(next());
    else if (a == "-c") o.conns = static_cast<int>(next());
    else if (a == "-d") o.depth = static_cast<int>(next());
    else if (a == "-s") o.seconds = next();
    else if (a == "-k") o.keys = static_cast<int>(next());
    else if (a == "-v") o.value = static_cast<int>(next());
    else if (a == "-r") o.set_percent = static_cast<int>(next());
    else if (a == "--fill") o.fill = true;
    else if (a == "--proto" && i + 1 < argc) {
      const std::string proto = argv[++i];
      o.binary = proto == "binary";
      o.compact = proto == "compact";
    }
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 64;
    }
  }
  const std::string value(static_cast<size_t>(o.value), 'v');
  if (o.fill) {
    Conn c{Connect(o.port), {}, 0, 0};
    fcntl(c.fd, F_SETFL, 0);
    long errors = 0;
    for (int base = 0; base < o.keys; base += 1000) {
      std::string batch;
      const int n = std::min(1000, o.keys - base);
      for (int i = base; i < base + n; ++i) {
        batch += SetRequest(o, Key(i), value);
      }
      send(c.fd, batch.data(), batch.size(), 0);
      int done = 0;
      char buf[65536];
      while (done < n) {
        ssize_t r = recv(c.fd, buf, sizeof buf, 0);
        if (r <= 0) return 1;
        c.in.append(buf, static_cast<size_t>(r));
        done += Parse(o, c, errors);
      }
    }
    std::printf("{\"stored\": %d, \"errors\": %ld}\n", o.keys, errors);
    return errors ? 1 : 0;
  }

  std::vector<Conn> conns;
  for (int i = 0; i < o.conns; ++i) conns.push_back(Conn{Connect(o.port), {}, 0, 0});
  std::vector<pollfd> fds(conns.size());
  std::mt19937 rng(42);
  long ops = 0, errors = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(o.seconds);
  std::string batch;
  char buf[1 << 16];
  bool running = true;
  while (running || ops == 0) {
    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (c.outstanding == 0 && running) {
        batch.clear();
        for (int d = 0; d < o.depth; ++d) {
          const std::string key = Key(static_cast<int>(rng() % o.keys));
          if (static_cast<int>(rng() % 100) < o.set_percent) {
            batch += SetRequest(o, key, value);
          } else {
            batch += GetRequest(o, key);
          }
        }
        // Small batches fit the socket buffer; a short write is an error.
        if (send(c.fd, batch.data(), batch.size(), 0) !=
            static_cast<ssize_t>(batch.size())) {
          std::perror("send");
          return 1;
        }
        c.outstanding = o.depth;
      }
      fds[i] = {c.fd, POLLIN, 0};
    }
    if (poll(fds.data(), fds.size(), 1000) < 0) return 1;
    for (size_t i = 0; i < conns.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      Conn& c = conns[i];
      ssize_t r = recv(c.fd, buf, sizeof buf, 0);
      if (r <= 0) {
        std::fprintf(stderr, "connection closed\n");
        return 1;
      }
      c.in.append(buf, static_cast<size_t>(r));
      const int done = Parse(o, c, errors);
      c.outstanding -= done;
      ops += done;
    }
    if (std::chrono::steady_clock::now() >= end) {
      running = false;
      bool idle = true;
      for (auto& c : conns) idle &= c.outstanding == 0;
      if (idle) break;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("{\"ops\": %ld, \"seconds\": %.3f, \"ops_per_sec\": %.0f, "
              "\"errors\": %ld}\n",
              ops, secs, ops / secs, errors);
  return errors ? 1 : 0;
}
