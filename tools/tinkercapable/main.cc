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

namespace tinkercapable {
namespace {

struct Target {
  std::string host = "127.0.0.1";
  int port = 11211;
  std::unique_ptr<Connection> Connect() const {
    return std::make_unique<Connection>(host, port);
  }
};

struct Test {
  std::string name;
  char protocol;  // 'a', 'b' or 'c'
  std::function<void(const Target&)> run;
};

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
  for (const Test& t : tests) {
    if (!selected(t)) continue;
    std::string outcome = "[pass]", why;
    if (only != 0 && only != t.protocol) {
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
