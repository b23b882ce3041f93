#!/usr/bin/python3
"""Model check of tinkercache's compact protocol against ASCII and binary.

The same seeded random operation sequence runs through two fresh tinkercache
servers: one driven by the compact protocol, the other by ASCII (or by the
binary protocol). Each operation's outcome is mapped to a protocol-neutral
answer (stored / not stored / exists / not found / hit with value and flags /
number / error class) and the two answers must be equal. CAS uniques differ
between servers; they must correspond one to one (a compact unique always
stands for the same reference unique: ids in order of first appearance,
kept robust when only one side shows a unique). After every write batch the
items of the keys it touched are read on both servers and must agree (a key
that differs is reported once, then deleted on both so one divergence does
not cascade), and at the end every key the sequence touched is read through
both protocols on both servers.

The compact side is written from spec/compact.md and spec/compact_opcodes.tsv
only (compact_wire.py), and also exercises the protocol's own features:
many requests pipelined in one write, registers kept across GOs and writes
(only what changes is sent), QUIET pipelines, unknown-but-skippable opcodes
(checked against the SKIPPED field), OPAQUE echo, big quiet multi-gets whose
reply passes 256 KiB, and writes split at random byte positions.

    tools/difftest/compact_model.py --seeds 20 --ops 3000
    tools/difftest/compact_model.py --seed 7 --ref ascii --ops 500 -v
    tools/difftest/compact_model.py --seeds 20 --item-size 16k --no-big
    tools/difftest/compact_model.py --probes      # spec ambiguity probes

Compact-only checks (no reference has them) count as mismatches too: OPAQUE
echo, SKIPPED counts, KEY/CAS presence under WANT_KEY/WANT_CAS, VALUE8 for
values up to 255 bytes, FLAGS absent when 0, the documented field order.

Debugging: COMPACT_MODEL_TRACE=FILE writes every batch (disassembled), every
GO's reply and every op's two answers; COMPACT_MODEL_RECORD=PREFIX writes the
compact bytes sent on each connection (PREFIX.N, and PREFIX.N.split with the
write boundaries) for replaying against a fresh server.

Exit status 0 when every sequence matched, 1 otherwise.
"""

import argparse
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compact_gen  # noqa: E402
from compact_wire import (ACTION, CONTROL, FLAG, REGISTER, STATUS,  # noqa: E402
                          FramingError, ReplyDecoder, disassemble, encode,
                          short_bytes,
                          short_hex, unknown_opcode)

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
DEFAULT_BIN = os.environ.get("TINKERCACHE_BIN") or os.path.join(
    ROOT, "build", "bin", "tinkercache")
IO_TIMEOUT = 5.0
MAX_CONN_ERRORS = 6
TRACE = os.environ.get("COMPACT_MODEL_TRACE")
RECORD = os.environ.get("COMPACT_MODEL_RECORD")

# ---------------------------------------------------------------------------
# Servers


class Server:
    """A fresh tinkercache on free loopback ports (shared + compact-only)."""

    def __init__(self, binary, limit, extra=()):
        self.dir = tempfile.TemporaryDirectory(prefix="compact-model-")
        port_file = os.path.join(self.dir.name, "port")
        self.log_path = os.path.join(self.dir.name, "log")
        args = [binary, "-l", "127.0.0.1", "-p", "0", "--port-file", port_file,
                "--compact-port", "0", "-t", "2", "-m", "2048",
                "-I", str(limit), *extra]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=log,
                                         stderr=subprocess.STDOUT)
        end = time.monotonic() + 10
        while True:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    ports = f.read().split()
                if len(ports) >= 2:
                    break
            if self.proc.poll() is not None or time.monotonic() > end:
                self.proc.kill()
                with open(self.log_path, errors="replace") as log:
                    raise RuntimeError(f"server did not start: {log.read()}")
            time.sleep(0.01)
        self.port = int(ports[0])
        self.compact_port = int(ports[1])

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("latin-1")
        except OSError:
            return ""

    def stop(self):
        self.last_log = self.log_tail()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()
        return self.proc.returncode


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class ConnectionLost(Exception):
    pass


def unsolicited(sock, buffered=b""):
    """Bytes the server sent that no request asked for (yet)."""
    extra = bytes(buffered)
    while select.select([sock], [], [], 0)[0]:
        got = sock.recv(1 << 20)
        if not got:
            break
        extra += got
    return extra


# ---------------------------------------------------------------------------
# Neutral answers

def quietize(op, ans):
    """What a QUIET compact request answers, given the full answer: nothing
    on success (and on a get/gat miss), errors and hits as they are."""
    if op["kind"] in ("noop", "version", "mget"):
        return ans
    if ans[0] in ("stored", "ok", "number", "miss"):
        return ("quiet",)
    return ans


def cas_capable(ref, ans_kind):
    """Whether the reference protocol reports a CAS in this kind of answer."""
    if ans_kind in ("hit", "mget"):
        return True
    return ref == "binary" and ans_kind in ("stored", "number")


def normalize(ans, op, ref):
    """(the answer with each comparable CAS unique replaced by the marker
    "cas", the CAS uniques in order). CAS uniques differ between servers;
    they are compared by pairing (CasPairing)."""
    if ans is None:
        return None, []
    keep = op.get("want_cas") and cas_capable(ref, ans[0])
    cas = []

    def mark(c):
        if not keep or c is None:
            return None
        cas.append(c)
        return "cas"

    k = ans[0]
    if k == "hit":
        return ("hit", ans[1], ans[2], mark(ans[3])), cas
    if k == "stored":
        return ("stored", mark(ans[1])), cas
    if k == "number":
        return ("number", ans[1], mark(ans[2])), cas
    if k == "mget":
        return ("mget", tuple((key, v, f, mark(c))
                              for key, v, f, c in ans[1])), cas
    return ans, cas


class CasPairing:
    """CAS uniques of the two servers must correspond one to one: the same
    item version shows the same unique wherever it is seen."""

    def __init__(self):
        self.c2r = {}
        self.r2c = {}
        self.where = {}

    def check(self, ccas, rcas, i):
        for c, r in zip(ccas, rcas):
            if c in self.c2r and self.c2r[c] != r:
                return (f"compact CAS {c} stood for reference CAS "
                        f"{self.c2r[c]} at op {self.where[c]}, here for {r}")
            if r in self.r2c and self.r2c[r] != c:
                return (f"reference CAS {r} stood for compact CAS "
                        f"{self.r2c[r]} at op {self.where[r]}, here for {c}")
            self.c2r[c] = r
            self.r2c[r] = c
            self.where.setdefault(c, i)
            self.where.setdefault(r, i)
        return None


def show(ans):
    if ans is None:
        return "None"
    parts = []
    for x in ans:
        if isinstance(x, (bytes, bytearray)):
            parts.append(short_bytes(x, 48))
        elif isinstance(x, tuple):
            parts.append("[" + ", ".join(
                show(e) if isinstance(e, tuple) else str(e) for e in x) + "]")
        else:
            parts.append(str(x))
    return "(" + ", ".join(parts) + ")"


def show_op(op):
    out = []
    for k, v in op.items():
        if isinstance(v, (bytes, bytearray)):
            v = short_bytes(v, 40)
        elif isinstance(v, list):
            v = "[" + ", ".join(short_bytes(x, 20) for x in v) + "]"
        out.append(f"{k}={v}")
    return " ".join(out)


