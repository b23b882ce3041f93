#ifndef TINKERCACHE_TOOLS_TINKERCAPABLE_CLIENT_H_
#define TINKERCACHE_TOOLS_TINKERCAPABLE_CLIENT_H_

// tinkercapable's own wire client: a blocking socket with timeouts and the
// reads a protocol test needs. It shares no code with the server's codecs,
// so a codec bug cannot hide itself.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tinkercapable {

// A failed expectation; the message says what was expected and seen.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Connection {
 public:
  Connection(const std::string& host, int port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Send(std::string_view bytes);
  // Sends in pieces of `chunk` bytes with a short pause between them, so
  // the server sees them in separate reads.
  void SendSplit(std::string_view bytes, size_t chunk);
  // A line up to "\r\n", without it.
  std::string ReadLine();
  std::string ReadExactly(size_t n);
  // Whatever bytes are buffered, or the next ones to arrive; "" when
  // nothing came within `timeout_ms`.
  std::string ReadSome(int timeout_ms);
  // True when the server closed the connection (within the timeout).
  bool Closed();

 private:
  void Fill();
  int fd_ = -1;
  std::string buffer_;
};

// A memcached binary-protocol packet (request or response).
struct Packet {
  uint8_t opcode = 0;
  uint16_t status = 0;  // responses; the vbucket field of requests
  std::string extras, key, value;
  uint64_t cas = 0;
  uint32_t opaque = 0;
};

std::string EncodeRequest(const Packet& p);
// Reads one response packet; Failure on a bad magic.
Packet ReadPacket(Connection& c);

std::string Be32(uint32_t v);
std::string Be64(uint64_t v);
uint64_t FromBe(std::string_view bytes);

// Throws Failure unless `got == want`.
void ExpectEq(std::string_view what, std::string_view got,
              std::string_view want);

}  // namespace tinkercapable

#endif  // TINKERCACHE_TOOLS_TINKERCAPABLE_CLIENT_H_
