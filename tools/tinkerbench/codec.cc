#include "tools/tinkerbench/codec.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "tcc.h"

namespace tinkerbench {
namespace {

// Longest reply line we accept before calling the stream broken.
constexpr size_t kMaxLine = 4096;

void AppendNumber(std::string& out, uint64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string Quote(std::string_view s) {
  if (s.size() > 60) s = s.substr(0, 60);
  std::string q = "\"";
  for (char c : s) {
    if (c >= 32 && c < 127) {
      q += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      q += buf;
    }
  }
  return q + "\"";
}

// Shared by the codecs: which key a reply position stands for, and whether
// a value is the one the workload would have stored under that key.
class CodecBase : public Codec {
 protected:
  explicit CodecBase(const Workload& w) : w_(w) {}
  uint32_t KeyAt(const Pending& p, uint32_t j) const {
    uint32_t k = p.first_key + j;
    return k >= w_.keys() ? k - w_.keys() : k;
  }
  // "" when the value is right, else what is wrong with it.
  std::string CheckValue(uint32_t key, uint32_t flags, const uint8_t* data,
                         uint64_t length) const {
    if (!w_.LengthOk(length)) {
      return "value of " + std::string(w_.Key(key)) + " has " +
             std::to_string(length) + " bytes";
    }
    if (flags != w_.flags()) {
      return "value of " + std::string(w_.Key(key)) + " has flags " +
             std::to_string(flags);
    }
    const std::string_view want = w_.Value(key, static_cast<uint32_t>(length));
    if (std::memcmp(want.data(), data, length) != 0) {
      return "wrong value for " + std::string(w_.Key(key));
    }
    return {};
  }
  const Workload& w_;
};

// ---- ASCII ----------------------------------------------------------------

class AsciiCodec final : public CodecBase {
 public:
  explicit AsciiCodec(const Workload& w) : CodecBase(w) {}

  void Get(Pending& p, std::string& out) override {
    out += "get";
    for (uint32_t j = 0; j < p.keys; ++j) {
      out += ' ';
      out += w_.Key(KeyAt(p, j));
    }
    out += "\r\n";
  }

  void Set(Pending& p, uint32_t length, std::string& out) override {
    const uint32_t key = p.first_key;
    out += "set ";
    out += w_.Key(key);
    out += ' ';
    AppendNumber(out, w_.flags());
    out += " 0 ";
    AppendNumber(out, length);
    out += "\r\n";
    out += w_.Value(key, length);
    out += "\r\n";
  }

  Verdict Parse(const uint8_t* data, size_t n, Pending& p) override {
    const char* in = reinterpret_cast<const char*>(data);
    Verdict v;
    size_t pos = 0;
    uint32_t j = 0;
    for (;;) {
      const void* nl = std::memchr(in + pos, '\n', n - pos);
      if (nl == nullptr) {
        if (n - pos <= kMaxLine) return {};
        v.fatal = true;
        v.error = "reply line longer than 4096 bytes";
        return v;
      }
      const size_t end = static_cast<size_t>(static_cast<const char*>(nl) - in);
      if (end == pos || in[end - 1] != '\r') {
        v.fatal = true;
        v.error = "reply line not ended by \\r\\n";
        return v;
      }
      const std::string_view line(in + pos, end - 1 - pos);
      const size_t next = end + 1;
      if (p.op == Op::kSet) {
        if (line != "STORED") v.error = "set answered " + Quote(line);
        v.consumed = next;
        v.complete = true;
        return v;
      }
      if (line == "END") {
        v.misses = p.keys - v.hits;
        v.consumed = next;
        v.complete = true;
        return v;
      }
      if (!line.starts_with("VALUE ")) {
        v.error = "get answered " + Quote(line);
        v.consumed = next;
        v.complete = true;
        // An error line ends the reply; anything else leaves us lost.
        v.fatal = !(line.starts_with("SERVER_ERROR") ||
                    line.starts_with("CLIENT_ERROR") || line == "ERROR");
        return v;
      }
      std::string_view key;
      uint64_t flags = 0, length = 0;
      if (!ParseValueLine(line.substr(6), &key, &flags, &length)) {
        v.fatal = true;
        v.error = "malformed " + Quote(line);
        return v;
      }
      if (n - next < length + 2) return {};  // the data is not all here yet
      const uint8_t* value = data + next;
      if (value[length] != '\r' || value[length + 1] != '\n') {
        v.fatal = true;
        v.error = "value data of " + Quote(key) + " not ended by \\r\\n";
        return v;
      }
      while (j < p.keys && w_.Key(KeyAt(p, j)) != key) ++j;
      if (j == p.keys) {
        if (v.error.empty()) v.error = "unexpected key " + Quote(key);
      } else {
        std::string wrong = CheckValue(KeyAt(p, j),
                                       static_cast<uint32_t>(flags), value,
                                       length);
        if (!wrong.empty() && v.error.empty()) v.error = std::move(wrong);
        ++v.hits;
        ++j;
      }
      pos = next + length + 2;
    }
  }

 private:
  // "<key> <flags> <bytes> [<cas>]"
  static bool ParseValueLine(std::string_view rest, std::string_view* key,
                             uint64_t* flags, uint64_t* length) {
    const size_t a = rest.find(' ');
    if (a == std::string_view::npos) return false;
    *key = rest.substr(0, a);
    const char* p = rest.data() + a + 1;
    const char* end = rest.data() + rest.size();
    auto r = std::from_chars(p, end, *flags);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return false;
    r = std::from_chars(r.ptr + 1, end, *length);
    return r.ec == std::errc() && (r.ptr == end || *r.ptr == ' ');
  }
};

// ---- Binary ---------------------------------------------------------------

constexpr uint8_t kGet = 0x00, kSet = 0x01, kNoop = 0x0a, kGetKQ = 0x0d;

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | p[3];
}

class BinaryCodec final : public CodecBase {
 public:
  explicit BinaryCodec(const Workload& w) : CodecBase(w) {}