# ---------------------------------------------------------------------------
# The compact client: encoder with a mirror of the connection's registers

ACTION_OF = {"set": "SET", "add": "ADD", "replace": "REPLACE",
             "append": "APPEND", "prepend": "PREPEND", "cas": "CAS",
             "get": "GET", "gat": "GAT", "touch": "TOUCH",
             "delete": "DELETE", "incr": "INCR", "decr": "DECR",
             "flush": "FLUSH", "noop": "NOOP", "version": "VERSION",
             "verbosity": "VERBOSITY"}
STORES = ("set", "add", "replace", "append", "prepend", "cas")
KEYED = STORES + ("get", "gat", "touch", "delete", "incr", "decr")


class Go:
    """One GO in a batch and what its reply must look like."""
    __slots__ = ("op", "kind", "okind", "quiet", "opaque", "key",
                 "want_key", "want_cas", "skips", "reply")

    def __init__(self, op, kind, okind, quiet, opaque, key, want_key,
                 want_cas, skips):
        self.op, self.kind, self.okind, self.quiet = op, kind, okind, quiet
        self.opaque, self.key, self.want_key = opaque, key, want_key
        self.want_cas, self.skips = want_cas, skips
        self.reply = None


class CompactClient:
    def __init__(self, server, rng, limit, dedicated=False):
        self.server = server
        self.rng = rng
        self.limit = limit
        self.dedicated = dedicated
        self.tag = rng.getrandbits(32)
        self.sock = None
        self.connect()

    def connect(self):
        if self.sock is not None:
            self.sock.close()
        port = self.server.compact_port if self.dedicated else self.server.port
        self.sock = connect(port)
        self.dec = ReplyDecoder()
        self.regs = {}
        self.flags = set()
        self.action = None
        self.fresh = True
        self.unknown = 0
        self.conn_no = getattr(self, "conn_no", -1) + 1

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    # --- encoding ------------------------------------------------------

    def fresh_tag(self):
        self.tag = (self.tag + 0x9E3779B1) & 0xFFFFFFFF
        return self.tag

    def reg(self, name, value, pieces):
        """Emits a register opcode (choosing among its sizes) and mirrors
        what the spec says the register then holds."""
        rng = self.rng
        if name == "KEY":
            pieces.append(encode(REGISTER["KEY"], value))
            # 0 or more than 250 bytes: the register is unset (3.3).
            self.regs["KEY"] = value if 1 <= len(value) <= 250 else None
        elif name == "VALUE":
            if len(value) <= 255 and rng.random() < 0.6:
                pieces.append(encode(REGISTER["VALUE8"], value))
            else:
                pieces.append(encode(REGISTER["VALUE"], value))
            # Longer than the limit: skipped, the register unset (3.3).
            self.regs["VALUE"] = value if len(value) <= self.limit else None
        elif name == "DELTA":
            forms = ["DELTA64"]
            if value < 1 << 32:
                forms.append("DELTA32")
            if value < 256:
                forms.append("DELTA8")
            pieces.append(encode(REGISTER[rng.choice(forms)], value))
            self.regs["DELTA"] = value
        elif name == "CAS":
            pieces.append(encode(REGISTER["UNIQUE"], value))
            self.regs["CAS"] = value
        else:   # FLAGS EXPTIME OPAQUE INITIAL
            pieces.append(encode(REGISTER[name], value))
            self.regs[name] = value
        for n in list(self.regs):
            if self.regs[n] is None:
                del self.regs[n]

    def clear(self, pieces):
        pieces.append(encode(CONTROL["CLEAR"]))
        self.regs = {}
        self.flags = set()
        self.action = None

    def flag(self, name, pieces):
        if name not in self.flags:
            pieces.append(encode(FLAG[name]))
            self.flags.add(name)

    def select(self, action, pieces):
        if self.action != action or self.rng.random() < 0.05:
            pieces.append(encode(ACTION[action]))
            self.action = action

    def set_if(self, name, value, pieces, default=None):
        """Sends a register only when its content would differ (a register
        unset reads as `default` where the spec gives one)."""
        cur = self.regs.get(name, default)
        if cur != value or (name not in self.regs and default is None) or \
                self.rng.random() < 0.04:
            self.reg(name, value, pieces)

    def assemble(self, head, pieces):
        """Shuffles the order-free opcodes, sprinkles unknown ones, and
        counts the unknowns for the next GO's SKIPPED."""
        rng = self.rng
        rng.shuffle(pieces)
        out = list(head)
        if getattr(self, "lead_noparam", False):
            self.lead_noparam = False
            for j, p in enumerate(pieces):
                if p[0] < 0x20 and p[0] not in (0x09, 0x0A, 0x0D):
                    out.append(pieces.pop(j))
                    break
            else:
                raise AssertionError("no opcode can open a shared-port "
                                     "connection")
        for p in pieces:
            if rng.random() < 0.03 and self.batch_unknown < 100:
                out.append(unknown_opcode(rng))
                self.unknown += 1
                self.batch_unknown += 1
            out.append(p)
        if rng.random() < 0.03 and self.batch_unknown < 100:
            out.append(unknown_opcode(rng))
            self.unknown += 1
            self.batch_unknown += 1
        return out

    def go(self, out, gos, op, kind, okind, quiet, key=None):
        out.append(encode(CONTROL["GO"]))
        gos.append(Go(op, kind, okind, quiet, self.regs.get("OPAQUE"), key,
                      "WANT_KEY" in self.flags, "WANT_CAS" in self.flags,
                      self.unknown))
        self.unknown = 0

    def encode_op(self, i, op, cas_value, gos):
        rng = self.rng
        k = op["kind"]
        head = []
        if self.fresh:
            # A connection must start with a no-parameter opcode other than
            # tab/LF/CR (section 6), on either port: CLEAR, or the action
            # (assemble puts it first).
            if rng.random() < 0.5:
                self.clear(head)
            else:
                self.lead_noparam = True
            self.fresh = False
        if k == "mget":
            return self.encode_mget(i, op, head, gos)
        quiet = op.get("quiet", False)
        uses_cas = k == "cas" or (k in ("set", "delete") and
                                  op.get("cas_ref") is not None)
        need_clear = rng.random() < 0.02
        if "CAS" in self.regs and not uses_cas:
            need_clear = True    # the spec is silent on CAS for most actions
        if k in ("incr", "decr") and op.get("initial") is None and \
                "INITIAL" in self.regs:
            need_clear = True
        if "QUIET" in self.flags and not quiet:
            need_clear = True
        if need_clear:
            self.clear(head)
        pieces = []
        self.select(ACTION_OF[k], pieces)
        if k in KEYED:
            if op.get("bad_key") or self.regs.get("KEY") != op["key"] or \
                    rng.random() < 0.03:
                self.reg("KEY", op["key"], pieces)
        if k in STORES:
            if self.regs.get("VALUE") != op["value"] or rng.random() < 0.03:
                self.reg("VALUE", op["value"], pieces)
            if k not in ("append", "prepend"):
                self.set_if("FLAGS", op["flags"], pieces, default=0)
                self.set_if("EXPTIME", op["ttl"], pieces, default=0)
        if uses_cas:
            self.set_if("CAS", cas_value, pieces)
        if k in ("gat", "touch"):
            self.set_if("EXPTIME", op["ttl"], pieces)
        if k in ("incr", "decr"):
            self.set_if("DELTA", op["delta"], pieces)
            if op.get("initial") is not None:
                self.set_if("INITIAL", op["initial"], pieces)
                self.set_if("EXPTIME", op["ttl"], pieces, default=0)
                self.set_if("FLAGS", 0, pieces, default=0)
        if k == "flush":
            self.set_if("EXPTIME", op["delay"], pieces, default=0)
        if k == "verbosity":
            self.set_if("DELTA", op["level"], pieces, default=0)
        if op.get("want_cas"):
            self.flag("WANT_CAS", pieces)
        if quiet:
            self.flag("QUIET", pieces)
            # Quiet replies are told apart by a fresh OPAQUE.
            self.reg("OPAQUE", self.fresh_tag(), pieces)
        elif rng.random() < 0.1:
            self.reg("OPAQUE", self.fresh_tag(), pieces)
        out = self.assemble(head, pieces)
        self.go(out, gos, i, "op", k, quiet and k != "noop",
                op.get("key") if k in KEYED else None)
        return b"".join(out)

    def encode_mget(self, i, op, head, gos):
        """Quiet multi-get: GET QUIET WANT_KEY, KEY k GO per key, NOOP GO."""
        if "CAS" in self.regs:
            self.clear(head)
        pieces = []
        self.select("GET", pieces)
        self.flag("QUIET", pieces)
        self.flag("WANT_KEY", pieces)
        if op.get("want_cas"):
            self.flag("WANT_CAS", pieces)
        self.reg("OPAQUE", self.fresh_tag(), pieces)
        out = self.assemble(head, pieces)
        for key in op["keys"]:
            if self.regs.get("KEY") != key:
                one = []
                self.reg("KEY", key, one)
                out += self.assemble([], one)
            self.go(out, gos, i, "mget_get", "get", True, key)
        tail = []
        self.select("NOOP", tail)
        out += self.assemble([], tail)
        self.go(out, gos, i, "mget_noop", "noop", False)
        return b"".join(out)

    def terminate(self, gos):
        """A NOOP GO ends a batch whose last GO is quiet."""
        out = []
        self.action = "NOOP"
        out.append(encode(ACTION["NOOP"]))
        # A fresh OPAQUE, or the last quiet GO would claim NOOP's reply.
        self.reg("OPAQUE", self.fresh_tag(), out)
        self.go(out, gos, None, "term", "noop", False)
        return b"".join(out)

    # --- I/O -----------------------------------------------------------

    def run_batch(self, items, cas_of):
        """items: [(index, op)]. Returns ({index: (answer, reply_desc)},
        {index: request bytes}, [(index, check failure)], error or None)."""
        gos = []
        segs = {}
        self.batch_unknown = 0
        early = None
        extra = unsolicited(self.sock, self.dec.buf[self.dec.start:])
        if extra:
            early = (f"before this batch, {len(extra)} bytes arrived that no "
                     f"request asked for: {short_hex(extra, 80)}")
            self.connect()
        for i, op in items:
            mirror = dict(self.regs), set(self.flags), self.action
            cas_value = None
            ref = op.get("cas_ref")
            if ref is not None:
                cas_value = cas_of(ref)
            segs[i] = (self.encode_op(i, op, cas_value, gos), mirror)
        data = b"".join(s for s, _ in segs.values())
        if gos[-1].quiet:
            data += self.terminate(gos)
        if RECORD:
            with open(f"{RECORD}.{self.conn_no}", "ab") as f:
                f.write(data)
        error = None
        try:
            self.exchange(data, gos)
        except (ConnectionLost, FramingError, OSError) as e:
            error = f"{type(e).__name__}: {e}"
        if TRACE:
            with open(TRACE, "a") as f:
                f.write(f"batch {items[0][0]}..{items[-1][0]} "
                        f"error={error}\n  {disassemble(data, 16)}\n")
                for g in gos:
                    f.write(f"  GO op={g.op} {g.kind} {g.okind} quiet="
                            f"{g.quiet} opaque={g.opaque} skips={g.skips} -> "
                            f"{g.reply[0].describe(16) if g.reply else None}"
                            f"\n")
        answers, checks = self.collect(items, gos)
        if early:
            error = early + (f"; then {error}" if error else "")
        if error:
            self.connect()
        elif self.rng.random() < 0.01:
            self.connect()   # registers are per connection: start afresh
        return answers, segs, checks, error

    def exchange(self, data, gos):
        """Sends the batch (whole or split at random byte positions) while
        reading replies, and assigns each reply to its GO."""
        rng = self.rng
        pieces = [data]
        mode = rng.random()
        if mode < 0.25 and len(data) > 1:
            cuts = sorted(rng.sample(range(1, len(data)),
                                     min(len(data) - 1, rng.randint(1, 6))))
            pieces = [data[a:b] for a, b in
                      zip([0] + cuts, cuts + [len(data)])]
        elif mode < 0.28 and len(data) < 400:
            pieces = [data[j:j + 1] for j in range(len(data))]
        if RECORD:
            with open(f"{RECORD}.{self.conn_no}.split", "ab") as f:
                for p in pieces:
                    f.write(struct.pack(">I", len(p)) + p)
                f.write(struct.pack(">I", 0xFFFFFFFF))  # wait for replies
        sock = self.sock
        sock.setblocking(False)
        self.gi = 0
        self.acc = 0
        self.gos = gos
        piece = 0
        view = memoryview(pieces[0]) if pieces else memoryview(b"")
        last = time.monotonic()
        try:
            while self.gi < len(gos) and gos[-1].reply is None:
                sending = piece < len(pieces)
                r, w, _ = select.select([sock], [sock] if sending else [],
                                        [], 0.5)
                now = time.monotonic()
                if w:
                    try:
                        n = sock.send(view)
                    except BlockingIOError:
                        n = 0
                    if n:
                        last = now
                    view = view[n:]
                    if not len(view):
                        piece += 1
                        if piece < len(pieces):
                            view = memoryview(pieces[piece])
                            if len(pieces) < 50:
                                time.sleep(0.0003)
                if r:
                    got = sock.recv(1 << 20)
                    if not got:
                        raise ConnectionLost(
                            "the server closed the connection")
                    last = now
                    for reply in self.dec.feed(got):
                        self.assign(reply)
                if now - last > IO_TIMEOUT:
                    raise ConnectionLost(
                        f"no progress for {IO_TIMEOUT:.0f}s: sent "
                        f"{sum(len(p) for p in pieces[:piece])} of "
                        f"{len(data)} bytes, {self.gi} of {len(gos)} GOs "
                        f"answered")
        finally:
            sock.setblocking(True)

    def assign(self, reply):
        gos = self.gos
        while True:
            if self.gi >= len(gos):
                raise ConnectionLost(f"a reply to no request: "
                                     f"{reply.describe()}")
            g = gos[self.gi]
            self.acc += g.skips
            if not g.quiet or self.belongs(reply, g):
                break
            self.gi += 1     # a quiet GO that sent nothing
        g.reply = (reply, self.acc)
        self.acc = 0
        self.gi += 1

    @staticmethod
    def belongs(reply, g):
        if reply.get("OPAQUE") != g.opaque:
            return False
        if g.kind == "mget_get":
            # A hit carries its KEY; an error (none expected) would not.
            key = reply.get("KEY")
            return key == g.key or (key is None and reply.status != 0)
        return True

    def collect(self, items, gos):
        """Per op: the neutral answer, and the compact-only checks."""
        answers = {}
        checks = []
        by_op = {}
        for g in gos:
            by_op.setdefault(g.op, []).append(g)
        for g in gos:
            if g.reply is None:
                continue
            reply, skips = g.reply
            for c in reply_checks(g, reply, skips):
                checks.append((g.op, c))
        for i, op in items:
            mine = by_op.get(i, [])
            if op["kind"] == "mget":
                end = mine[-1]
                if end.reply is None:
                    answers[i] = (("no_reply",), "")
                    continue
                hits = []
                desc = []
                for g in mine[:-1]:
                    if g.reply is None:
                        continue
                    reply = g.reply[0]
                    desc.append(reply.describe())
                    ans = compact_answer({"kind": "get"}, reply)
                    if ans[0] == "hit":
                        hits.append((g.key, ans[1], ans[2], ans[3]))
                    else:
                        hits.append((g.key, show(ans), 0, None))
                if end.reply[0].status != 0:
                    hits.append((b"noop", show(compact_answer(
                        {"kind": "noop"}, end.reply[0])), 0, None))
                answers[i] = (("mget", tuple(hits)), " | ".join(desc))
                continue
            g = mine[0]
            done = g.reply is not None or (
                g.quiet and self.gi > gos.index(g))
            if not done:
                answers[i] = (("no_reply",), "")
            elif g.reply is None:
                answers[i] = (("quiet",), "")
            else:
                answers[i] = (compact_answer(op, g.reply[0]),
                              g.reply[0].describe())
        for g in gos:
            if g.kind == "term" and g.reply is not None and \
                    g.reply[0].status != 0:
                checks.append((items[-1][0], "the NOOP ending the batch "
                               f"answered {g.reply[0].describe()}"))
        return answers, checks


