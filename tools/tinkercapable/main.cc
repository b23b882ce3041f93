// tinkercapable: certifies a memcached-protocol server, as memcapable does,
// with named tests that each print [pass], [fail] or [skip].
//
//   tinkercapable [-h HOST] [-p PORT] [-a|-b|-c] [-T NAME] [-v] [-l]
//
// -a/-b/-c: only the ASCII/binary/compact tests; -T: only tests whose name
// contains NAME; -v: say what a failed test expected; -l: list the tests.
// The exit status is 0 only when no test failed. It flushes the server.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/tinkercapable/client.h"
#include "tools/tinkercapable/tests.h"

namespace tinkercapable {
namespace {

// ---- ASCII helpers --------------------------------------------------------

std::string Call(Connection& c, const std::string& line) {
  c.Send(line + "\r\n");
  return c.ReadLine();
}

std::string Store(Connection& c, const std::string& verb,
                  const std::string& key, const std::string& value,
                  const std::string& flags = "0",
                  const std::string& exptime = "0",
                  const std::string& extra = "") {
  c.Send(verb + " " + key + " " + flags + " " + exptime + " " +
         std::to_string(value.size()) + extra + "\r\n" + value + "\r\n");
  return extra.find("noreply") != std::string::npos ? "" : c.ReadLine();
}

struct Value {
  std::string key, flags, data, cas;
};

// Reads VALUE items up to END.
std::vector<Value> ReadValues(Connection& c, bool with_cas) {
  std::vector<Value> values;
  for (;;) {
    const std::string line = c.ReadLine();
    if (line == "END") return values;
    if (line.rfind("VALUE ", 0) != 0) {
      throw Failure("expected VALUE or END, got \"" + line + "\"");
    }
    Value v;
    std::string length;
    size_t a = 6, b = line.find(' ', a);
    v.key = line.substr(a, b - a);
    a = b + 1, b = line.find(' ', a);
    v.flags = line.substr(a, b - a);
    a = b + 1, b = line.find(' ', a);
    length = line.substr(a, b == std::string::npos ? b : b - a);
    if (with_cas) {
      if (b == std::string::npos) throw Failure("VALUE line without CAS");
      v.cas = line.substr(b + 1);
    }
    v.data = c.ReadExactly(std::stoul(length));
    ExpectEq("end of data block", c.ReadExactly(2), "\r\n");
    values.push_back(v);
  }
}

// Expects exactly `want` (key, flags, data) from a get line.
void ExpectGet(Connection& c, const std::string& line,
               std::vector<Value> want) {
  c.Send(line + "\r\n");
  const std::vector<Value> got = ReadValues(c, false);
  if (got.size() != want.size()) {
    throw Failure(line + ": expected " + std::to_string(want.size()) +
                  " items, got " + std::to_string(got.size()));
  }
  for (size_t i = 0; i < got.size(); ++i) {
    ExpectEq(line + ": key", got[i].key, want[i].key);
    ExpectEq(line + ": flags", got[i].flags, want[i].flags);
    ExpectEq(line + ": data", got[i].data, want[i].data);
  }
}

std::unique_ptr<Connection> Fresh(const Target& t) {
  auto c = t.Connect();
  ExpectEq("flush_all", Call(*c, "flush_all"), "OK");
  return c;
}

std::string ServerTime(Connection& c) {
  c.Send("stats\r\n");
  std::string time;
  for (std::string line; (line = c.ReadLine()) != "END";) {
    if (line.rfind("STAT time ", 0) == 0) time = line.substr(10);
  }
  if (time.empty()) throw Failure("stats has no time");
  return time;
}

std::vector<Test> AsciiTests() {
  std::vector<Test> t;
  auto add = [&t](std::string name, std::function<void(Connection&)> body) {
    t.push_back({"ascii " + name, 'a', [body](const Target& target) {
                   auto c = Fresh(target);
                   body(*c);
                 }});
  };
  add("version", [](Connection& c) {
    const std::string v = Call(c, "version");
    if (v.rfind("VERSION ", 0) != 0) throw Failure("got \"" + v + "\"");
  });
  add("verbosity", [](Connection& c) {
    ExpectEq("verbosity 1", Call(c, "verbosity 1"), "OK");
    c.Send("verbosity 0 noreply\r\n");
    ExpectEq("after noreply", Call(c, "verbosity 0"), "OK");
  });
  add("set", [](Connection& c) {
    ExpectEq("set", Store(c, "set", "k", "hello", "7"), "STORED");
    ExpectGet(c, "get k", {{"k", "7", "hello", ""}});
    ExpectEq("overwrite", Store(c, "set", "k", ""), "STORED");
    ExpectGet(c, "get k", {{"k", "0", "", ""}});
  });
  add("set noreply", [](Connection& c) {
    Store(c, "set", "k", "quiet", "0", "0", " noreply");
    ExpectGet(c, "get k", {{"k", "0", "quiet", ""}});
  });
  add("add", [](Connection& c) {
    ExpectEq("add new", Store(c, "add", "k", "a"), "STORED");
    ExpectEq("add existing", Store(c, "add", "k", "b"), "NOT_STORED");
    Store(c, "add", "k", "c", "0", "0", " noreply");
    ExpectGet(c, "get k", {{"k", "0", "a", ""}});
  });
  add("replace", [](Connection& c) {
    ExpectEq("replace missing", Store(c, "replace", "k", "a"), "NOT_STORED");
    Store(c, "set", "k", "a");
    ExpectEq("replace", Store(c, "replace", "k", "b", "3"), "STORED");
    Store(c, "replace", "k", "c", "4", "0", " noreply");
    ExpectGet(c, "get k", {{"k", "4", "c", ""}});
  });
  add("append", [](Connection& c) {
    ExpectEq("append missing", Store(c, "append", "k", "x"), "NOT_STORED");
    Store(c, "set", "k", "mid", "5");
    ExpectEq("append", Store(c, "append", "k", ">"), "STORED");
    Store(c, "append", "k", "!", "0", "0", " noreply");
    ExpectGet(c, "get k", {{"k", "5", "mid>!", ""}});
  });
  add("prepend", [](Connection& c) {
    ExpectEq("prepend missing", Store(c, "prepend", "k", "x"), "NOT_STORED");
    Store(c, "set", "k", "mid", "5");
    ExpectEq("prepend", Store(c, "prepend", "k", "<"), "STORED");
    Store(c, "prepend", "k", "!", "0", "0", " noreply");
    ExpectGet(c, "get k", {{"k", "5", "!<mid", ""}});
  });
  add("cas", [](Connection& c) {
    c.Send("cas k 0 0 1 1\r\nx\r\n");
    ExpectEq("cas missing", c.ReadLine(), "NOT_FOUND");
    Store(c, "set", "k", "v1");
    c.Send("gets k\r\n");
    const std::string cas = ReadValues(c, true).at(0).cas;
    c.Send("cas k 0 0 2 " + cas + "\r\nv2\r\n");
    ExpectEq("cas match", c.ReadLine(), "STORED");
    c.Send("cas k 0 0 2 " + cas + "\r\nv3\r\n");
    ExpectEq("cas stale", c.ReadLine(), "EXISTS");
    ExpectGet(c, "get k", {{"k", "0", "v2", ""}});
  });
  add("cas noreply", [](Connection& c) {
    Store(c, "set", "k", "v1");
    c.Send("gets k\r\n");
    const std::string cas = ReadValues(c, true).at(0).cas;
    c.Send("cas k 0 0 2 " + cas + " noreply\r\nv2\r\n");
    ExpectGet(c, "get k", {{"k", "0", "v2", ""}});
  });
  add("gets", [](Connection& c) {
    Store(c, "set", "a", "1");
    Store(c, "set", "b", "2");
    c.Send("gets a b\r\n");
    const auto values = ReadValues(c, true);
    if (values.size() != 2 || values[0].cas.empty() ||
        values[0].cas == values[1].cas) {
      throw Failure("gets: expected two items with distinct CAS uniques");
    }
  });
  add("delete", [](Connection& c) {
    Store(c, "set", "k", "v");
    ExpectEq("delete", Call(c, "delete k"), "DELETED");
    ExpectEq("delete again", Call(c, "delete k"), "NOT_FOUND");
    Store(c, "set", "k", "v");
    c.Send("delete k noreply\r\n");
    ExpectGet(c, "get k", {});
  });
  add("incr", [](Connection& c) {
    ExpectEq("incr missing", Call(c, "incr n 1"), "NOT_FOUND");
    Store(c, "set", "n", "10");
    ExpectEq("incr", Call(c, "incr n 5"), "15");
    c.Send("incr n 5 noreply\r\n");
    ExpectEq("incr after noreply", Call(c, "incr n 0"), "20");
    Store(c, "set", "n", "18446744073709551615");
    ExpectEq("incr wraps at 2^64", Call(c, "incr n 2"), "1");
    ExpectEq("invalid delta", Call(c, "incr n -1"),
             "CLIENT_ERROR invalid numeric delta argument");
    Store(c, "set", "n", "abc");
    ExpectEq("non-numeric", Call(c, "incr n 1"),
             "CLIENT_ERROR cannot increment or decrement non-numeric value");
  });
  add("decr", [](Connection& c) {
    ExpectEq("decr missing", Call(c, "decr n 1"), "NOT_FOUND");
    Store(c, "set", "n", "10");
    ExpectEq("decr", Call(c, "decr n 3"), "7");
    ExpectEq("decr floors at 0", Call(c, "decr n 100"), "0");
    c.Send("decr n 1 noreply\r\n");
    ExpectEq("decr after noreply", Call(c, "decr n 0"), "0");
  });
  add("touch", [](Connection& c) {
    ExpectEq("touch missing", Call(c, "touch k 100"), "NOT_FOUND");
    Store(c, "set", "k", "v", "0", "1");
    ExpectEq("touch", Call(c, "touch k 100"), "TOUCHED");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ExpectGet(c, "get k", {{"k", "0", "v", ""}});  // the new expiry holds
  });
  add("gat", [](Connection& c) {
    Store(c, "set", "k", "v", "9", "1");
    ExpectGet(c, "gat 100 k missing", {{"k", "9", "v", ""}});
    c.Send("gats 100 k\r\n");
    if (ReadValues(c, true).at(0).cas.empty()) throw Failure("gats: no CAS");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ExpectGet(c, "get k", {{"k", "9", "v", ""}});
  });
  add("multi-get", [](Connection& c) {
    Store(c, "set", "k1", "a");
    Store(c, "set", "k3", "c", "3");
    Store(c, "set", "k5", "e");
    ExpectGet(c, "get k1 k2 k3 k4 k5",
              {{"k1", "0", "a", ""}, {"k3", "3", "c", ""}, {"k5", "0", "e", ""}});
  });
  add("flags", [](Connection& c) {
    for (const std::string flags : {"0", "1", "65535", "4294967295"}) {
      Store(c, "set", "f", "v", flags);
      ExpectGet(c, "get f", {{"f", flags, "v", ""}});
    }
  });
  add("expiry negative", [](Connection& c) {
    ExpectEq("set", Store(c, "set", "k", "v", "0", "-1"), "STORED");
    ExpectGet(c, "get k", {});
  });
  add("expiry short", [](Connection& c) {
    Store(c, "set", "k", "v", "0", "1");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ExpectGet(c, "get k", {});
  });
  add("expiry absolute", [](Connection& c) {
    const long now = std::stol(ServerTime(c));
    Store(c, "set", "future", "v", "0", std::to_string(now + 1000));
    Store(c, "set", "past", "v", "0", std::to_string(now - 1000));
    ExpectGet(c, "get future past", {{"future", "0", "v", ""}});
  });
  add("large value", [](Connection& c) {
    const std::string fits((1 << 20) - 1024, 'x');
    ExpectEq("just under 1 MiB", Store(c, "set", "big", fits), "STORED");
    ExpectGet(c, "get big", {{"big", "0", fits, ""}});
    ExpectEq("over the limit",
             Store(c, "set", "big", std::string((1 << 20) + 1, 'y')),
             "SERVER_ERROR object too large for cache");
    ExpectGet(c, "get big", {});  // a failed set drops the old value
  });
  add("key length", [](Connection& c) {
    const std::string k250(250, 'k');
    ExpectEq("250-byte key", Store(c, "set", k250, "v"), "STORED");
    ExpectGet(c, "get " + k250, {{k250, "0", "v", ""}});
    ExpectEq("251-byte key", Store(c, "set", k250 + "k", "v"),
             "CLIENT_ERROR bad command line format");
    ExpectEq("its data line", c.ReadLine(), "ERROR");
    ExpectEq("get with 251-byte key", Call(c, "get " + k250 + "k"),
             "CLIENT_ERROR bad command line format");
  });
  add("pipeline", [](Connection& c) {
    std::string batch;
    for (int i = 0; i < 100; ++i) {
      const std::string v = std::to_string(i);
      batch += "set p" + v + " 0 0 " + std::to_string(v.size()) + "\r\n" + v +
               "\r\nget p" + v + "\r\n";
    }
    c.Send(batch);
    for (int i = 0; i < 100; ++i) {
      ExpectEq("pipelined set", c.ReadLine(), "STORED");
      const auto values = ReadValues(c, false);
      if (values.size() != 1 || values[0].data != std::to_string(i)) {
        throw Failure("pipelined get " + std::to_string(i) + " out of order");
      }
    }
  });
  add("split packets", [](Connection& c) {
    const std::string value = "hello\r\nyou";  // data may hold CRLF
    c.SendSplit("set split 0 0 " + std::to_string(value.size()) + "\r\n" +
                    value + "\r\n",
                1);
    ExpectEq("set sent a byte at a time", c.ReadLine(), "STORED");
    c.SendSplit("get split\r\n", 3);
    const auto values = ReadValues(c, false);
    if (values.size() != 1) throw Failure("split get: no item");
    ExpectEq("split get", values[0].data, value);
  });
  add("unknown command", [](Connection& c) {
    ExpectEq("bogus", Call(c, "bogus"), "ERROR");
    ExpectEq("still serving", Call(c, "verbosity 0"), "OK");
  });
  add("bad data chunk", [](Connection& c) {
    c.Send("set k 0 0 5\r\nhelloXX\r\n");
    ExpectEq("data longer than announced", c.ReadLine(),
             "CLIENT_ERROR bad data chunk");
    ExpectEq("the rest as a command", c.ReadLine(), "ERROR");
    ExpectEq("bad number", Store(c, "set", "k", "v", "x"),
             "CLIENT_ERROR bad command line format");
    ExpectEq("its data line", c.ReadLine(), "ERROR");
  });
  add("client errors", [](Connection& c) {
    ExpectEq("touch bad exptime", Call(c, "touch k abc"),
             "CLIENT_ERROR invalid exptime argument");
    ExpectEq("gat bad exptime", Call(c, "gat abc k"),
             "CLIENT_ERROR invalid exptime argument");
    ExpectEq("flush_all bad delay", Call(c, "flush_all abc"),
             "CLIENT_ERROR invalid exptime argument");
    ExpectEq("delete with a hold time", Call(c, "delete k 5"),
             "CLIENT_ERROR bad command line format.  Usage: delete <key> "
             "[noreply]");
    ExpectEq("verbosity without a number", Call(c, "verbosity abc"),
             "CLIENT_ERROR bad command line format");
    ExpectEq("negative length", Call(c, "set k 0 0 -1"),
             "CLIENT_ERROR bad command line format");
    ExpectEq("too few arguments", Call(c, "set k 0 0"), "ERROR");
    ExpectEq("still serving", Call(c, "verbosity 0"), "OK");
  });
  add("flush_all", [](Connection& c) {
    Store(c, "set", "k", "v");
    ExpectEq("flush_all", Call(c, "flush_all"), "OK");
    ExpectGet(c, "get k", {});
    Store(c, "set", "k", "v");
    c.Send("flush_all noreply\r\n");
    ExpectGet(c, "get k", {});
    ExpectEq("flush_all 0", Call(c, "flush_all 0"), "OK");
  });
  add("stats", [](Connection& c) {
    c.Send("stats\r\n");
    std::string names;
    for (std::string line; (line = c.ReadLine()) != "END";) {
      if (line.rfind("STAT ", 0) != 0) throw Failure("stats: \"" + line + "\"");
      names += " " + line.substr(5, line.find(' ', 5) - 5) + " ";
    }
    for (const char* name : {"pid", "uptime", "time", "version", "curr_items",
                             "total_items", "bytes", "curr_connections",
                             "total_connections", "cmd_get", "cmd_set",
                             "get_hits", "get_misses", "evictions",
                             "limit_maxbytes", "threads"}) {
      if (names.find(std::string(" ") + name + " ") == std::string::npos) {
        throw Failure(std::string("stats: no ") + name);
      }
    }
  });
  add("quit", [](Connection& c) {
    c.Send("quit\r\n");
    if (!c.Closed()) throw Failure("quit: the connection stayed open");
  });
  return t;
}

// ---- Binary helpers -------------------------------------------------------

enum : uint8_t {
  kGet = 0x00, kSet = 0x01, kAdd = 0x02, kReplace = 0x03, kDelete = 0x04,
  kIncr = 0x05, kDecr = 0x06, kQuit = 0x07, kFlush = 0x08, kGetQ = 0x09,
  kNoop = 0x0a, kVersion = 0x0b, kGetK = 0x0c, kGetKQ = 0x0d, kAppend = 0x0e,
  kPrepend = 0x0f, kStat = 0x10, kSetQ = 0x11, kAddQ = 0x12,
  kReplaceQ = 0x13, kDeleteQ = 0x14, kIncrQ = 0x15, kDecrQ = 0x16,
  kQuitQ = 0x17, kFlushQ = 0x18, kAppendQ = 0x19, kPrependQ = 0x1a,
  kTouch = 0x1c, kGat = 0x1d, kGatQ = 0x1e, kGatK = 0x23, kGatKQ = 0x24,
};

Packet Req(uint8_t op, std::string key = "", std::string extras = "",
           std::string value = "", uint64_t cas = 0) {
  Packet p;
  p.opcode = op;
  p.key = std::move(key);
  p.extras = std::move(extras);
  p.value = std::move(value);
  p.cas = cas;
  p.opaque = 0x01020304;
  return p;
}

Packet StoreReq(uint8_t op, std::string key, std::string value,
                uint32_t flags = 0, uint32_t exptime = 0, uint64_t cas = 0) {
  return Req(op, std::move(key), Be32(flags) + Be32(exptime), std::move(value),
             cas);
}

Packet ArithReq(uint8_t op, std::string key, uint64_t delta,
                uint64_t initial, uint32_t exptime) {
  return Req(op, std::move(key), Be64(delta) + Be64(initial) + Be32(exptime));
}

// Sends one request and reads its reply, checking opcode and opaque.
Packet Call(Connection& c, const Packet& request) {
  c.Send(EncodeRequest(request));
  Packet reply = ReadPacket(c);
  if (reply.opcode != request.opcode) {
    throw Failure("reply opcode " + std::to_string(reply.opcode) +
                  " to request opcode " + std::to_string(request.opcode));
  }
  if (reply.opaque != request.opaque) throw Failure("opaque not echoed");
  return reply;
}

void ExpectStatus(const Packet& reply, uint16_t status, const std::string& what) {
  if (reply.status != status) {
    throw Failure(what + ": expected status " + std::to_string(status) +
                  ", got " + std::to_string(reply.status) + " (" +
                  reply.value + ")");
  }
}

// After quiet requests: a NOOP's reply must be the next packet.
void ExpectOnlyNoop(Connection& c, const std::string& what) {
  const Packet reply = Call(c, Req(kNoop));
  ExpectStatus(reply, 0, what + ": nothing before NOOP's reply");
}

std::vector<Test> BinaryTests() {
  std::vector<Test> t;
  auto add = [&t](std::string name, std::function<void(Connection&)> body) {
    t.push_back({"binary " + name, 'b', [body](const Target& target) {
                   auto c = target.Connect();
                   ExpectStatus(Call(*c, Req(kFlush)), 0, "flush");
                   body(*c);
                 }});
  };
  add("noop", [](Connection& c) { ExpectStatus(Call(c, Req(kNoop)), 0, "noop"); });
  add("version", [](Connection& c) {
    const Packet r = Call(c, Req(kVersion));
    ExpectStatus(r, 0, "version");
    if (r.value.empty()) throw Failure("version: empty");
  });
  add("set", [](Connection& c) {
    const Packet stored = Call(c, StoreReq(kSet, "k", "hello", 5));
    ExpectStatus(stored, 0, "set");
    if (stored.cas == 0) throw Failure("set: no CAS in the reply");
    const Packet got = Call(c, Req(kGet, "k"));
    ExpectStatus(got, 0, "get");
    ExpectEq("get flags", got.extras, Be32(5));
    ExpectEq("get value", got.value, "hello");
    if (got.cas != stored.cas) throw Failure("get: CAS differs from set's");
  });
  add("get miss", [](Connection& c) {
    ExpectStatus(Call(c, Req(kGet, "nokey")), 1, "get miss");
    const Packet getk = Call(c, Req(kGetK, "nokey"));
    ExpectStatus(getk, 1, "getk miss");
    ExpectEq("getk miss key", getk.key, "nokey");
  });
  add("getk", [](Connection& c) {
    Call(c, StoreReq(kSet, "k", "v"));
    const Packet r = Call(c, Req(kGetK, "k"));
    ExpectStatus(r, 0, "getk");
    ExpectEq("getk key", r.key, "k");
    ExpectEq("getk value", r.value, "v");
  });
  add("getq", [](Connection& c) {
    c.Send(EncodeRequest(Req(kGetQ, "nokey")));
    ExpectOnlyNoop(c, "getq miss");
    Call(c, StoreReq(kSet, "k", "v"));
    ExpectEq("getq hit", Call(c, Req(kGetQ, "k")).value, "v");
  });
  add("getkq", [](Connection& c) {
    c.Send(EncodeRequest(Req(kGetKQ, "nokey")));
    ExpectOnlyNoop(c, "getkq miss");
    Call(c, StoreReq(kSet, "k", "v"));
    ExpectEq("getkq hit", Call(c, Req(kGetKQ, "k")).key, "k");
  });
  add("setq", [](Connection& c) {
    c.Send(EncodeRequest(StoreReq(kSetQ, "k", "quiet")));
    ExpectOnlyNoop(c, "setq");
    ExpectEq("after setq", Call(c, Req(kGet, "k")).value, "quiet");
  });
  add("add", [](Connection& c) {
    ExpectStatus(Call(c, StoreReq(kAdd, "k", "a")), 0, "add new");
    ExpectStatus(Call(c, StoreReq(kAdd, "k", "b")), 2, "add existing");
    c.Send(EncodeRequest(StoreReq(kAddQ, "k", "c")));
    ExpectStatus(ReadPacket(c), 2, "addq error is sent");
    ExpectEq("value kept", Call(c, Req(kGet, "k")).value, "a");
  });
  add("replace", [](Connection& c) {
    ExpectStatus(Call(c, StoreReq(kReplace, "k", "a")), 1, "replace missing");
    Call(c, StoreReq(kSet, "k", "a"));
    c.Send(EncodeRequest(StoreReq(kReplaceQ, "k", "b")));
    ExpectOnlyNoop(c, "replaceq");
    ExpectEq("replaced", Call(c, Req(kGet, "k")).value, "b");
  });
  add("append prepend", [](Connection& c) {
    ExpectStatus(Call(c, Req(kAppend, "k", "", "x")), 5, "append missing");
    ExpectStatus(Call(c, Req(kPrepend, "k", "", "x")), 5, "prepend missing");
    Call(c, StoreReq(kSet, "k", "mid", 3));
    ExpectStatus(Call(c, Req(kAppend, "k", "", ">")), 0, "append");
    ExpectStatus(Call(c, Req(kPrepend, "k", "", "<")), 0, "prepend");
    c.Send(EncodeRequest(Req(kAppendQ, "k", "", "!")));
    c.Send(EncodeRequest(Req(kPrependQ, "k", "", "!")));
    ExpectOnlyNoop(c, "appendq/prependq");
    const Packet r = Call(c, Req(kGet, "k"));
    ExpectEq("joined", r.value, "!<mid>!");
    ExpectEq("flags kept", r.extras, Be32(3));
  });
  add("delete", [](Connection& c) {
    Call(c, StoreReq(kSet, "k", "v"));
    ExpectStatus(Call(c, Req(kDelete, "k")), 0, "delete");
    ExpectStatus(Call(c, Req(kDelete, "k")), 1, "delete again");
    c.Send(EncodeRequest(Req(kDeleteQ, "k")));
    ExpectStatus(ReadPacket(c), 1, "deleteq miss is sent");
    Call(c, StoreReq(kSet, "k", "v"));
    c.Send(EncodeRequest(Req(kDeleteQ, "k")));
    ExpectOnlyNoop(c, "deleteq hit");
  });
  add("cas", [](Connection& c) {
    ExpectStatus(Call(c, StoreReq(kSet, "k", "v", 0, 0, 12345)), 1,
                 "cas on a missing key");
    const uint64_t cas = Call(c, StoreReq(kSet, "k", "v1")).cas;
    ExpectStatus(Call(c, StoreReq(kSet, "k", "v2", 0, 0, cas + 1)), 2,
                 "cas mismatch");
    ExpectStatus(Call(c, StoreReq(kSet, "k", "v2", 0, 0, cas)), 0, "cas match");
    ExpectStatus(Call(c, Req(kDelete, "k", "", "", cas)), 2,
                 "delete with a stale cas");
  });
  add("incr decr", [](Connection& c) {
    ExpectStatus(Call(c, ArithReq(kIncr, "n", 1, 0, 0xffffffff)), 1,
                 "incr without create");
    Packet r = Call(c, ArithReq(kIncr, "n", 5, 100, 0));
    ExpectEq("created with initial", Be64(FromBe(r.value)), Be64(100));
    r = Call(c, ArithReq(kIncr, "n", 5, 100, 0));
    ExpectEq("incremented", r.value, Be64(105));
    r = Call(c, ArithReq(kDecr, "n", 1000, 0, 0));
    ExpectEq("decr floors at 0", r.value, Be64(0));
    c.Send(EncodeRequest(ArithReq(kIncrQ, "n", 7, 0, 0)));
    c.Send(EncodeRequest(ArithReq(kDecrQ, "n", 2, 0, 0)));
    ExpectOnlyNoop(c, "incrq/decrq");
    // memcached keeps a counter's length and pads it with spaces.
    std::string value = Call(c, Req(kGet, "n")).value;
    value.erase(value.find_last_not_of(' ') + 1);
    ExpectEq("after quiet arithmetic", value, "5");
    Call(c, StoreReq(kSet, "s", "abc"));
    ExpectStatus(Call(c, ArithReq(kIncr, "s", 1, 0, 0)), 6, "non-numeric");
  });
  add("touch gat", [](Connection& c) {
    ExpectStatus(Call(c, Req(kTouch, "k", Be32(10))), 1, "touch missing");
    Call(c, StoreReq(kSet, "k", "v", 4));
    ExpectStatus(Call(c, Req(kTouch, "k", Be32(100))), 0, "touch");
    Packet r = Call(c, Req(kGat, "k", Be32(100)));
    ExpectEq("gat value", r.value, "v");
    ExpectEq("gat flags", r.extras, Be32(4));
    ExpectEq("gatk key", Call(c, Req(kGatK, "k", Be32(100))).key, "k");
    c.Send(EncodeRequest(Req(kGatQ, "nokey", Be32(10))));
    c.Send(EncodeRequest(Req(kGatKQ, "nokey", Be32(10))));
    ExpectOnlyNoop(c, "gatq/gatkq miss");
  });
  add("expiry", [](Connection& c) {
    Call(c, StoreReq(kSet, "k", "v", 0, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ExpectStatus(Call(c, Req(kGet, "k")), 1, "expired");
  });
  add("flush", [](Connection& c) {
    Call(c, StoreReq(kSet, "k", "v"));
    ExpectStatus(Call(c, Req(kFlush)), 0, "flush");
    ExpectStatus(Call(c, Req(kGet, "k")), 1, "flushed");
    c.Send(EncodeRequest(Req(kFlushQ)));
    ExpectOnlyNoop(c, "flushq");
  });
  add("stat", [](Connection& c) {
    c.Send(EncodeRequest(Req(kStat)));
    bool pid = false;
    for (;;) {
      const Packet r = ReadPacket(c);
      ExpectStatus(r, 0, "stat");
      if (r.key.empty()) break;  // the end packet
      pid |= r.key == "pid";
    }
    if (!pid) throw Failure("stat: no pid");
  });
  add("multi-get", [](Connection& c) {
    Call(c, StoreReq(kSet, "a", "1"));
    Call(c, StoreReq(kSet, "c", "3"));
    std::string batch;
    for (const char* k : {"a", "b", "c"}) batch += EncodeRequest(Req(kGetKQ, k));
    batch += EncodeRequest(Req(kNoop));
    c.Send(batch);
    std::string keys;
    for (Packet r; (r = ReadPacket(c)).opcode != kNoop;) keys += r.key;
    ExpectEq("hits before NOOP", keys, "ac");
  });
  add("large value", [](Connection& c) {
    const std::string fits((1 << 20) - 1024, 'x');
    ExpectStatus(Call(c, StoreReq(kSet, "big", fits)), 0, "just under 1 MiB");
    ExpectEq("read back", Call(c, Req(kGet, "big")).value, fits);
    ExpectStatus(Call(c, StoreReq(kSet, "big", std::string((1 << 20) + 1, 'y'))),
                 3, "over the limit");
    ExpectStatus(Call(c, Req(kNoop)), 0, "connection kept");
  });
  add("key length", [](Connection& c) {
    ExpectStatus(Call(c, Req(kGet, std::string(250, 'k'))), 1, "250-byte key");
    ExpectStatus(Call(c, Req(kGet, std::string(251, 'k'))), 4, "251-byte key");
    if (!c.Closed()) throw Failure("invalid arguments: the connection stayed open");
  });
  add("unknown opcode", [](Connection& c) {
    ExpectStatus(Call(c, Req(0x55)), 0x81, "unknown opcode");
    ExpectStatus(Call(c, Req(kNoop)), 0, "connection kept");
  });
  add("invalid arguments", [](Connection& c) {
    ExpectStatus(Call(c, Req(kGet, "k", "xxxx")), 4, "get with extras");
    if (!c.Closed()) throw Failure("the connection stayed open");
  });
  add("split packets", [](Connection& c) {
    c.SendSplit(EncodeRequest(StoreReq(kSet, "split", "value")), 1);
    ExpectStatus(ReadPacket(c), 0, "set sent a byte at a time");
    ExpectEq("read back", Call(c, Req(kGet, "split")).value, "value");
  });
  add("quit", [](Connection& c) {
    ExpectStatus(Call(c, Req(kQuit)), 0, "quit");
    if (!c.Closed()) throw Failure("quit: the connection stayed open");
  });
  add("quitq", [](Connection& c) {
    c.Send(EncodeRequest(Req(kQuitQ)));
    if (!c.Closed()) throw Failure("quitq: the connection stayed open");
  });
  return t;
}

int Main(int argc, char** argv) {
  Target target;
  char only = 0;
  std::string filter;
  bool verbose = false, list = false;
  int opt;
  while ((opt = getopt(argc, argv, "h:p:abcT:vl")) != -1) {
    switch (opt) {
      case 'h': target.host = optarg; break;
      case 'p': target.port = std::atoi(optarg); break;
      case 'a': case 'b': case 'c': only = static_cast<char>(opt); break;
      case 'T': filter = optarg; break;
      case 'v': verbose = true; break;
      case 'l': list = true; break;
      default:
        std::cerr << "usage: " << argv[0]
                  << " [-h HOST] [-p PORT] [-a|-b|-c] [-T NAME] [-v] [-l]\n";
        return 64;
    }
  }
  std::vector<Test> tests = AsciiTests();
  for (Test& t : BinaryTests()) tests.push_back(std::move(t));
  for (Test& t : CompactTests()) tests.push_back(std::move(t));
  auto selected = [&](const Test& t) {
    return filter.empty() || t.name.find(filter) != std::string::npos;
  };
  if (list) {
    for (const Test& t : tests) {
      if (selected(t)) std::cout << t.name << "\n";
    }
    return 0;
  }
  std::cerr << "tinkercapable: flushing every item on " << target.host << ":"
            << target.port << "\n";
  int passed = 0, failed = 0, skipped = 0;
  // memcached and other servers without the compact protocol skip its tests.
  const bool compact = (only == 0 || only == 'c') &&
                       SpeaksCompact(target.host, target.port);
  for (const Test& t : tests) {
    if (!selected(t)) continue;
    std::string outcome = "[pass]", why;
    if ((only != 0 && only != t.protocol) || (t.protocol == 'c' && !compact)) {
      outcome = "[skip]";
      ++skipped;
    } else {
      try {
        t.run(target);
        ++passed;
      } catch (const Failure& f) {
        outcome = "[fail]";
        why = f.what();
        ++failed;
      }
    }
    std::printf("%-40s%s\n", t.name.c_str(), outcome.c_str());
    if (verbose && !why.empty()) std::printf("    %s\n", why.c_str());
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tinkercapable

int main(int argc, char** argv) { return tinkercapable::Main(argc, argv); }