  void Get(Pending& p, std::string& out) override {
    p.opaque = ++opaque_;
    if (p.keys == 1) {
      Header(out, kGet, 0, w_.Key(p.first_key).size(), 0, p.opaque);
      out += w_.Key(p.first_key);
      return;
    }
    // As memcached's clients do a multi-get: quiet GETKs, then a NOOP.
    for (uint32_t j = 0; j < p.keys; ++j) {
      const std::string_view key = w_.Key(KeyAt(p, j));
      Header(out, kGetKQ, 0, key.size(), 0, p.opaque);
      out += key;
    }
    Header(out, kNoop, 0, 0, 0, p.opaque);
  }

  void Set(Pending& p, uint32_t length, std::string& out) override {
    p.opaque = ++opaque_;
    const uint32_t key = p.first_key;
    const std::string_view k = w_.Key(key);
    Header(out, kSet, 8, k.size(), length, p.opaque);
    const uint32_t flags = w_.flags();
    const char extras[8] = {static_cast<char>(flags >> 24),
                            static_cast<char>(flags >> 16),
                            static_cast<char>(flags >> 8),
                            static_cast<char>(flags), 0, 0, 0, 0};
    out.append(extras, 8);
    out += k;
    out += w_.Value(key, length);
  }

  Verdict Parse(const uint8_t* data, size_t n, Pending& p) override {
    Verdict v;
    size_t pos = 0;
    uint32_t j = 0;
    for (;;) {
      if (n - pos < 24) return {};
      const uint8_t* h = data + pos;
      if (h[0] != 0x81) {
        v.fatal = true;
        v.error = "reply magic " + std::to_string(h[0]) + ", not 0x81";
        return v;
      }
      const uint32_t body = Be32(h + 8);
      if (n - pos < 24 + size_t{body}) return {};
      const uint8_t opcode = h[1];
      const uint16_t keylen = static_cast<uint16_t>((h[2] << 8) | h[3]);
      const uint8_t extlen = h[4];
      const uint16_t status = static_cast<uint16_t>((h[6] << 8) | h[7]);
      pos += 24 + size_t{body};
      if (size_t{extlen} + keylen > body) {
        v.fatal = true;
        v.error = "reply body shorter than its extras and key";
        return v;
      }
      if (Be32(h + 12) != p.opaque && v.error.empty()) {
        v.error = "reply opaque does not match the request's";
      }
      const uint8_t* ext = h + 24;
      const uint8_t* value = ext + extlen + keylen;
      const uint32_t length = body - extlen - keylen;
      // No 4-byte extras on a hit: flags that cannot match, so it is caught.
      const uint32_t flags = extlen == 4 ? Be32(ext) : ~w_.flags();
      std::string wrong;
      if (p.op == Op::kSet) {
        if (opcode != kSet || status != 0) {
          wrong = "set answered opcode " + std::to_string(opcode) +
                  " status " + std::to_string(status);
        }
      } else if (p.keys == 1) {
        if (opcode != kGet) {
          wrong = "get answered opcode " + std::to_string(opcode);
        } else if (status == 1) {
          ++v.misses;
        } else if (status != 0) {
          wrong = "get answered status " + std::to_string(status);
        } else {
          wrong = CheckValue(p.first_key, flags, value, length);
          ++v.hits;
        }
      } else if (opcode == kGetKQ && status == 0) {
        const std::string_view key(reinterpret_cast<const char*>(ext + extlen),
                                   keylen);
        while (j < p.keys && w_.Key(KeyAt(p, j)) != key) ++j;
        if (j == p.keys) {
          wrong = "unexpected key " + Quote(key);
        } else {
          wrong = CheckValue(KeyAt(p, j), flags, value, length);
          ++v.hits;
          ++j;
        }
        if (!wrong.empty() && v.error.empty()) v.error = std::move(wrong);
        continue;  // more packets to come, up to the NOOP
      } else if (opcode == kNoop) {
        v.misses = p.keys - v.hits;
      } else {
        wrong = "multi-get answered opcode " + std::to_string(opcode) +
                " status " + std::to_string(status);
        if (v.error.empty()) v.error = std::move(wrong);
        continue;
      }
      if (!wrong.empty() && v.error.empty()) v.error = std::move(wrong);
      v.consumed = pos;
      v.complete = true;
      return v;
    }
  }