STATUS_ANSWER = {"NOT_FOUND": "not_found", "EXISTS": "exists",
                 "NOT_STORED": "not_stored", "TOO_LARGE": "too_large",
                 "NO_MEMORY": "no_memory", "NON_NUMERIC": "non_numeric",
                 "INVALID": "invalid"}


def compact_answer(op, reply):
    k = op["kind"]
    if reply.status != 0:
        name = STATUS.get(reply.status, f"status{reply.status}")
        if name == "NOT_FOUND" and k in ("get", "gat"):
            return ("miss",)
        if name in STATUS_ANSWER:
            return (STATUS_ANSWER[name],)
        return ("error", name, reply.get("MESSAGE"))
    cas = reply.get("CAS")
    if k in STORES:
        return ("stored", cas)
    if k in ("get", "gat"):
        value = reply.get("VALUE8")
        if value is None:
            value = reply.get("VALUE")
        return ("hit", value if value is not None else b"",
                reply.get("FLAGS", 0), cas)
    if k in ("incr", "decr"):
        return ("number", reply.get("NUMBER"), cas)
    if k == "version":
        return ("version", reply.get("VALUE8"))
    return ("ok",)


# Section 4: "KEY, FLAGS, CAS, VALUE or NUMBER (or the STAT_NAME/STAT_VALUE
# pairs), MESSAGE, OPAQUE, SKIPPED, then the end".
FIELD_ORDER = ["KEY", "FLAGS", "CAS", "VALUE8", "VALUE", "NUMBER", "MESSAGE",
               "OPAQUE", "SKIPPED"]


