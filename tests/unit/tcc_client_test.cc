// The embedded C client (clients/compact/tcc.c): its decoder over every
// chunking, and whole sessions against the real server binary.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tcc.h"

extern char** environ;

namespace {

std::vector<uint8_t> Hex(const std::string& text) {
  std::vector<uint8_t> out;
  std::istringstream in(text);
  for (std::string byte; in >> byte;) {
    out.push_back(static_cast<uint8_t>(std::stoi(byte, nullptr, 16)));
  }
  return out;
}

// A vector's reply pattern as one reply a server could send: "XX *" (any
// text in a short-string field XX) becomes the text "x", "??" (any byte) 0.
std::vector<uint8_t> Instance(const std::string& pattern) {
  std::vector<uint8_t> out;
  std::istringstream in(pattern);
  for (std::string token; in >> token;) {
    if (token == "*") {
      out.push_back(1);
      out.push_back('x');
    } else if (token == "??") {
      out.push_back(0);
    } else {
      out.push_back(static_cast<uint8_t>(std::stoi(token, nullptr, 16)));
    }
  }
  return out;
}

struct Decoded {
  tcc_reply reply{};
  std::string value;
  std::vector<std::pair<int, std::string>> fields;
  size_t used = 0;
  bool done = false;
};

void OnField(void* ctx, uint8_t op, const char* text, size_t len) {
  static_cast<Decoded*>(ctx)->fields.emplace_back(op, std::string(text, len));
}

// Feeds `bytes` in chunks of `chunk` until one reply is done.
Decoded Decode(const std::vector<uint8_t>& bytes, size_t chunk,
               size_t value_cap = 1 << 20) {
  Decoded out;
  std::vector<uint8_t> value(value_cap);
  tcc_decoder d;
  tcc_decoder_init(&d, value.data(), value.size(), OnField, &out);
  while (out.used < bytes.size() && !out.done) {
    const size_t n = std::min(chunk, bytes.size() - out.used);
    int done = 0;
    const size_t used = tcc_decode(&d, bytes.data() + out.used, n, &out.reply, &done);
    out.used += used;
    out.done = done;
    if (!done && used != n) {
      ADD_FAILURE() << "decoder stopped early without a complete reply";
      break;
    }
  }
  out.value.assign(reinterpret_cast<char*>(value.data()), out.reply.value_kept);
  return out;
}

TEST(TccDecoder, GetHit) {
  const auto bytes = Hex("40 00 00 00 07 a0 00 00 00 00 00 00 01 00 61 05 68 65 6c 6c 6f 00");
  for (size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    Decoded d = Decode(bytes, chunk);
    ASSERT_TRUE(d.done);
    EXPECT_EQ(d.used, bytes.size());
    EXPECT_EQ(d.reply.status, TC_STATUS_OK);
    EXPECT_EQ(d.reply.flags, 7u);
    EXPECT_EQ(d.reply.cas, 256u);
    EXPECT_EQ(d.value, "hello");
    EXPECT_EQ(d.reply.has, TCC_HAS_FLAGS | TCC_HAS_CAS | TCC_HAS_VALUE);
  }
}

TEST(TccDecoder, StopsAtTheEndOfAReply) {
  const auto bytes = Hex("20 01 00");  // NOT_FOUND, then the next reply's OK
  Decoded d = Decode(bytes, bytes.size());
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.used, 2u);
  EXPECT_EQ(d.reply.status, TC_STATUS_NOT_FOUND);
}

TEST(TccDecoder, SkipsUnknownFieldsOfEveryRange) {
  // Unknown no-param, u8, u32, str8, str32, u64 and extended fields.
  const auto bytes = Hex(
      "1e 3e 01 5e 00 00 00 01 7e 02 61 62 9e 00 00 00 01 7a "
      "be 00 00 00 00 00 00 00 01 ff 7e 01 78 a1 00 00 00 00 00 00 00 2a 00");
  for (size_t chunk = 1; chunk <= bytes.size(); ++chunk) {
    Decoded d = Decode(bytes, chunk);
    ASSERT_TRUE(d.done);
    EXPECT_EQ(d.reply.status, TC_STATUS_OK);
    EXPECT_EQ(d.reply.number, 42u);
  }
}

TEST(TccDecoder, TruncatesAValueLongerThanItsBuffer) {
  std::vector<uint8_t> bytes = Hex("80 00 00 01 00");
  bytes.insert(bytes.end(), 256, 'v');
  bytes.push_back(TC_R_OK);
  Decoded d = Decode(bytes, 7, /*value_cap=*/10);
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.reply.value_len, 256u);
  EXPECT_EQ(d.reply.value_kept, 10u);
  EXPECT_EQ(d.value, "vvvvvvvvvv");
}

TEST(TccDecoder, ReservedOpcodeIsAFramingError) {
  Decoded d = Decode(Hex("c5 00"), 1);
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.reply.status, TC_STATUS_FRAMING);
}

