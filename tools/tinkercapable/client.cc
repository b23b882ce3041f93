#include "tools/tinkercapable/client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace tinkercapable {
namespace {

constexpr int kTimeoutMs = 5000;

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c < 32 || c > 126) out += '.';
    else out += c;
  }
  if (s.size() > 200) out += "...";
  return out;
}

}  // namespace

void ExpectEq(std::string_view what, std::string_view got,
              std::string_view want) {
  if (got != want) {
    throw Failure(std::string(what) + ": expected \"" + Printable(want) +
                  "\", got \"" + Printable(got) + "\"");
  }
}

Connection::Connection(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints,
                  &result) != 0) {
    throw Failure("cannot resolve " + host);
  }
  for (addrinfo* a = result; a != nullptr && fd_ < 0; a = a->ai_next) {
    fd_ = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd_ >= 0 && connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  freeaddrinfo(result);
  if (fd_ < 0) {
    throw Failure("cannot connect to " + host + ":" + std::to_string(port));
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

void Connection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Failure("send failed: the server closed the connection");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void Connection::SendSplit(std::string_view bytes, size_t chunk) {
  for (size_t pos = 0; pos < bytes.size(); pos += chunk) {
    Send(bytes.substr(pos, chunk));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void Connection::Fill() {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, kTimeoutMs) <= 0) throw Failure("timed out waiting for a reply");
  char buf[65536];
  const ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) throw Failure("the server closed the connection");
  buffer_.append(buf, static_cast<size_t>(n));
}

std::string Connection::ReadLine() {
  size_t end;
  while ((end = buffer_.find("\r\n")) == std::string::npos) Fill();
  std::string line = buffer_.substr(0, end);
  buffer_.erase(0, end + 2);
  return line;
}

std::string Connection::ReadExactly(size_t n) {
  while (buffer_.size() < n) Fill();
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

std::string Connection::ReadSome(int timeout_ms) {
  if (buffer_.empty()) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return "";
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) throw Failure("the server closed the connection");
    buffer_.append(buf, static_cast<size_t>(n));
  }
  std::string out;
  out.swap(buffer_);
  return out;
}

bool Connection::Closed() {
  if (!buffer_.empty()) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, kTimeoutMs) <= 0) return false;
  char c;
  return recv(fd_, &c, 1, MSG_PEEK) == 0;
}

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}

uint64_t FromBe(std::string_view bytes) {
  uint64_t v = 0;
  for (unsigned char b : bytes) v = (v << 8) | b;
  return v;
}

std::string EncodeRequest(const Packet& p) {
  std::string h(24, '\0');
  h[0] = static_cast<char>(0x80);
  h[1] = static_cast<char>(p.opcode);
  h[2] = static_cast<char>(p.key.size() >> 8);
  h[3] = static_cast<char>(p.key.size());
  h[4] = static_cast<char>(p.extras.size());
  const std::string body = Be32(static_cast<uint32_t>(
      p.extras.size() + p.key.size() + p.value.size()));
  h.replace(8, 4, body);
  h.replace(12, 4, Be32(p.opaque));
  h.replace(16, 8, Be64(p.cas));
  return h + p.extras + p.key + p.value;
}

Packet ReadPacket(Connection& c) {
  const std::string h = c.ReadExactly(24);
  if (static_cast<uint8_t>(h[0]) != 0x81) {
    throw Failure("response magic is not 0x81");
  }
  Packet p;
  p.opcode = static_cast<uint8_t>(h[1]);
  const size_t key = FromBe(h.substr(2, 2));
  const size_t extras = static_cast<uint8_t>(h[4]);
  p.status = static_cast<uint16_t>(FromBe(h.substr(6, 2)));
  const size_t body = FromBe(h.substr(8, 4));
  p.opaque = static_cast<uint32_t>(FromBe(h.substr(12, 4)));
  p.cas = FromBe(h.substr(16, 8));
  if (key + extras > body) throw Failure("response lengths do not add up");
  const std::string b = c.ReadExactly(body);
  p.extras = b.substr(0, extras);
  p.key = b.substr(extras, key);
  p.value = b.substr(extras + key);
  return p;
}

}  // namespace tinkercapable