def reply_checks(g, reply, skips):
    """What the spec says about a reply beyond its neutral answer."""
    out = []
    names = reply.names()
    if reply.get("OPAQUE") != g.opaque:
        out.append(f"OPAQUE {reply.get('OPAQUE')} where the register holds "
                   f"{g.opaque}")
    got_skips = reply.get("SKIPPED", 0)
    if got_skips != min(skips, 255):
        out.append(f"SKIPPED {got_skips}, {skips} unknown opcodes were sent "
                   f"since the previous reply")
    known = [n for n in names if n in FIELD_ORDER]
    for a, b in zip(known, known[1:]):
        if FIELD_ORDER.index(a) > FIELD_ORDER.index(b):
            out.append(f"field {a} before {b}; section 4 orders {b} first")
            break
    for n in sorted(set(names)):
        if names.count(n) > 1:
            out.append(f"field {n} repeated")
        if n.startswith("?"):
            out.append(f"unknown reply field {n}")
    if g.okind == "noop" and reply.status != 0:
        out.append(f"NOOP answered {reply.describe()}")
    ok = reply.status == 0
    if ok and g.okind in ("get", "gat"):
        if "VALUE" in names and len(reply.get("VALUE")) <= 255:
            out.append(f"a {len(reply.get('VALUE'))}-byte value sent as "
                       f"VALUE, not VALUE8")
        if "VALUE8" in names and "VALUE" in names:
            out.append("both VALUE8 and VALUE")
        if "VALUE8" not in names and "VALUE" not in names:
            out.append("a hit without VALUE8 or VALUE")
        if "FLAGS" in names and reply.get("FLAGS") == 0:
            out.append("FLAGS 0 sent (absent means 0)")
        if g.want_key and reply.get("KEY") is None:
            out.append("a hit without KEY under WANT_KEY")
        if not g.want_key and reply.get("KEY") is not None:
            out.append("KEY sent without WANT_KEY")
        if reply.get("KEY") is not None and reply.get("KEY") != g.key:
            out.append(f"KEY {short_bytes(reply.get('KEY'))} for a request "
                       f"of {short_bytes(g.key)}")
    if ok and g.okind in ("get", "gat") + STORES + ("incr", "decr"):
        if g.want_cas and "CAS" not in names:
            out.append(f"a successful {g.okind} without CAS under WANT_CAS")
        if not g.want_cas and "CAS" in names:
            out.append("CAS sent without WANT_CAS")
    if ok and g.okind in ("incr", "decr") and "NUMBER" not in names:
        out.append("incr/decr success without NUMBER")
    if reply.status in (7, 9, 10) and "MESSAGE" not in names:
        out.append(f"{reply.status_name()} without a MESSAGE")
    return out


# ---------------------------------------------------------------------------
# The ASCII reference


class Client:
    """One connection to a reference server, reconnected after a fault."""

    def __init__(self, server):
        self.server = server
        self.connect()

    def connect(self):
        if getattr(self, "sock", None) is not None:
            self.sock.close()
        self.sock = connect(self.server.port)
        self.buf = bytearray()

    def check_unsolicited(self):
        """Before a request: nothing may have arrived unasked."""
        extra = unsolicited(self.sock, self.buf)
        if extra:
            raise ConnectionLost(f"{len(extra)} bytes arrived that no request "
                                 f"asked for: {extra[:80]!r}")