// Every conformance vector's reply decodes, at every chunking, to the same
// result and consumes exactly the first reply.
TEST(TccDecoder, ConformanceVectorReplies) {
  std::ifstream in(TINKERCACHE_SOURCE_DIR "/spec/compact_vectors.txt");
  ASSERT_TRUE(in);
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string reply = line.substr(line.rfind('|') + 1);
    if (reply.find("close") != std::string::npos) {
      reply = reply.substr(0, reply.find("close"));
    }
    const auto bytes = Instance(reply);
    if (bytes.empty()) continue;
    const Decoded whole = Decode(bytes, bytes.size());
    ASSERT_TRUE(whole.done) << line;
    for (size_t chunk = 1; chunk < bytes.size(); ++chunk) {
      const Decoded part = Decode(bytes, chunk);
      ASSERT_EQ(part.used, whole.used) << line;
      ASSERT_EQ(part.reply.status, whole.reply.status) << line;
      ASSERT_EQ(part.value, whole.value) << line;
      ASSERT_EQ(part.fields, whole.fields) << line;
    }
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST(TccWriter, EncodesByRangeAndRefusesOverflow) {
  uint8_t buf[16];
  tcc_writer w;
  tcc_writer_init(&w, buf, sizeof buf);
  tcc_op(&w, TC_OP_CLEAR);
  tcc_num(&w, TC_OP_DELTA8, 5);
  tcc_num(&w, TC_OP_FLAGS, 0x01020304);
  tcc_str(&w, TC_OP_KEY, "k", 1);
  ASSERT_FALSE(w.overflow);
  EXPECT_EQ(std::vector<uint8_t>(buf, buf + w.len),
            Hex("01 20 05 40 01 02 03 04 60 01 6b"));
  tcc_num(&w, TC_OP_UNIQUE, 1);  // 9 bytes: does not fit
  EXPECT_TRUE(w.overflow);
  EXPECT_EQ(w.len, 11u);  // nothing partial
  tcc_writer_init(&w, buf, sizeof buf);
  tcc_op(&w, 0xc0);  // reserved: never encoded
  EXPECT_TRUE(w.overflow);
}

// ---- Against the real server ------------------------------------------

class TccServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tccXXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    port_file_ = std::string(dir) + "/port";
    std::vector<std::string> args = {TINKERCACHE_BIN, "-p", "0", "-t", "2",
                                     "--port-file", port_file_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(),
                          environ), 0);
    for (int i = 0; i < 500 && port_ == 0; ++i) {
      std::ifstream f(port_file_);
      if (!(f >> port_)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_NE(port_, 0);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    tcc_writer_init(&w_, out_, sizeof out_);
    tcc_decoder_init(&d_, value_, sizeof value_, OnField, &fields_);
  }

  void TearDown() override {
    close(fd_);
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  // Sends the writer's bytes and reads one reply, `read_size` bytes at a time.
  tcc_reply RoundTrip(size_t read_size = 1) {
    EXPECT_FALSE(w_.overflow);
    EXPECT_EQ(send(fd_, out_, w_.len, 0), static_cast<ssize_t>(w_.len));
    w_.len = 0;
    tcc_reply r{};
    for (;;) {
      if (in_len_ > 0) {
        int done = 0;
        const size_t used = tcc_decode(&d_, in_, in_len_, &r, &done);
        std::memmove(in_, in_ + used, in_len_ - used);
        in_len_ -= used;
        if (done) return r;
      }
      const ssize_t got = recv(fd_, in_ + in_len_, read_size, 0);
      if (got <= 0) {
        ADD_FAILURE() << "connection closed";
        return r;
      }
      in_len_ += static_cast<size_t>(got);
    }
  }

  std::string Value(const tcc_reply& r) {
    return std::string(reinterpret_cast<char*>(value_), r.value_kept);
  }

  pid_t pid_ = 0;
  int port_ = 0;
  int fd_ = -1;
  std::string port_file_;
  uint8_t out_[4096];
  uint8_t value_[2048];
  uint8_t in_[4096];
  size_t in_len_ = 0;
  tcc_writer w_;
  tcc_decoder d_;
  Decoded fields_;  // collects string fields through OnField
};

TEST_F(TccServerTest, StoreFetchCountDelete) {
  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_SET);
  tcc_str(&w_, TC_OP_KEY, "dev:1", 5);
  tcc_value(&w_, "reading=21.5", 12);
  tcc_num(&w_, TC_OP_FLAGS, 9);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip().status, TC_STATUS_OK);

  tcc_op(&w_, TC_OP_GET);
  tcc_op(&w_, TC_OP_WANT_CAS);
  tcc_op(&w_, TC_OP_GO);
  tcc_reply r = RoundTrip();
  EXPECT_EQ(r.status, TC_STATUS_OK);
  EXPECT_EQ(Value(r), "reading=21.5");
  EXPECT_EQ(r.flags, 9u);
  ASSERT_TRUE(r.has & TCC_HAS_CAS);

  // CAS with the unique just read succeeds once.
  tcc_op(&w_, TC_OP_CAS);
  tcc_num(&w_, TC_OP_UNIQUE, r.cas);
  tcc_value(&w_, "reading=22.0", 12);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip().status, TC_STATUS_OK);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip().status, TC_STATUS_EXISTS);

  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_INCR);
  tcc_str(&w_, TC_OP_KEY, "count", 5);
  tcc_num(&w_, TC_OP_DELTA8, 3);
  tcc_num(&w_, TC_OP_INITIAL, 100);
  tcc_op(&w_, TC_OP_GO);
  tcc_op(&w_, TC_OP_GO);  // both GOs in one write: two replies
  send(fd_, out_, w_.len, 0);
  w_.len = 0;
  EXPECT_EQ(RoundTrip().number, 100u);
  EXPECT_EQ(RoundTrip().number, 103u);

  tcc_op(&w_, TC_OP_DELETE);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip().status, TC_STATUS_OK);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip().status, TC_STATUS_NOT_FOUND);
}

