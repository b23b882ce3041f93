// tinkercapable's compact-protocol tests (spec/compact.md), using the
// embedded C client as the compact codec.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tcc.h"
#include "tools/tinkercapable/tests.h"

namespace tinkercapable {
namespace {

// A compact session over a Connection: encodes with tcc_writer, decodes
// replies with tcc_decoder, keeps bytes that belong to the next reply.
class Compact {
 public:
  explicit Compact(Connection& c) : c_(c), value_(2 << 20) {
    tcc_writer_init(&w_, out_.data(), out_.size());
    tcc_decoder_init(&d_, value_.data(), value_.size(), OnField, this);
  }

  tcc_writer* w() { return &w_; }
  Compact& Op(uint8_t op) { return Put(op, 0, nullptr, 0); }
  Compact& Num(uint8_t op, uint64_t v) { return Put(op, v, nullptr, 0); }
  Compact& Str(uint8_t op, const std::string& s) {
    return Put(op, 0, s.data(), s.size());
  }
  Compact& Value(const std::string& v) {
    tcc_value(&w_, v.data(), v.size());
    return *this;
  }
  void Flush() {
    if (w_.overflow) throw Failure("request too large for the test buffer");
    c_.Send(std::string(reinterpret_cast<char*>(out_.data()), w_.len));
    w_.len = 0;
  }
  // Sends what is written and reads one reply.
  tcc_reply Reply() {
    Flush();
    return Next();
  }
  tcc_reply Next(int timeout_ms = 5000) {
    fields_.clear();
    tcc_reply r{};
    for (;;) {
      if (!pending_.empty()) {
        int done = 0;
        const size_t used = tcc_decode(
            &d_, reinterpret_cast<const uint8_t*>(pending_.data()),
            pending_.size(), &r, &done);
        pending_.erase(0, used);
        if (done) return r;
      }
      std::string more = c_.ReadSome(timeout_ms);
      if (more.empty()) throw Failure("timed out waiting for a compact reply");
      pending_ += more;
    }
  }
  std::string value(const tcc_reply& r) const {
    return std::string(reinterpret_cast<const char*>(value_.data()),
                       r.value_kept);
  }
  std::string text(const tcc_reply& r) const {
    return std::string(r.text, r.text_len);
  }
  const std::vector<std::pair<int, std::string>>& fields() const {
    return fields_;
  }

 private:
  Compact& Put(uint8_t op, uint64_t v, const void* data, size_t n) {
    tcc_put(&w_, op, v, data, n);
    return *this;
  }
  static void OnField(void* ctx, uint8_t op, const char* text, size_t len) {
    static_cast<Compact*>(ctx)->fields_.emplace_back(op, std::string(text, len));
  }