class AsciiClient(Client):
    def fill(self):
        got = self.sock.recv(1 << 20)
        if not got:
            raise ConnectionLost("ASCII connection closed")
        self.buf += got

    def line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return out
            self.fill()

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def cmd(self, data):
        self.sock.sendall(data)
        return self.line()

    def values(self):
        """VALUE lines up to END: [(key, value, flags, cas)]."""
        out = []
        while True:
            line = self.line()
            if line == b"END":
                return out
            if not line.startswith(b"VALUE "):
                raise ConnectionLost(f"unexpected {line!r} in a get reply")
            parts = line.split(b" ")
            if len(parts) == 5:
                key, flags, n, cas = (parts[1], int(parts[2]), int(parts[3]),
                                      int(parts[4]))
            else:
                key, flags, n, cas = parts[1], int(parts[2]), int(parts[3]), \
                    None
            value = self.exact(n)
            if self.exact(2) != b"\r\n":
                raise ConnectionLost("a value not ended by CRLF")
            out.append((key, value, flags, cas))

    @staticmethod
    def status(line):
        table = {b"STORED": ("stored", None), b"NOT_STORED": ("not_stored",),
                 b"EXISTS": ("exists",), b"NOT_FOUND": ("not_found",),
                 b"DELETED": ("ok",), b"TOUCHED": ("ok",), b"OK": ("ok",),
                 b"HD": ("ok",), b"NF": ("not_found",), b"EX": ("exists",),
                 b"MN": ("ok",)}
        if line in table:
            return table[line]
        if line == b"SERVER_ERROR object too large for cache":
            return ("too_large",)
        if line.startswith(b"SERVER_ERROR out of memory"):
            return ("no_memory",)
        if line == (b"CLIENT_ERROR cannot increment or decrement "
                    b"non-numeric value"):
            return ("non_numeric",)
        if line == b"CLIENT_ERROR bad command line format" or \
                line == b"ERROR":
            return ("invalid",)
        return ("error", line.decode("latin-1"))

    def throwaway(self, data):
        """A request that may confuse the stream (a bad key): on its own
        connection, first line of the answer only."""
        s = connect(self.server.port)
        try:
            s.sendall(data)
            buf = b""
            while b"\r\n" not in buf:
                got = s.recv(65536)
                if not got:
                    return ("invalid",) if not buf else self.status(buf)
                buf += got
            return self.status(buf.split(b"\r\n")[0])
        finally:
            s.close()

    def run(self, op, cas_of):
        self.check_unsolicited()
        k = op["kind"]
        key = op.get("key")
        if op.get("bad_key"):
            return self.throwaway(self.request(op, None))
        if k == "get" or k == "gat":
            self.sock.sendall(self.request(op, None))
            vals = self.values()
            if not vals:
                return ("miss",)
            (rkey, value, flags, cas), = vals
            if rkey != key:
                return ("error", f"VALUE for key {rkey!r}")
            return ("hit", value, flags, cas)
        if k == "mget":
            self.sock.sendall(self.request(op, None))
            return ("mget", tuple(self.values()))
        if k in ("incr", "decr"):
            line = self.cmd(self.request(op, None))
            if line.isdigit():
                return ("number", int(line), None)
            if line == b"NOT_FOUND" and op.get("initial") is not None:
                # Create with INITIAL as the binary protocol (and compact)
                # do: an add of the initial value with the requested expiry.
                v = b"%d" % op["initial"]
                line = self.cmd(b"add %s 0 %d %d\r\n%s\r\n" % (
                    key, op["ttl"], len(v), v))
                if line == b"STORED":
                    return ("number", op["initial"], None)
                return ("error", "initial add: " + line.decode("latin-1"))
            return self.status(line)
        if k == "version":
            line = self.cmd(b"version\r\n")
            if line.startswith(b"VERSION "):
                return ("version", line[8:])
            return self.status(line)
        line = self.cmd(self.request(op, cas_of))
        return self.status(line)

    @staticmethod
    def request(op, cas_of):
        k = op["kind"]
        key = op.get("key")
        if k in STORES:
            head = k if k != "set" or op.get("cas_ref") is None else "cas"
            v = op["value"]
            # An append or prepend keeps the item's flags; memcached still
            # counts the line's flags against the item size limit, compact
            # (which ignores FLAGS there) and binary (no flags) do not.
            flags = 0 if k in ("append", "prepend") else op.get("flags", 0)
            line = b"%s %s %d %d %d" % (head.encode(), key, flags,
                                        op.get("ttl", 0), len(v))
            if head == "cas":
                line += b" %d" % (cas_of(op["cas_ref"]) if cas_of else 0)
            return line + b"\r\n" + v + b"\r\n"
        if k == "get":
            return b"%s %s\r\n" % (b"gets" if op.get("want_cas") else b"get",
                                   key)
        if k == "gat":
            return b"%s %d %s\r\n" % (
                b"gats" if op.get("want_cas") else b"gat", op["ttl"], key)
        if k == "mget":
            return b"%s %s\r\n" % (b"gets" if op.get("want_cas") else b"get",
                                   b" ".join(op["keys"]))
        if k == "touch":
            return b"touch %s %d\r\n" % (key, op["ttl"])
        if k == "delete":
            if op.get("cas_ref") is not None and cas_of:
                return b"md %s C%d\r\n" % (key,
                                             cas_of(op["cas_ref"]))
            return b"delete %s\r\n" % key
        if k in ("incr", "decr"):
            return b"%s %s %d\r\n" % (k.encode(), key, op["delta"])
        if k == "flush":
            return b"flush_all %d\r\n" % op["delay"] if op["delay"] else \
                b"flush_all\r\n"
        if k == "noop":
            return b"mn\r\n"
        if k == "verbosity":
            return b"verbosity %d\r\n" % op["level"]
        raise ValueError(k)

    def delete(self, key):
        self.cmd(b"delete %s\r\n" % key)

    def read_state(self, keys):
        """{key: (value, flags, cas)} of the keys that hold an item."""
        out = {}
        for key in keys:
            self.sock.sendall(b"gets %s\r\n" % key)
            for rkey, value, flags, cas in self.values():
                out[rkey] = (value, flags, cas)
        return out

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


# ---------------------------------------------------------------------------
# The binary reference

BIN_HEADER = struct.Struct(">BBHBBHIIQ")
BIN = {"get": 0x00, "set": 0x01, "add": 0x02, "replace": 0x03,
       "delete": 0x04, "incr": 0x05, "decr": 0x06, "flush": 0x08,
       "getq": 0x09, "noop": 0x0A, "version": 0x0B, "getk": 0x0C,
       "getkq": 0x0D, "append": 0x0E, "prepend": 0x0F, "setq": 0x11,
       "addq": 0x12, "replaceq": 0x13, "deleteq": 0x14, "incrq": 0x15,
       "decrq": 0x16, "flushq": 0x18, "appendq": 0x19, "prependq": 0x1A,
       "verbosity": 0x1B, "touch": 0x1C, "gat": 0x1D, "gatq": 0x1E}
BIN_STATUS = {0x01: ("not_found",), 0x02: ("exists",), 0x03: ("too_large",),
              0x04: ("invalid",), 0x05: ("not_stored",),
              0x06: ("non_numeric",), 0x82: ("no_memory",)}


def bin_ttl(ttl):
    """The binary protocol's expiration is unsigned: a negative TTL there is
    a time in 2106, not "already expired" as compact and ASCII read it.
    The model sends an absolute time in the past instead (2592001)."""
    return 2592001 if ttl < 0 else ttl