TEST_F(TccServerTest, LargeValueSentWithoutTheBuffer) {
  std::string big(100'000, 'b');
  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_SET);
  tcc_str(&w_, TC_OP_KEY, "big", 3);
  tcc_value_header(&w_, static_cast<uint32_t>(big.size()));
  send(fd_, out_, w_.len, 0);
  w_.len = 0;
  send(fd_, big.data(), big.size(), 0);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip().status, TC_STATUS_OK);
  tcc_op(&w_, TC_OP_GET);
  tcc_op(&w_, TC_OP_GO);
  tcc_reply r = RoundTrip(/*read_size=*/4096);
  EXPECT_EQ(r.status, TC_STATUS_OK);
  EXPECT_EQ(r.value_len, big.size());
  EXPECT_EQ(r.value_kept, sizeof value_);  // the rest was read past
}

TEST_F(TccServerTest, QuietMultiGetAndStats) {
  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_SET);
  tcc_value(&w_, "v", 1);
  for (const char* key : {"a", "c"}) {
    tcc_str(&w_, TC_OP_KEY, key, 1);
    tcc_op(&w_, TC_OP_GO);
  }
  send(fd_, out_, w_.len, 0);
  w_.len = 0;
  RoundTrip();
  RoundTrip();
  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_GET);
  tcc_op(&w_, TC_OP_QUIET);
  tcc_op(&w_, TC_OP_WANT_KEY);
  for (const char* key : {"a", "b", "c"}) {
    tcc_str(&w_, TC_OP_KEY, key, 1);
    tcc_op(&w_, TC_OP_GO);
  }
  tcc_op(&w_, TC_OP_NOOP);
  tcc_op(&w_, TC_OP_GO);
  send(fd_, out_, w_.len, 0);
  w_.len = 0;
  std::vector<std::string> keys;
  for (;;) {
    fields_.fields.clear();
    tcc_reply r = RoundTrip();
    if (!(r.has & TCC_HAS_KEY)) break;  // NOOP's reply ends the batch
    keys.push_back(fields_.fields.at(0).second);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "c"}));

  fields_.fields.clear();
  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_STATS);
  tcc_op(&w_, TC_OP_GO);
  EXPECT_EQ(RoundTrip(64).status, TC_STATUS_OK);
  std::map<std::string, std::string> stats;
  for (size_t i = 0; i + 1 < fields_.fields.size(); i += 2) {
    stats[fields_.fields[i].second] = fields_.fields[i + 1].second;
  }
  EXPECT_EQ(stats.at("curr_items"), "2");
  EXPECT_EQ(stats.at("get_hits"), "2");
  EXPECT_EQ(stats.at("get_misses"), "1");
}

TEST_F(TccServerTest, ErrorsTheSpecDefines) {
  tcc_op(&w_, TC_OP_CLEAR);
  tcc_op(&w_, TC_OP_GO);
  tcc_reply r = RoundTrip();
  EXPECT_EQ(r.status, TC_STATUS_NO_ACTION);
  EXPECT_TRUE(r.has & TCC_HAS_MESSAGE);
  tcc_op(&w_, TC_OP_SET);
  tcc_op(&w_, TC_OP_GO);
  r = RoundTrip();
  EXPECT_EQ(r.status, TC_STATUS_MISSING);
  EXPECT_EQ(std::string(r.text, r.text_len), "GO needs KEY VALUE");
  // A new client's optional field the server does not know is skipped.
  tcc_num(&w_, 0x5d, 1234);
  tcc_op(&w_, TC_OP_NOOP);
  tcc_op(&w_, TC_OP_GO);
  r = RoundTrip();
  EXPECT_EQ(r.status, TC_STATUS_OK);
  EXPECT_EQ(r.skipped, 1);
}

}  // namespace