 private:
  static void Header(std::string& out, uint8_t opcode, uint8_t extlen,
                     size_t keylen, uint32_t valuelen, uint32_t opaque) {
    const uint32_t body = static_cast<uint32_t>(extlen + keylen + valuelen);
    const char h[24] = {
        static_cast<char>(0x80), static_cast<char>(opcode),
        static_cast<char>(keylen >> 8), static_cast<char>(keylen),
        static_cast<char>(extlen), 0, 0, 0,
        static_cast<char>(body >> 24), static_cast<char>(body >> 16),
        static_cast<char>(body >> 8), static_cast<char>(body),
        static_cast<char>(opaque >> 24), static_cast<char>(opaque >> 16),
        static_cast<char>(opaque >> 8), static_cast<char>(opaque),
        0, 0, 0, 0, 0, 0, 0, 0};
    out.append(h, sizeof h);
  }

  uint32_t opaque_ = 0;
};

// ---- Compact --------------------------------------------------------------

// Requests are stream-lined as spec/compact.md allows: the action opcode is
// sent only when it changes, and FLAGS only once. A get of n keys is the
// GET action and n times KEY, GO: one reply per key, in order.
class CompactCodec final : public CodecBase {
 public:
  explicit CompactCodec(const Workload& w)
      : CodecBase(w), value_(w.value_max() + 1) {
    Reset();
  }

  void Reset() override {
    tcc_decoder_init(&decoder_, value_.data(), value_.size(), nullptr, nullptr);
    action_ = 0xff;
    flags_sent_ = false;
  }