class BinaryClient(Client):
    def exact(self, n):
        while len(self.buf) < n:
            got = self.sock.recv(1 << 20)
            if not got:
                raise ConnectionLost("binary connection closed")
            self.buf += got
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def packet(self):
        h = BIN_HEADER.unpack(self.exact(24))
        magic, opcode, keylen, extlen, _dt, status, bodylen, opaque, cas = h
        if magic != 0x81 or keylen + extlen > bodylen:
            raise ConnectionLost(f"not a binary response header: {h}")
        body = self.exact(bodylen)
        return {"opcode": opcode, "status": status, "cas": cas,
                "opaque": opaque, "extras": body[:extlen],
                "key": body[extlen:extlen + keylen],
                "value": body[extlen + keylen:]}

    @staticmethod
    def req(opcode, key=b"", extras=b"", value=b"", cas=0, opaque=0):
        body = extras + key + value
        return BIN_HEADER.pack(0x80, opcode, len(key), len(extras), 0, 0,
                               len(body), opaque, cas) + body

    def request(self, op, cas_of):
        """(packet bytes, quiet opcode used)."""
        k = op["kind"]
        key = op.get("key", b"")
        quiet = op.get("quiet", False)
        q = "q" if quiet else ""
        if k in STORES:
            name = "set" if k == "cas" else k
            extras = b""
            if name in ("set", "add", "replace"):
                extras = struct.pack(">II", op["flags"], bin_ttl(op["ttl"]))
            cas = cas_of(op["cas_ref"]) if op.get("cas_ref") is not None \
                else 0
            return self.req(BIN[name + q], key, extras, op["value"], cas), \
                quiet
        if k == "get":
            return self.req(BIN["getq" if quiet else "get"], key), quiet
        if k == "gat":
            return self.req(BIN["gatq" if quiet else "gat"], key,
                            struct.pack(">I", bin_ttl(op["ttl"]))), quiet
        if k == "touch":
            return self.req(BIN["touch"], key,
                            struct.pack(">I", bin_ttl(op["ttl"]))), False
        if k == "delete":
            cas = cas_of(op["cas_ref"]) if op.get("cas_ref") is not None \
                else 0
            return self.req(BIN["delete" + q], key, cas=cas), quiet
        if k in ("incr", "decr"):
            if op.get("initial") is None:
                extras = struct.pack(">QQI", op["delta"], 0, 0xFFFFFFFF)
            else:
                extras = struct.pack(">QQI", op["delta"], op["initial"],
                                     bin_ttl(op["ttl"]))
            return self.req(BIN[k + q], key, extras), quiet
        if k == "flush":
            extras = struct.pack(">I", op["delay"]) if op["delay"] else b""
            return self.req(BIN["flush" + q], extras=extras), quiet
        if k == "noop":
            return self.req(BIN["noop"]), False
        if k == "version":
            return self.req(BIN["version"]), False
        if k == "verbosity":
            return self.req(BIN["verbosity"],
                            extras=struct.pack(">I", op["level"])), False
        raise ValueError(k)

    def answer(self, op, p):
        k = op["kind"]
        if p is None:
            return ("quiet",)
        st = p["status"]
        if st != 0:
            if st == 1 and k in ("get", "gat"):
                return ("miss",)
            # memcached's binary protocol reports a failed add as EXISTS and
            # a failed replace as NOT_FOUND: both are "not stored".
            if (st == 2 and k == "add") or (st == 1 and k == "replace" and
                                            op.get("cas_ref") is None):
                return ("not_stored",)
            return BIN_STATUS.get(st, ("error", f"binary status {st:#x}"))
        if k in STORES:
            return ("stored", p["cas"])
        if k in ("get", "gat"):
            flags = struct.unpack(">I", p["extras"])[0] if p["extras"] else 0
            return ("hit", p["value"], flags, p["cas"])
        if k in ("incr", "decr"):
            return ("number", struct.unpack(">Q", p["value"])[0], p["cas"])
        if k == "version":
            return ("version", p["value"])
        return ("ok",)

    def throwaway(self, data):
        s = connect(self.server.port)
        try:
            s.sendall(data)
            buf = b""
            while len(buf) < 24:
                got = s.recv(65536)
                if not got:
                    return ("invalid",)
                buf += got
            st = BIN_HEADER.unpack(buf[:24])[5]
            return BIN_STATUS.get(st, ("error", f"binary status {st:#x}")) \
                if st else ("error", "success for a bad key")
        finally:
            s.close()

    def run(self, op, cas_of):
        self.check_unsolicited()
        k = op["kind"]
        if op.get("bad_key"):
            data, _ = self.request(dict(op, quiet=False), cas_of)
            return self.throwaway(data)
        if k == "mget":
            data = b"".join(self.req(BIN["getkq"], key, opaque=j)
                            for j, key in enumerate(op["keys"]))
            self.sock.sendall(data + self.req(BIN["noop"]))
            hits = []
            while True:
                p = self.packet()
                if p["opcode"] == BIN["noop"]:
                    return ("mget", tuple(hits))
                if p["status"] == 0:
                    flags = struct.unpack(">I", p["extras"])[0]
                    hits.append((p["key"], p["value"], flags, p["cas"]))
                else:
                    hits.append((p["key"], show(BIN_STATUS.get(
                        p["status"], ("error", p["status"]))), 0, None))
        data, quiet = self.request(op, cas_of)
        if quiet:
            self.sock.sendall(data + self.req(BIN["noop"]))
            got = None
            while True:
                p = self.packet()
                if p["opcode"] == BIN["noop"]:
                    break
                got = p
            return self.answer(op, got)
        self.sock.sendall(data)
        return self.answer(op, self.packet())

    def delete(self, key):
        self.sock.sendall(self.req(BIN["delete"], key))
        self.packet()

    def read_state(self, keys):
        out = {}
        for key in keys:
            self.sock.sendall(self.req(BIN["get"], key))
            p = self.packet()
            if p["status"] == 0:
                out[key] = (p["value"], struct.unpack(">I", p["extras"])[0],
                            p["cas"])
        return out

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def compact_state(server, keys, dedicated=False):
    """{key: (value, flags, cas)} read through compact, one GET per round
    trip (the oracle stays clear of pipelining and output backpressure)."""
    s = connect(server.compact_port if dedicated else server.port)
    try:
        s.sendall(encode(CONTROL["CLEAR"]) + encode(ACTION["GET"]) +
                  encode(FLAG["WANT_CAS"]) + encode(FLAG["WANT_KEY"]))
        dec = ReplyDecoder()
        out = {}
        for key in keys:
            s.sendall(encode(REGISTER["KEY"], key) + encode(CONTROL["GO"]))
            replies = []
            while not replies:
                got = s.recv(1 << 20)
                if not got:
                    raise ConnectionLost("closed while reading items")
                replies = dec.feed(got)
            r = replies[0]
            if len(replies) > 1 or dec.pending():
                raise ConnectionLost("more than one reply to a GET")
            if r.status == 0:
                v = r.get("VALUE8")
                if v is None:
                    v = r.get("VALUE", b"")
                out[key] = (v, r.get("FLAGS", 0), r.get("CAS"))
            elif r.status != 1:
                out[key] = ("error", r.describe())
        return out
    finally:
        s.close()


# ---------------------------------------------------------------------------
# One sequence


def clip(text, n=700):
    return text if len(text) <= n else text[:n] + f"...({len(text)} chars)"