  Connection& c_;
  std::vector<uint8_t> out_ = std::vector<uint8_t>(2 << 20);
  std::vector<uint8_t> value_;
  tcc_writer w_;
  tcc_decoder d_;
  std::string pending_;
  std::vector<std::pair<int, std::string>> fields_;
};

void ExpectStatus(const tcc_reply& r, uint8_t status, const std::string& what) {
  if (r.status != status) {
    throw Failure(what + ": expected status " + std::to_string(status) +
                  ", got " + std::to_string(r.status) + " (" +
                  std::string(r.text, r.text_len) + ")");
  }
}

}  // namespace

bool SpeaksCompact(const std::string& host, int port) {
  try {
    Connection c(host, port);
    c.Send(std::string("\x01\x15\x00", 3));  // CLEAR NOOP GO
    return c.ReadSome(1000) == std::string(1, '\0');
  } catch (const Failure&) {
    return false;
  }
}

std::vector<Test> CompactTests() {
  std::vector<Test> t;
  auto add = [&t](std::string name, std::function<void(Compact&, Connection&)> body) {
    t.push_back({"compact " + name, 'c', [body](const Target& target) {
                   auto c = target.Connect();
                   Compact s(*c);
                   ExpectStatus(s.Op(TC_OP_CLEAR).Op(TC_OP_FLUSH).Op(TC_OP_GO).Reply(),
                                TC_STATUS_OK, "flush");
                   s.Op(TC_OP_CLEAR);
                   body(s, *c);
                 }});
  };
  add("set get", [](Compact& s, Connection&) {
    ExpectStatus(s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("hello")
                     .Num(TC_OP_FLAGS, 7).Op(TC_OP_GO).Reply(),
                 TC_STATUS_OK, "set");
    const tcc_reply r = s.Op(TC_OP_GET).Op(TC_OP_GO).Reply();
    ExpectStatus(r, TC_STATUS_OK, "get");
    ExpectEq("value", s.value(r), "hello");
    if (r.flags != 7) throw Failure("flags not returned");
    ExpectStatus(s.Str(TC_OP_KEY, "nokey").Op(TC_OP_GO).Reply(),
                 TC_STATUS_NOT_FOUND, "miss");
  });
  add("long value", [](Compact& s, Connection&) {
    const std::string v(100000, 'v');
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "big").Value(v).Op(TC_OP_GO).Reply();
    const tcc_reply r = s.Op(TC_OP_GET).Op(TC_OP_GO).Reply();
    ExpectEq("long value", s.value(r), v);
  });
  add("stream-lining", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Value("same").Str(TC_OP_KEY, "a").Op(TC_OP_GO).Reply();
    s.Str(TC_OP_KEY, "b").Op(TC_OP_GO).Reply();  // the value register stays
    ExpectEq("reused value", s.value(s.Op(TC_OP_GET).Op(TC_OP_GO).Reply()), "same");
  });
  add("clear", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("v").Op(TC_OP_CLEAR).Op(TC_OP_SET);
    const tcc_reply r = s.Op(TC_OP_GO).Reply();
    ExpectStatus(r, TC_STATUS_MISSING, "GO after CLEAR");
    ExpectEq("message", s.text(r), "GO needs KEY VALUE");
    ExpectStatus(s.Op(TC_OP_CLEAR).Op(TC_OP_GO).Reply(), TC_STATUS_NO_ACTION,
                 "GO with no action");
  });
  add("quiet multi-get", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Value("1").Str(TC_OP_KEY, "a").Op(TC_OP_GO).Reply();
    s.Str(TC_OP_KEY, "c").Op(TC_OP_GO).Reply();
    s.Op(TC_OP_CLEAR).Op(TC_OP_GET).Op(TC_OP_QUIET).Op(TC_OP_WANT_KEY);
    for (const char* k : {"a", "b", "c"}) s.Str(TC_OP_KEY, k).Op(TC_OP_GO);
    s.Op(TC_OP_NOOP).Op(TC_OP_GO).Flush();
    std::string keys;
    for (tcc_reply r = s.Next(); r.has & TCC_HAS_KEY; r = s.Next()) {
      keys += s.fields().at(0).second;
    }
    ExpectEq("hits before NOOP's reply", keys, "ac");
  });
  add("quiet store", [](Compact& s, Connection&) {
    s.Op(TC_OP_QUIET).Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("v").Op(TC_OP_GO);
    s.Op(TC_OP_ADD).Op(TC_OP_GO);  // fails: the error is sent
    ExpectStatus(s.Reply(), TC_STATUS_NOT_STORED, "quiet add's error");
    ExpectStatus(s.Op(TC_OP_NOOP).Op(TC_OP_GO).Reply(), TC_STATUS_OK, "noop");
  });
  add("storage conditions", [](Compact& s, Connection&) {
    s.Str(TC_OP_KEY, "k").Value("b");
    ExpectStatus(s.Op(TC_OP_REPLACE).Op(TC_OP_GO).Reply(), TC_STATUS_NOT_STORED, "replace missing");
    ExpectStatus(s.Op(TC_OP_APPEND).Op(TC_OP_GO).Reply(), TC_STATUS_NOT_STORED, "append missing");
    ExpectStatus(s.Op(TC_OP_ADD).Op(TC_OP_GO).Reply(), TC_STATUS_OK, "add");
    ExpectStatus(s.Op(TC_OP_ADD).Op(TC_OP_GO).Reply(), TC_STATUS_NOT_STORED, "add existing");
    s.Op(TC_OP_APPEND).Value("c").Op(TC_OP_GO).Reply();
    s.Op(TC_OP_PREPEND).Value("a").Op(TC_OP_GO).Reply();
    ExpectEq("joined", s.value(s.Op(TC_OP_GET).Op(TC_OP_GO).Reply()), "abc");
  });
  add("cas", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("v1").Op(TC_OP_GO).Reply();
    const tcc_reply got = s.Op(TC_OP_GET).Op(TC_OP_WANT_CAS).Op(TC_OP_GO).Reply();
    if (!(got.has & TCC_HAS_CAS)) throw Failure("WANT_CAS: no CAS field");
    s.Op(TC_OP_CAS).Num(TC_OP_UNIQUE, got.cas).Value("v2");
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_OK, "cas match");
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_EXISTS, "cas stale");
    s.Op(TC_OP_CLEAR).Op(TC_OP_CAS).Str(TC_OP_KEY, "nokey").Value("v");
    ExpectStatus(s.Num(TC_OP_UNIQUE, 1).Op(TC_OP_GO).Reply(), TC_STATUS_NOT_FOUND,
                 "cas missing");
  });
  add("delete", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("v").Op(TC_OP_GO).Reply();
    ExpectStatus(s.Op(TC_OP_DELETE).Op(TC_OP_GO).Reply(), TC_STATUS_OK, "delete");
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_NOT_FOUND, "delete again");
  });
  add("incr decr", [](Compact& s, Connection&) {
    s.Op(TC_OP_INCR).Str(TC_OP_KEY, "n").Num(TC_OP_DELTA8, 5);
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_NOT_FOUND, "incr missing");
    tcc_reply r = s.Num(TC_OP_INITIAL, 100).Op(TC_OP_GO).Reply();
    if (r.number != 100) throw Failure("INITIAL: not created with 100");
    if (s.Op(TC_OP_GO).Reply().number != 105) throw Failure("incr: not 105");
    r = s.Op(TC_OP_DECR).Num(TC_OP_DELTA64, 1000).Op(TC_OP_GO).Reply();
    if (r.number != 0) throw Failure("decr: does not floor at 0");
    s.Op(TC_OP_CLEAR).Op(TC_OP_SET).Str(TC_OP_KEY, "s").Value("abc").Op(TC_OP_GO).Reply();
    ExpectStatus(s.Op(TC_OP_INCR).Num(TC_OP_DELTA32, 1).Op(TC_OP_GO).Reply(),
                 TC_STATUS_NON_NUMERIC, "non-numeric");
  });
  add("touch gat expiry", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("v").Num(TC_OP_EXPTIME, 1).Op(TC_OP_GO).Reply();
    ExpectStatus(s.Op(TC_OP_TOUCH).Num(TC_OP_EXPTIME, 100).Op(TC_OP_GO).Reply(),
                 TC_STATUS_OK, "touch");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ExpectEq("gat", s.value(s.Op(TC_OP_GAT).Op(TC_OP_GO).Reply()), "v");
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "gone").Num(TC_OP_EXPTIME, 0xffffffffu)
        .Op(TC_OP_GO).Reply();  // -1: already expired
    ExpectStatus(s.Op(TC_OP_GET).Op(TC_OP_GO).Reply(), TC_STATUS_NOT_FOUND,
                 "negative expiry");
  });
  add("opaque version stats", [](Compact& s, Connection&) {
    tcc_reply r = s.Num(TC_OP_OPAQUE, 0x0a0b0c0d).Op(TC_OP_VERSION).Op(TC_OP_GO).Reply();
    if (r.opaque != 0x0a0b0c0d) throw Failure("OPAQUE not echoed");
    if (r.value_kept == 0) throw Failure("VERSION: empty");
    r = s.Op(TC_OP_CLEAR).Op(TC_OP_STATS).Op(TC_OP_GO).Reply();
    bool pid = false;
    for (const auto& [op, text] : s.fields()) pid |= op == TC_R_STAT_NAME && text == "pid";
    if (!pid) throw Failure("STATS: no pid");
  });
  add("limits", [](Compact& s, Connection& c) {
    const tcc_reply key = s.Op(TC_OP_GET).Str(TC_OP_KEY, std::string(251, 'k'))
                              .Op(TC_OP_GO).Reply();
    ExpectStatus(key, TC_STATUS_INVALID, "251-byte key");
    // A value one byte over the limit: refused at GO, the connection kept.
    s.Op(TC_OP_CLEAR).Op(TC_OP_SET).Str(TC_OP_KEY, "big");
    tcc_value_header(s.w(), (1u << 20) + 1);
    s.Flush();
    c.Send(std::string((1 << 20) + 1, 'x'));
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_TOO_LARGE, "over the limit");
    ExpectStatus(s.Op(TC_OP_NOOP).Op(TC_OP_GO).Reply(), TC_STATUS_OK,
                 "connection kept");
  });
  add("unknown opcodes skipped", [](Compact& s, Connection& c) {
    // One unknown opcode in each range with a parameter, and two from the
    // extended table.
    s.Num(0x3e, 9).Num(0x5e, 1).Str(0x7e, "abc").Str(0x9e, "long").Num(0xbe, 5);
    s.Flush();
    c.Send(std::string("\xff\x3d\x01\xff\x7d\x02xy", 8));
    const tcc_reply r = s.Op(TC_OP_NOOP).Op(TC_OP_GO).Reply();
    ExpectStatus(r, TC_STATUS_OK, "noop after unknown opcodes");
    if (r.skipped != 7) throw Failure("SKIPPED: expected 7, got " + std::to_string(r.skipped));
  });
  add("unknown actions execute nothing", [](Compact& s, Connection& c) {
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("old").Op(TC_OP_GO).Reply();
    // A base-table action and an extended one this server does not have:
    // GO must not run the SET selected before them.
    for (const std::string& action : {std::string("\x1d"), std::string("\xff\x1e")}) {
      s.Flush();
      c.Send(action);
      ExpectStatus(s.Value("new").Op(TC_OP_GO).Reply(), TC_STATUS_UNKNOWN_COMMAND,
                   "GO after an unknown action");
      s.Op(TC_OP_GET);
      ExpectEq("the old value", s.value(s.Op(TC_OP_GO).Reply()), "old");
      s.Op(TC_OP_SET);
    }
  });
  add("UNIQUE 0 and FORGET", [](Compact& s, Connection&) {
    s.Op(TC_OP_SET).Str(TC_OP_KEY, "k").Value("v").Op(TC_OP_GO).Reply();
    // A set CAS register is compared even at 0, which no item has.
    s.Num(TC_OP_UNIQUE, 0).Value("w");
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_EXISTS, "set with UNIQUE 0");
    ExpectStatus(s.Op(TC_OP_DELETE).Op(TC_OP_GO).Reply(), TC_STATUS_EXISTS,
                 "delete with UNIQUE 0");
    s.Num(TC_OP_FORGET, TC_OP_UNIQUE);
    ExpectStatus(s.Op(TC_OP_GO).Reply(), TC_STATUS_OK, "delete after FORGET UNIQUE");
  });
  add("reserved opcode closes", [](Compact& s, Connection& c) {
    s.Flush();
    c.Send(std::string("\xc3", 1));
    ExpectStatus(s.Next(), TC_STATUS_FRAMING, "reserved opcode");
    if (!c.Closed()) throw Failure("the connection stayed open");
  });
  add("escaped escape closes", [](Compact& s, Connection& c) {
    s.Flush();
    c.Send(std::string("\xff\xff", 2));
    ExpectStatus(s.Next(), TC_STATUS_FRAMING, "0xff 0xff");
    if (!c.Closed()) throw Failure("the connection stayed open");
  });
  add("split packets", [](Compact& s, Connection& c) {
    s.Flush();
    c.SendSplit(std::string("\x08\x60\x01k\x61\x02vv\x00", 9), 1);
    ExpectStatus(s.Next(), TC_STATUS_OK, "set a byte at a time");
    ExpectEq("read back", s.value(s.Op(TC_OP_GET).Op(TC_OP_GO).Reply()), "vv");
  });
  add("quit", [](Compact& s, Connection& c) {
    ExpectStatus(s.Op(TC_OP_QUIT).Op(TC_OP_GO).Reply(), TC_STATUS_OK, "quit");
    if (!c.Closed()) throw Failure("quit: the connection stayed open");
  });
  return t;
}

}  // namespace tinkercapable
