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

bool Connection::Closed() {
  if (!buffer_.empty()) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, kTimeoutMs) <= 0) return false;
  char c;
  return recv(fd_, &c, 1, MSG_PEEK) == 0;
}

}  // namespace tinkercapable