class Mismatch:
    def __init__(self, seed, ref, index, op, what, request=b"", mirror=None,
                 compact="", reference="", detail=""):
        self.seed, self.ref, self.index, self.op = seed, ref, index, op
        self.what, self.request, self.mirror = what, request, mirror
        self.compact, self.reference, self.detail = compact, reference, detail

    def render(self):
        lines = [f"MISMATCH seed={self.seed} ref={self.ref} op={self.index}: "
                 f"{self.what}"]
        if self.op is not None:
            lines.append(f"  op:        {show_op(self.op)}")
        if self.mirror is not None:
            regs, flags, action = self.mirror
            shown = {k: (short_bytes(v, 24) if isinstance(v, bytes) else v)
                     for k, v in regs.items()}
            lines.append(f"  registers before: {shown} flags={sorted(flags)} "
                         f"action={action}")
        if self.request:
            lines.append(f"  compact request: {short_hex(self.request)}")
        if self.compact:
            lines.append(f"  compact answer:  {clip(self.compact)}")
        if self.reference:
            lines.append(f"  {(self.ref + ' answer:').ljust(16)} "
                         f"{clip(self.reference)}")
        if self.detail:
            lines.append(f"  {self.detail}")
        return "\n".join(lines)


def batches(rng, ops, limit=None, budget=None):
    """Splits the op indices into compact write batches; an op whose CAS
    comes from an earlier reply starts a new batch after that reply. With a
    budget, a batch's possible reply bytes (gets times the item limit) stay
    under it."""
    out = []
    cur = []
    target = 1
    spent = 0
    for i, op in enumerate(ops):
        ref = op.get("cas_ref")
        dep = ref is not None and ref[0] == "op" and cur and ref[1] >= cur[0]
        cost = 0
        if budget:
            cost = limit * (len(op.get("keys", ())) +
                            (op["kind"] in ("get", "gat")))
        if cur and (len(cur) >= target or dep or
                    (budget and spent + cost > budget)):
            out.append(cur)
            cur = []
        if not cur:
            spent = 0
            r = rng.random()
            target = 1 if r < 0.3 else rng.randint(2, 10) if r < 0.7 \
                else rng.randint(10, 60)
        cur.append(i)
        spent += cost
    if cur:
        out.append(cur)
    return out


class Sequence:
    """One seeded sequence through a compact server and a reference one."""

    def __init__(self, seed, ref, nops, binary, limit, big=True,
                 verbose=False, log=print, shadow=True):
        self.seed, self.ref, self.limit = seed, ref, limit
        self.verbose, self.log = verbose, log
        self.ops = compact_gen.generate(seed, ref, nops, limit, big)
        self.rng = random.Random(f"compact-model/{seed}/{ref}/wire")
        self.binary = binary
        self.mismatches = []
        self.craw = {}      # op index -> raw compact answer (CAS sources)
        self.rraw = {}
        self.pairing = CasPairing()
        self.touched = set()
        self.shadow = shadow
        self.conn_errors = 0
        self.big = big
        self.kinds = {}     # (op kind, reference answer kind) -> count
        self.check_counts = {}

    def add(self, *args, **kw):
        self.mismatches.append(Mismatch(self.seed, self.ref, *args, **kw))

    @staticmethod
    def cas_from(raw):
        def get(ref_):
            if ref_[0] == "bogus":
                return ref_[1]
            ans = raw.get(ref_[1])
            if ans and ans[0] == "hit" and ans[3] is not None:
                return ans[3]
            return 0x0123456789ABCDEF   # the source missed
        return get

    def run(self):
        self.csrv = Server(self.binary, self.limit)
        self.rsrv = Server(self.binary, self.limit)
        try:
            try:
                self.drive()
                self.final_state()
            except (ConnectionLost, OSError, FramingError, struct.error,
                    ValueError, IndexError) as e:
                self.add("run", None, f"aborted: {type(e).__name__}: {e}")
        finally:
            for kind, n in sorted(self.check_counts.items()):
                if n > 1:
                    self.add("all", None, f"compact reply: {kind}: {n} "
                             f"times in this sequence (first one above)")
            for client in ("cc", "rc", "rside", "cside"):
                c = getattr(self, client, None)
                if c is not None:
                    c.close()
            for srv, name in ((self.csrv, "compact"),
                              (self.rsrv, "reference")):
                alive = srv.alive()
                code = srv.stop()
                if not alive or code not in (0, None):
                    self.add("end", None,
                             f"the {name} server exited with {code}",
                             detail="log: " + ascii(srv.last_log[-1500:]))
        return self.mismatches

    def drive(self):
        ref = self.ref
        dedicated = self.rng.random() < 0.3
        self.cc = cc = CompactClient(self.csrv, self.rng, self.limit,
                                     dedicated)
        self.rc = (AsciiClient(self.rsrv) if ref == "ascii"
                   else BinaryClient(self.rsrv))
        side = AsciiClient if ref == "ascii" else BinaryClient
        self.rside = side(self.rsrv)
        self.cside = side(self.csrv)
        ops = self.ops
        budget = None if self.big else 192 * 1024
        for batch in batches(self.rng, ops, self.limit, budget):
            items = [(i, ops[i]) for i in batch]
            answers, segs, checks, error = cc.run_batch(
                items, self.cas_from(self.craw))
            if error:
                self.add(batch[0], None, f"compact connection: {error}",
                         request=b"".join(s for s, _ in segs.values())[:600],
                         detail=f"batch of ops {batch[0]}..{batch[-1]}")
                if not self.csrv.alive():
                    raise ConnectionLost("the compact server died")
                self.conn_errors += 1
            checked = {}
            for i, c in checks:
                checked.setdefault(i, []).append(c)
            for i, op in items:
                self.compare(i, op, answers, segs, checked)
            if self.shadow:
                self.shadow_check(items)
            if self.conn_errors > MAX_CONN_ERRORS:
                raise ConnectionLost(
                    f"{self.conn_errors} broken connections (replies lost, "
                    f"repeated or unparsable); the rest of the sequence is "
                    f"skipped")
        if self.verbose:
            self.log("  outcomes (op kind, reference answer: count): " +
                     ", ".join(f"{k}/{a}: {n}" for (k, a), n in
                               sorted(self.kinds.items())))

    def compare(self, i, op, answers, segs, checked):
        ref, rc = self.ref, self.rc
        if op.get("key") is not None and not op.get("bad_key"):
            self.touched.add(op["key"])
        for key in op.get("keys", []):
            self.touched.add(key)
        try:
            rans = rc.run(op, self.cas_from(self.rraw))
        except (ConnectionLost, OSError, struct.error, ValueError,
                IndexError) as e:
            rans = ("error", f"reference connection: {e}")
            if not self.rsrv.alive():
                raise ConnectionLost("the reference server died")
            self.conn_errors += 1
            rc.close()
            rc.connect()
        cans, cdesc = answers.get(i, (("no_reply",), ""))
        self.craw[i] = cans
        self.rraw[i] = rans
        self.kinds[(op["kind"] + ("/q" if op.get("quiet") else ""),
                    rans[0])] = self.kinds.get(
            (op["kind"] + ("/q" if op.get("quiet") else ""), rans[0]), 0) + 1
        if op.get("quiet") and (ref == "ascii" or
                                op["kind"] in ("touch", "verbosity")):
            rcmp = quietize(op, rans)
        else:
            rcmp = rans
        nc, ccas = normalize(cans, op, ref)
        nr, rcas = normalize(rcmp, op, ref)
        seg, mirror = segs[i]
        if TRACE:
            with open(TRACE, "a") as f:
                f.write(f"op {i}: {show_op(op)}\n    compact "
                        f"{show(nc)}\n    {ref} {show(nr)}\n")
        if nc != nr:
            self.add(i, op, "answers differ", seg, mirror,
                     f"{show(nc)}  [{cdesc[:300]}]", show(nr))
        else:
            bad = self.pairing.check(ccas, rcas, i)
            if bad:
                self.add(i, op, f"CAS differs: {bad}", seg, mirror,
                         f"{show(nc)} {ccas}  [{cdesc[:300]}]",
                         f"{show(nr)} {rcas}")
        for c in checked.get(i, []):
            # The same compact-only finding is reported once per sequence,
            # with a count at the end.
            kind = re.sub(r"\d+", "N", c)
            self.check_counts[kind] = self.check_counts.get(kind, 0) + 1
            if self.check_counts[kind] == 1:
                self.add(i, op, f"compact reply: {c}", seg, mirror,
                         f"{show(nc)}  [{cdesc[:300]}]", show(nr))

    def shadow_check(self, items):
        """After each batch, the items of the keys it touched must be equal
        on both servers; a key that differs is reported once (with the
        batch's operations on it) and deleted on both, so that one
        divergence does not make every later answer differ."""
        keys = []
        for _i, op in items:
            for key in ([op["key"]] if op.get("key") is not None and
                        not op.get("bad_key") else []) + op.get("keys", []):
                if key not in keys:
                    keys.append(key)
        if not keys:
            return
        cstate = compact_state(self.csrv, keys)
        rstate = self.rside.read_state(keys)
        for key in keys:
            c, r = cstate.get(key), rstate.get(key)
            if (c and c[:2]) != (r and r[:2]):
                ops = [i for i, op in items
                       if op.get("key") == key or key in op.get("keys", ())]
                if self.dropped_by_binary_set(items, key):
                    self.cside.delete(key)
                    self.rside.delete(key)
                    continue
                self.add(items[-1][0], {"key": key},
                         f"item state differs after ops {items[0][0]}.."
                         f"{items[-1][0]} (those on this key: {ops})",
                         compact=show(c and c[:2]), reference=show(r and r[:2]),
                         detail="the key is deleted on both servers to go on")
                self.cside.delete(key)
                self.rside.delete(key)

    def dropped_by_binary_set(self, items, key):
        """Binary sends a CAS as a SET with a CAS, and memcached's binary
        SET refused as too large drops the old item whatever its CAS;
        compact's CAS, like ASCII's cas, leaves it. Expected, not a
        finding: the last operation on the key was such a CAS."""
        if self.ref != "binary":
            return False
        last = [i for i, op in items if op.get("key") == key][-1:]
        return bool(last) and items_kind(items, last[0]) == "cas" and \
            self.rraw.get(last[0], ("",))[0] == "too_large"

    def final_state(self):
        """Every touched key, through both protocols on both servers."""
        ref = self.ref
        keys = sorted(self.touched)
        states = {}
        for name, srv in (("compact server", self.csrv),
                          ("reference server", self.rsrv)):
            states[(name, "compact")] = compact_state(srv, keys)
            other = AsciiClient(srv) if ref == "ascii" else BinaryClient(srv)
            try:
                states[(name, ref)] = other.read_state(keys)
            finally:
                other.close()
        base = states[("reference server", ref)]
        for key in keys:
            want = base.get(key)
            want_vf = want[:2] if want else None
            for where, st in states.items():
                got = st.get(key)
                got_vf = got[:2] if got else None
                if got_vf != want_vf:
                    self.add("final", {"key": key},
                             f"final state differs: {where[0]} via "
                             f"{where[1]}", compact=show(got_vf),
                             reference=show(want_vf))
            for name in ("compact server", "reference server"):
                a = states[(name, "compact")].get(key)
                b = states[(name, ref)].get(key)
                if a and b and a[2] != b[2]:
                    self.add("final", {"key": key},
                             f"{name}: the CAS read through compact differs "
                             f"from the CAS read through {ref}",
                             compact=str(a[2]), reference=str(b[2]))