  void Get(Pending& p, std::string& out) override {
    tcc_writer w = Begin(out, 1 + size_t{p.keys} * (3 + w_.Key(0).size()));
    if (action_ != TC_OP_GET) tcc_op(&w, action_ = TC_OP_GET);
    for (uint32_t j = 0; j < p.keys; ++j) {
      const std::string_view key = w_.Key(KeyAt(p, j));
      tcc_str(&w, TC_OP_KEY, key.data(), key.size());
      tcc_op(&w, TC_OP_GO);
    }
    End(out, w);
  }

  void Set(Pending& p, uint32_t length, std::string& out) override {
    const uint32_t key = p.first_key;
    const std::string_view k = w_.Key(key);
    tcc_writer w = Begin(out, 16 + k.size() + length);
    if (action_ != TC_OP_SET) tcc_op(&w, action_ = TC_OP_SET);
    if (!flags_sent_ && w_.flags() != 0) tcc_num(&w, TC_OP_FLAGS, w_.flags());
    flags_sent_ = true;
    tcc_str(&w, TC_OP_KEY, k.data(), k.size());
    const std::string_view value = w_.Value(key, length);
    tcc_value(&w, value.data(), value.size());
    tcc_op(&w, TC_OP_GO);
    End(out, w);
  }

  Verdict Parse(const uint8_t* data, size_t n, Pending& p) override {
    Verdict v;
    while (v.consumed < n) {
      int done = 0;
      v.consumed += tcc_decode(&decoder_, data + v.consumed, n - v.consumed,
                               &reply_, &done);
      if (!done) return v;
      std::string wrong;
      const uint32_t key = KeyAt(p, p.progress);
      if (reply_.status == TC_STATUS_FRAMING) {
        v.fatal = true;
        v.error = "reply with a reserved opcode";
        return v;
      }
      if (p.op == Op::kSet) {
        if (reply_.status != TC_STATUS_OK) {
          wrong = "set answered status " + std::to_string(reply_.status);
        }
      } else if (reply_.status == TC_STATUS_NOT_FOUND) {
        ++v.misses;
      } else if (reply_.status != TC_STATUS_OK ||
                 !(reply_.has & TCC_HAS_VALUE)) {
        wrong = "get answered status " + std::to_string(reply_.status);
      } else if (reply_.value_kept != reply_.value_len) {
        wrong = "value of " + std::string(w_.Key(key)) + " has " +
                std::to_string(reply_.value_len) + " bytes";
      } else {
        const uint32_t flags = reply_.has & TCC_HAS_FLAGS ? reply_.flags : 0;
        wrong = CheckValue(key, flags, value_.data(), reply_.value_len);
        ++v.hits;
      }
      if (!wrong.empty() && v.error.empty()) v.error = std::move(wrong);
      if (++p.progress == p.keys || p.op == Op::kSet) {
        v.complete = true;
        return v;
      }
    }
    return v;
  }

 private:
  static tcc_writer Begin(std::string& out, size_t room) {
    const size_t old = out.size();
    out.resize(old + room);
    tcc_writer w;
    tcc_writer_init(&w, reinterpret_cast<uint8_t*>(out.data() + old), room);
    return w;
  }
  static void End(std::string& out, const tcc_writer& w) {
    out.resize(out.size() - (w.cap - w.len));
  }

  std::vector<uint8_t> value_;
  tcc_decoder decoder_;
  tcc_reply reply_{};
  uint8_t action_ = 0xff;
  bool flags_sent_ = false;
};

}  // namespace

std::unique_ptr<Codec> MakeCodec(Proto proto, const Workload& w) {
  switch (proto) {
    case Proto::kAscii: return std::make_unique<AsciiCodec>(w);
    case Proto::kBinary: return std::make_unique<BinaryCodec>(w);
    case Proto::kCompact: return std::make_unique<CompactCodec>(w);
  }
  return nullptr;
}

}  // namespace tinkerbench