def items_kind(items, index):
    return next(op["kind"] for i, op in items if i == index)


def run_sequence(seed, ref, nops, binary, limit, big=True, verbose=False,
                 log=print, shadow=True):
    """Runs one sequence; returns the list of Mismatch."""
    return Sequence(seed, ref, nops, binary, limit, big, verbose, log,
                    shadow).run()


# ---------------------------------------------------------------------------
# CLI


def parse_size(text):
    text = text.strip().lower()
    mult = 1
    if text.endswith("k"):
        mult, text = 1024, text[:-1]
    elif text.endswith("m"):
        mult, text = 1024 * 1024, text[:-1]
    return int(text) * mult


def parse_seeds(text):
    out = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += range(int(a), int(b) + 1)
        elif "," in text or part != text:
            out.append(int(part))
        else:
            out += range(1, int(part) + 1)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, help="run this one seed")
    ap.add_argument("--seeds", default="5",
                    help="N (seeds 1..N), A-B, or a comma list (default 5)")
    ap.add_argument("--ops", type=int, default=3000,
                    help="operations per sequence (default 3000)")
    ap.add_argument("--bin", default=DEFAULT_BIN,
                    help="the tinkercache binary")
    ap.add_argument("--ref", choices=["ascii", "binary", "both"],
                    default="both", help="reference protocol (default both)")
    ap.add_argument("--item-size", default="1m",
                    help="the servers' -I (default 1m)")
    ap.add_argument("--no-big", action="store_true",
                    help="keep every batch's replies under 192 KiB: no "
                    "big multi-gets, and gets per batch x item size bounded "
                    "(the server's output backpressure is not exercised)")
    ap.add_argument("--max-print", type=int, default=20,
                    help="mismatches printed per sequence (default 20)")
    ap.add_argument("--probes", action="store_true",
                    help="run the spec-ambiguity probes and print what the "
                    "server does")
    ap.add_argument("--no-shadow", action="store_true",
                    help="do not compare the touched items after each batch")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    limit = parse_size(args.item_size)
    if args.probes:
        import compact_probes
        return compact_probes.main(args.bin, limit)
    if args.no_big and limit > 192 * 1024:
        ap.error("--no-big keeps replies under 192 KiB, which takes an item "
                 "size of at most 192k (say --item-size 16k)")
    seeds = [args.seed] if args.seed is not None else parse_seeds(args.seeds)
    refs = ["ascii", "binary"] if args.ref == "both" else [args.ref]
    passed = failed = 0
    total = 0
    for seed in seeds:
        for ref in refs:
            t0 = time.monotonic()
            try:
                mm = run_sequence(seed, ref, args.ops, args.bin, limit,
                                  big=not args.no_big, verbose=args.verbose,
                                  shadow=not args.no_shadow)
            except RuntimeError as e:
                mm = [Mismatch(seed, ref, "start", None, str(e))]
            dt = time.monotonic() - t0
            # Whole-sequence findings (aborts, a server's exit, counts)
            # come last but are always shown.
            tail = [m for m in mm if m.index in ("run", "end", "all",
                                                 "start")]
            rest = [m for m in mm if m not in tail]
            for m in rest[:args.max_print] + tail:
                print(m.render(), flush=True)
            if len(rest) > args.max_print:
                print(f"... {len(rest) - args.max_print} more mismatches")
            status = "ok" if not mm else f"{len(mm)} mismatches"
            print(f"seed {seed} ref {ref}: {args.ops} ops, {status} "
                  f"({dt:.1f}s)", flush=True)
            total += len(mm)
            if mm:
                failed += 1
            else:
                passed += 1
    print(f"{total} mismatches in {passed + failed} sequences")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
