#!/usr/bin/python3
"""Differential tester: the same seeded request streams to memcached 1.6.18
and to tinkercache, replies compared byte for byte after the documented
normalizations (tools/difftest/README.md, replies.py).

    /usr/bin/python3 tools/difftest/difftest.py --seeds 20 --ops 3000
    /usr/bin/python3 tools/difftest/difftest.py --protocol meta --seed 7 \\
        --ops 500 --minimize

Exit status: 0 if every comparison matched, 1 on a mismatch, 2 when the
reference is not memcached 1.6.18 or a server cannot be started.
"""

import argparse
import concurrent.futures
import errno
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generators as G  # noqa: E402
import replies as R  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BIN = os.path.join(REPO, "build", "bin", "tinkercache")
FAMILIES = ("ascii", "meta", "binary")
ASCII_SENTINEL = b"mn\r\n"
BIN_SENTINEL = struct.pack(">BBHBBHIIQ", 0x80, 0x0a, 0, 0, 0, 0, 0,
                           G.SENTINEL_OPAQUE, 0)
HELLO_OPAQUE = 0x4E110000
SETTINGS = ["-m", "64"]          # both servers; item size: 1m default


# "mn" as the first token of a line: a space, the line's end or a NUL (which
# ends a command line) follows it.
MN_TOKEN = re.compile(rb"mn(?= |\r\n|\n|\x00)")


class Fatal(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(host, port, proc=None, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


# ------------------------------------------------------------- servers ---

class Server:
    """A server this tool started (or an external one: proc None)."""

    def __init__(self, name, host, port, proc=None, log=None, argv=None):
        self.name, self.host, self.port = name, host, port
        self.proc, self.log, self.argv = proc, log, argv

    def alive(self):
        return self.proc is None or self.proc.poll() is None

    def stderr_tail(self, n=2000):
        if not self.log:
            return ""
        try:
            with open(self.log, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM; returns the exit status (None for external)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "hung on SIGTERM"
        return self.proc.returncode


class Servers:
    """Starts and restarts the pair."""

    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir
        self.count = 0
        self.stopping = []
        self.ended = []   # (name, status, stderr tail) of stopped servers

    def _log(self, name):
        self.count += 1
        return os.path.join(self.workdir, f"{name}.{self.count}.stderr")

    def start_reference(self):
        if self.args.reference:
            host, port = self.args.reference.rsplit(":", 1)
            return Server("memcached", host, int(port))
        port = free_port()
        log = self._log("memcached")
        argv = [self.args.memcached, "-p", str(port), "-l", "127.0.0.1",
                "-U", "0", *SETTINGS]
        if os.geteuid() == 0:
            argv += ["-u", "root"]
        with open(log, "wb") as f:
            proc = subprocess.Popen(argv, stdout=f, stderr=f)
        if not wait_port("127.0.0.1", port, proc):
            raise Fatal(f"memcached did not start: {argv}\n" +
                        open(log, errors="replace").read())
        return Server("memcached", "127.0.0.1", port, proc, log, argv)

    def start_target(self):
        if self.args.target:
            host, port = self.args.target.rsplit(":", 1)
            return Server("tinkercache", host, int(port))
        log = self._log("tinkercache")
        port_file = log + ".port"
        argv = [self.args.tinkercache, "-l", "127.0.0.1", "-p", "0",
                "--port-file", port_file, "-t", "2", *SETTINGS]
        with open(log, "wb") as f:
            proc = subprocess.Popen(argv, stdout=f, stderr=f)
        end = time.monotonic() + 10
        while not (os.path.exists(port_file) and
                   open(port_file).read().strip()):
            if proc.poll() is not None or time.monotonic() > end:
                proc.kill()
                raise Fatal(f"tinkercache did not start: {argv}\n" +
                            open(log, errors="replace").read())
            time.sleep(0.01)
        port = int(open(port_file).read().split()[0])
        if not wait_port("127.0.0.1", port, proc):
            raise Fatal("tinkercache does not accept connections")
        return Server("tinkercache", "127.0.0.1", port, proc, log, argv)

    def start(self):
        ref = self.start_reference()
        verify_reference(ref)
        tgt = self.start_target()
        probe_version(tgt)  # the same extra connection on both
        return ref, tgt

    def stop(self, *servers):
        """SIGTERM now; the exit statuses are collected by reap()."""
        for s in servers:
            if s.proc is not None:
                if s.proc.poll() is None:
                    s.proc.send_signal(signal.SIGTERM)
                self.stopping.append(s)
        if len(self.stopping) > 16:
            self.reap()

    def reap(self):
        for s in self.stopping:
            status = s.stop()
            self.ended.append((s.name, status, s.stderr_tail()))
        self.stopping = []


def probe_version(server):
    with socket.create_connection((server.host, server.port), 5) as s:
        s.sendall(b"version\r\n")
        data = b""
        s.settimeout(5)
        while not data.endswith(b"\r\n"):
            got = s.recv(4096)
            if not got:
                break
            data += got
    return data


VERIFIED = set()


def verify_reference(ref):
    """The reference must be memcached 1.6.18, alive and answering."""
    if not ref.alive():
        raise Fatal("reference process is not running")
    try:
        v = probe_version(ref)
    except OSError as e:
        raise Fatal(f"reference does not answer: {e}")
    if v != b"VERSION 1.6.18\r\n":
        raise Fatal(f"reference is not memcached 1.6.18: version answers "
                    f"{v!r}")
    if ref.argv and ref.argv[0] not in VERIFIED:
        VERIFIED.add(ref.argv[0])
        out = subprocess.run([ref.argv[0], "-V"], capture_output=True)
        if not out.stdout.startswith(b"memcached 1.6.18"):
            raise Fatal(f"{ref.argv[0]} -V says {out.stdout!r}")


# ---------------------------------------------------------- connection ---

class Conn:
    def __init__(self, server, family, idle):
        self.server, self.family, self.idle = server, family, idle
        self.sock = None

    def connect(self):
        self.close()
        s = socket.create_connection((self.server.host, self.server.port),
                                     timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Open every connection the same way: the first byte decides the
        # protocol (and a control byte means compact on tinkercache).
        if self.family == "binary":
            hello = struct.pack(">BBHBBHIIQ", 0x80, 0x0a, 0, 0, 0, 0, 0,
                                HELLO_OPAQUE, 0)
            want = 24
        else:
            hello, want = b"mn\r\n", 4
        s.sendall(hello)
        got = b""
        while len(got) < want:
            d = s.recv(want - len(got))
            if not d:
                raise OSError("closed during hello")
            got += d
        if self.family != "binary" and got != b"MN\r\n":
            raise OSError(f"bad hello reply {got!r}")
        s.setblocking(False)
        self.sock = s

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, pieces, done, pause):
        """Sends the pieces (pausing between them) while reading; returns
        (reply, 'done'|'closed'|'idle')."""
        s = self.sock
        buf = bytearray()
        i, off = 0, 0
        next_send = 0.0
        last_rx = time.monotonic()
        cap = time.monotonic() + 120
        sending = True
        while True:
            now = time.monotonic()
            if now > cap:
                return bytes(buf), "idle"
            want_w = sending and i < len(pieces) and now >= next_send
            timeout = self.idle
            if sending and i < len(pieces) and not want_w:
                timeout = max(0.0, next_send - now)
            r, w, _ = select.select([s], [s] if want_w else [], [], timeout)
            if r:
                try:
                    d = s.recv(1 << 20)
                except (ConnectionResetError, BrokenPipeError):
                    return bytes(buf), "closed"
                except BlockingIOError:
                    d = None
                if d == b"":
                    return bytes(buf), "closed"
                if d:
                    buf += d
                    last_rx = time.monotonic()
                    # Replies that satisfy `done` before the last piece
                    # went out came from requests inside the batch (a data
                    # block parsed as commands may answer MN too).
                    if i >= len(pieces) and done(buf):
                        return bytes(buf), "done"
            if w:
                try:
                    off += s.send(pieces[i][off:off + (1 << 20)])
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError, OSError) as e:
                    if isinstance(e, OSError) and e.errno not in (
                            errno.EPIPE, errno.ECONNRESET):
                        raise
                    sending = False  # peer closed; read what is left
                if off >= len(pieces[i]):
                    i, off = i + 1, 0
                    next_send = time.monotonic() + pause
                    last_rx = max(last_rx, time.monotonic())
            if not r and not w:
                if (not sending or i >= len(pieces)) and \
                        time.monotonic() - last_rx >= self.idle:
                    return bytes(buf), "idle"


# --------------------------------------------------------------- runner ---

class Mismatch:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def resolve(op, cas_ref, cas_mine):
    out = b""
    for p in op.parts:
        if isinstance(p, bytes):
            out += p
            continue
        n = len(cas_ref.values)
        if n == 0:
            v = 987654321987
        else:
            idx = p.r % n + 1
            v = cas_mine.values[idx - 1] if idx <= len(cas_mine.values) \
                else 987654321987
        out += struct.pack(">Q", v) if p.binary else b"%d" % v
    return out


def split_batch(rng, op_bytes):
    """Cut points: (op index, offset) pairs chosen on the reference's
    bytes; the same pairs cut the target's (clamped)."""
    total = sum(len(b) for b in op_bytes)
    cuts = set()
    x = rng.random()
    if x < 0.3 or total < 2:
        return []
    for _ in range(rng.randrange(1, 5)):
        cuts.add(rng.randrange(1, total))
    if rng.random() < 0.3:  # right after a CR
        joined = b"".join(op_bytes)
        crs = [j + 1 for j in range(min(len(joined), 5000))
               if joined[j] == 13]
        if crs:
            cuts.add(rng.choice(crs))
    out, base = [], 0
    for k, b in enumerate(op_bytes):
        for c in sorted(cuts):
            if base < c < base + len(b) or (c == base and k):
                out.append((k, c - base))
        base += len(b)
    return out


def cut(op_bytes, cuts, tail):
    """The pieces: ops with the cut points applied, sentinel at the end."""
    pieces, cur = [], b""
    byop = {}
    for k, o in cuts:
        byop.setdefault(k, []).append(o)
    for k, b in enumerate(op_bytes):
        last = 0
        for o in sorted(byop.get(k, [])):
            o = min(o, len(b))
            cur += b[last:o]
            if cur:
                pieces.append(cur)
            cur, last = b"", o
        cur += b[last:]
    cur += tail
    if cur:
        pieces.append(cur)
    return pieces


# The counter keys as a server holds them, read on a side connection when a
# batch mismatches: the counters' timing-dependent divergences (README, open
# findings) show in their values long after their cause.
COUNTER_PEEK = b"".join(b"mg %s v s t f\r\n" % k for k in G.NUMERIC) + \
    b"stats\r\n"
PEEK_STATS = (b"evictions", b"bytes", b"curr_items")


def peek_counters(server):
    try:
        with socket.create_connection((server.host, server.port),
                                      timeout=1) as s:
            s.sendall(COUNTER_PEEK)
            buf = b""
            while not buf.endswith(b"END\r\n"):
                d = s.recv(65536)
                if not d:
                    break
                buf += d
            head, _, stats = buf.partition(b"STAT pid ")
            wanted = [line[5:] for line in stats.split(b"\r\n")
                      if line.split(b" ")[1:2] and
                      line.split(b" ")[1] in PEEK_STATS]
            return head + b" ".join(wanted)
    except OSError as e:
        return f"<{e}>".encode()


NON_NUMERIC = b"CLIENT_ERROR cannot increment or decrement non-numeric value"


def refused_as_non_numeric(norm):
    """An incr/decr/ma refused as non-numeric (ASCII, meta or binary)."""
    return norm == ("line", NON_NUMERIC) or (
        norm[0] == "pkt" and norm[2] in (0x05, 0x06, 0x15, 0x16) and
        norm[6] == 0x06)


def past_item_counter(server):
    """Whether a counter key holds a number of 2^63 or more with no '-' in
    its data: memcached's sign check (strchr) then reads past the item."""
    peek = peek_counters(server)
    for m in re.finditer(rb"VA \d+[^\r]*\r\n([^\r]*)\r\n", peek):
        data = m.group(1).split(b"\0")[0]
        num = re.match(rb"\s*\+?(\d+)", data)
        if num and b"-" not in data and \
                (1 << 63) <= int(num.group(1)) < (1 << 64):
            return True
    return False


class Pair:
    """The two servers, their connections and CAS maps."""

    def __init__(self, runner, family):
        self.runner, self.family = runner, family
        self.ref = self.tgt = None
        self.epoch = 0
        self.fresh()

    def fresh(self):
        r = self.runner
        if self.ref is not None:
            self.close_conns()
            if r.managed:
                r.servers.stop(self.ref, self.tgt)
        if r.managed:
            self.ref, self.tgt = r.servers.start()
        else:
            if self.ref is None:
                self.ref, self.tgt = r.servers.start()
            for s in (self.ref, self.tgt):
                reset_external(s)
        self.cref, self.ctgt = R.CasMap(), R.CasMap()
        self.conn_ref = Conn(self.ref, self.family, r.args.idle)
        self.conn_tgt = Conn(self.tgt, self.family, r.args.idle)
        self.connected = False
        self.epoch += 1

    def close_conns(self):
        self.conn_ref.close()
        self.conn_tgt.close()
        self.connected = False

    def stop(self):
        self.close_conns()
        if self.runner.managed:
            self.runner.servers.stop(self.ref, self.tgt)


def reset_external(server):
    """External servers cannot be restarted: undo what streams change."""
    with socket.create_connection((server.host, server.port), 5) as s:
        s.sendall(b"flush_all\r\nstats reset\r\nverbosity 0\r\n"
                  b"stats detail off\r\ncache_memlimit 64\r\n"
                  b"slabs automove 1\r\nmn\r\n")
        data = b""
        s.settimeout(5)
        while not data.endswith(b"MN\r\n"):
            d = s.recv(65536)
            if not d:
                break
            data += d


class Runner:
    def __init__(self, args, workdir):
        self.args = args
        self.managed = not (args.reference or args.target)
        self.servers = Servers(args, workdir)
        self.passed = 0
        self.reference_faults = {}  # kind -> count
        self.failed = 0
        self.mismatches = []
        self.attributed = {}
        self.pool = concurrent.futures.ThreadPoolExecutor(2)

    def log(self, *a):
        print(*a, flush=True)

    # One batch on both servers.
    def exchange(self, pair, ops, split_rng, pause, nosplit=False):
        fam = pair.family
        closes = any(op.closes for op in ops)
        if fam == "binary":
            tail = b"" if closes else BIN_SENTINEL

            def done(buf):
                return (not closes) and len(buf) >= 24 and \
                    buf[-24] == 0x81 and buf[-23] == 0x0a and \
                    struct.unpack_from(">I", buf, len(buf) - 12)[0] == \
                    G.SENTINEL_OPAQUE and \
                    R.binary_sentinel_seen(bytes(buf), G.SENTINEL_OPAQUE)
        else:
            tail = b"" if closes else ASCII_SENTINEL
            # Every "mn" that ends a token may answer MN: at a line start,
            # inside a data block a server ends up parsing as commands, or
            # right after a refused data block (which takes no newline).
            # Counting too many only costs an idle wait, too few would cut
            # a reply short.
            joined = b"".join(resolve(op, pair.cref, pair.cref)
                              for op in ops)
            want = len(MN_TOKEN.findall(joined)) + 1

            def done(buf):
                if closes or not buf.endswith(b"MN\r\n"):
                    return False
                units = R.parse_ascii(bytes(buf), R.CasMap(), 0)
                return bool(units) and units[-1][2] == \
                    ("meta", b"MN", ()) and R.count_mn(units) >= want
        ref_bytes = [resolve(op, pair.cref, pair.cref) for op in ops]
        tgt_bytes = [resolve(op, pair.cref, pair.ctgt) for op in ops]
        cuts = [] if nosplit else split_batch(split_rng, ref_bytes)
        if not pair.connected:
            pair.conn_ref.connect()
            pair.conn_tgt.connect()
            pair.connected = True
        fr = self.pool.submit(pair.conn_ref.exchange,
                              cut(ref_bytes, cuts, tail), done, pause)
        ft = self.pool.submit(pair.conn_tgt.exchange,
                              cut(tgt_bytes, cuts, tail), done, pause)
        (rb, rs), (tb, ts) = fr.result(), ft.result()
        return ref_bytes, (rb, rs), (tb, ts), len(cuts)

    def attribute(self, family, ops, history):
        return attribute_impl(self, family, ops, history)

    def units(self, pair, which, reply, state):
        cas = pair.cref if which == "ref" else pair.ctgt
        port = (pair.ref if which == "ref" else pair.tgt).port
        if pair.family == "binary":
            u = R.parse_binary(reply, cas, port)
        else:
            u = R.parse_ascii(reply, cas, port)
        if state == "closed":
            u.append((len(reply), len(reply), ("<closed>",)))
        elif state == "idle":
            u.append((len(reply), len(reply), ("<no sentinel: idle>",)))
        return u

    def run(self, family, seed, n_ops, ops=None, batches=None, quiet=False,
            signature=None):
        """One stream.  Returns the mismatches found."""
        if ops is None:
            ops = generate(family, seed, n_ops, self.args)
        brng = random.Random(f"{seed}:{family}:batches")
        srng = random.Random(f"{seed}:{family}:splits")
        if batches is None:
            batches = make_batches(brng, ops)
        found = []
        pair = Pair(self, family)
        history = []       # batches since the servers were (re)started
        try:
            for bi, (lo, hi) in enumerate(batches):
                batch = ops[lo:hi]
                if not batch:
                    continue
                pause = 0.0 if self.args.no_split else 0.002
                ref_bytes, (rb, rs), (tb, ts), ncuts = self.exchange(
                    pair, batch, srng if not self.args.no_split else
                    random.Random(0), pause)
                history.append((lo, hi))
                ur = self.units(pair, "ref", rb, rs)
                ut = self.units(pair, "tgt", tb, ts)
                i = R.first_difference(ur, ut)
                crashed = not pair.tgt.alive()
                if i is None and not crashed:
                    self.passed += 0 if quiet else 1
                    if self.args.verbose and not quiet:
                        self.log(f"ok seed={seed} {family} batch={bi} "
                                 f"ops={lo}..{hi - 1} "
                                 f"reply={len(rb)} bytes")
                    if rs != "done" or ts != "done":
                        pair.close_conns()   # reconnect for the next batch
                    continue
                closes = any(op.closes for op in batch)
                where = f"seed={seed} {family} batch={bi} ops={lo}..{hi - 1}"
                fault = None
                if (not crashed and rs == "closed" and
                        (ts == "closed" or (ts == "done" and not closes)) and
                        i < len(ur) and ur[i][2][0] in ("partial",
                                                        "<closed>")):
                    # memcached closed the connection in mid-reply after
                    # answering everything before exactly as tinkercache
                    # did: it drops the replies still queued when a request
                    # of the batch closes the connection (tinkercache closed
                    # too), or, rarely and only with some read splits, with
                    # no such request.
                    fault = ("CLOSED", f"{where} after {len(rb)} of "
                             f"tinkercache's {len(tb)} bytes")
                elif (not crashed and i < len(ur) and
                        refused_as_non_numeric(ur[i][2]) and
                        past_item_counter(pair.ref)):
                    # memcached refused a counter of 2^63 or more: its
                    # strchr for a '-' reads past the item's data into
                    # whatever the memory holds (README).
                    fault = ("READ PAST ITEM", f"{where}: {R.brief(ur[i])} | "
                             f"{R.brief(ut[i]) if i < len(ut) else ''}")
                if fault:
                    # A fault of the reference, not a difference; counted
                    # and shown, never hidden.
                    if not quiet:
                        self.reference_faults[fault[0]] = \
                            self.reference_faults.get(fault[0], 0) + 1
                        self.log(f"REFERENCE {fault[0]} {fault[1]}")
                    pair.fresh()
                    history = []
                    continue
                self.failed += 0 if quiet else 1
                m = Mismatch(
                    seed=seed, family=family, batch=bi, lo=lo, hi=hi,
                    ops=batch, request=ref_bytes, ncuts=ncuts,
                    ref=rb, tgt=tb, ref_state=rs, tgt_state=ts,
                    unit=i, crashed=crashed,
                    ref_off=ur[i][0] if i is not None and i < len(ur)
                    else len(rb),
                    tgt_off=ut[i][0] if i is not None and i < len(ut)
                    else len(tb),
                    sig=("crash" if crashed else
                         R.brief(ur[i] if i < len(ur) else None) + " | " +
                         R.brief(ut[i] if i < len(ut) else None)),
                    history=list(history),
                    stderr=pair.tgt.stderr_tail() if crashed else "")
                m.detail = ""
                m.counters = None if crashed else (peek_counters(pair.ref),
                                                   peek_counters(pair.tgt))
                if i is not None and i < len(ur) and i < len(ut) and \
                        isinstance(ur[i][2], tuple) and len(ur[i][2]) > 1 \
                        and isinstance(ur[i][2][1], R.StatsView):
                    m.detail = ur[i][2][1].diff(ut[i][2][1])
                m.culprit = None
                found.append(m)
                if not quiet:
                    n = self.attributed.get(m.sig, 0)
                    if not crashed and n < self.args.attribute:
                        self.attributed[m.sig] = n + 1
                        m.culprit = self.attribute(family, ops, history)
                    self.mismatches.append(m)
                    report(m, self.args)
                if signature is not None and m.sig == signature:
                    break
                # Both sides may now hold different state: start again.
                pair.fresh()
                history = []
        finally:
            pair.stop()
        return found


MARK_OPAQUE = 0xA77A0000


def segments(family, units, ops):
    """Reply units cut per op at the markers that follow each op."""
    segs, cur, k = [], [], 0
    need = (ops[0].mn + 1) if ops and family != "binary" else 1
    for u in units:
        cur.append(u)
        norm = u[2]
        if family == "binary":
            hit = norm[0] == "pkt" and norm[2] == 0x0a and \
                norm[7] == MARK_OPAQUE + k
        else:
            hit = norm == ("meta", b"MN", ())
        if hit:
            need -= 1
            if need <= 0:
                segs.append(cur)
                cur = []
                k += 1
                if family != "binary":
                    need = (ops[k].mn + 1) if k < len(ops) else 1
    segs.append(cur)
    return segs


def attribute_impl(runner, family, ops, history):
    """Replays the stream since the servers started on a fresh pair, with
    a marker (mn / NOOP with opaque MARK+i) after each op of the failing
    batch, and names the first op whose replies differ."""
    pair = Pair(runner, family)
    srng = random.Random(0)
    try:
        for lo, hi in history[:-1]:
            _, (rb, rs), (tb, ts), _ = runner.exchange(
                pair, ops[lo:hi], srng, 0.0, nosplit=True)
            runner.units(pair, "ref", rb, rs)   # learn the CAS uniques
            runner.units(pair, "tgt", tb, ts)
            if rs != "done" or ts != "done":
                pair.close_conns()
        lo, hi = history[-1]
        batch = []
        for k in range(lo, hi):
            batch.append(ops[k])
            if family == "binary":
                mark = struct.pack(">BBHBBHIIQ", 0x80, 0x0a, 0, 0, 0, 0, 0,
                                   MARK_OPAQUE + k - lo, 0)
            else:
                mark = b"mn\r\n"
            if not ops[k].closes:
                batch.append(G.Op(mark, "marker", mn=0 if family == "binary" else 1))
        _, (rb, rs), (tb, ts), _ = runner.exchange(pair, batch, srng, 0.0,
                                                   nosplit=True)
        ur = runner.units(pair, "ref", rb, rs)
        ut = runner.units(pair, "tgt", tb, ts)
        real = ops[lo:hi]
        sr, st = segments(family, ur, real), segments(family, ut, real)
        for k in range(max(len(sr), len(st))):
            a = sr[k] if k < len(sr) else []
            b = st[k] if k < len(st) else []
            if [u[2] for u in a] != [u[2] for u in b]:
                if k < len(real):
                    return lo + k
                return None
        return None
    except Exception:
        return None
    finally:
        pair.stop()


def generate(family, seed, n_ops, args):
    """The op stream of a seed; --skip drops ops by tag prefix (after
    generation, so the other ops stay the same)."""
    ops = G.GENERATORS[family](random.Random(f"{seed}:{family}"), n_ops,
                               args.strict)
    skip = [t for t in args.skip.split(",") if t]
    if skip:
        ops = [op for op in ops if not any(op.tag.startswith(t)
                                           for t in skip)]
    return ops


BINARY_READS = {0x00, 0x09, 0x0c, 0x0d, 0x1d, 0x1e, 0x23, 0x24}
BINARY_ARITH = {0x05, 0x06, 0x15, 0x16}


def op_bytes(op):
    """An op's bytes with each CAS placeholder as zeros of its size."""
    return b"".join(p if isinstance(p, bytes) else
                    (b"\0" * 8 if getattr(p, "binary", False) else b"0")
                    for p in op.parts)


def keys_touched(op):
    """(keys the op reads, keys it changes by incr/decr), as far as the
    batch cutter below needs them."""
    data = op_bytes(op)
    reads, arith = set(), set()
    if op.tag.startswith("b-"):
        pos = 0
        while pos + 24 <= len(data) and data[pos] == 0x80:
            opcode, klen = data[pos + 1], int.from_bytes(data[pos + 2:pos + 4],
                                                         "big")
            elen = data[pos + 4]
            body = int.from_bytes(data[pos + 8:pos + 12], "big")
            key = data[pos + 24 + elen:pos + 24 + elen + klen]
            (reads if opcode in BINARY_READS else
             arith if opcode in BINARY_ARITH else set()).add(key)
            pos += 24 + body
        return reads, arith
    tokens = data.split(b"\r\n", 1)[0].split()
    if not tokens:
        return reads, arith
    verb = tokens[0]
    if verb in (b"mg", b"ma") and len(tokens) > 1:
        # a base64 key names the same item as its decoded form
        tokens[1] = G.plain_key(tokens[1], b"b" in tokens[2:])
    if verb in (b"get", b"gets"):
        reads.update(tokens[1:])
    elif verb in (b"gat", b"gats"):
        reads.update(tokens[2:])
    elif verb == b"mg" and len(tokens) > 1:
        reads.add(tokens[1])
    elif verb in (b"incr", b"decr", b"ma") and len(tokens) > 1:
        arith.add(tokens[1])
    return reads, arith


def make_batches(rng, ops):
    """Batch boundaries: mostly small, some long pipelines; an op that
    certainly closes the connection ends its batch. An incr/decr of a key
    read earlier in the batch starts a new one: memcached then cannot
    change the counter in place (an unsent reply still holds the item), so
    it drops the space padding and a TTL the same ma sets (README), which
    depends on reference counts, not on the stream."""
    out, i = [], 0
    while i < len(ops):
        x = rng.random()
        n = rng.randrange(1, 6) if x < 0.55 else (
            rng.randrange(6, 16) if x < 0.88 else rng.randrange(16, 60))
        j = i
        read = set()
        while j < len(ops) and j - i < n:
            if ops[j].alone and j > i:
                break
            reads, arith = keys_touched(ops[j])
            if arith & read and j > i:
                break
            read |= reads
            j += 1
            if ops[j - 1].closes:
                break
        out.append((i, j))
        i = j
    return out


def report(m, args):
    p = print
    p("=" * 78)
    what = "CRASH" if m.crashed else "MISMATCH"
    p(f"{what} seed={m.seed} protocol={m.family} batch={m.batch} "
      f"ops={m.lo}..{m.hi - 1} ({m.ncuts} cuts)")
    p(f"  first difference: reply unit {m.unit}, reference offset "
      f"{m.ref_off}, tinkercache offset {m.tgt_off}  [{m.sig}]")
    if m.detail:
        p(f"  stats: {m.detail}")
    if m.culprit is not None:
        p(f"  culprit (replayed with a marker after each op): op "
          f"{m.culprit} [{m.ops[m.culprit - m.lo].tag}]")
    p("  request:")
    for k, b in enumerate(m.request):
        mark = " <== culprit" if m.culprit == m.lo + k else ""
        p(f"    [op {m.lo + k}]{mark} {R.escape(b, 300)}")
    p(f"  reference ({len(m.ref)} bytes, {m.ref_state}): "
      f"{R.around(m.ref, m.ref_off)}")
    p(f"  tinkercache ({len(m.tgt)} bytes, {m.tgt_state}): "
      f"{R.around(m.tgt, m.tgt_off)}")
    if m.crashed:
        p("  tinkercache stderr:\n" + m.stderr)
    elif m.counters:
        p(f"  counters now: memcached {R.escape(m.counters[0], 200)}; "
          f"tinkercache {R.escape(m.counters[1], 200)}")
    p(f"  replay: difftest.py --protocol {m.family} --seed {m.seed} "
      f"--ops {args.ops} [--minimize]")
    if args.print_stream:
        p("  the failing batch as sent to memcached (a Python list of op "
          "bytes; earlier batches since the servers started: "
          f"{m.history[:-1]}):")
        p("  " + repr(m.request))


# ------------------------------------------------------------- minimize ---

def minimize(runner, m, budget):
    """ddmin over the ops sent since the servers started, keeping batch
    boundaries and dropping the random splits; a candidate fails when it
    reproduces a mismatch with the same signature."""
    all_ops = generate(m.family, m.seed, runner.args.ops, runner.args)
    items = []  # (batch no, op)
    for bno, (lo, hi) in enumerate(m.history):
        for k in range(lo, hi):
            items.append((bno, all_ops[k]))
    trials = [0]

    def fails(cand):
        if trials[0] >= budget:
            return False
        trials[0] += 1
        ops, batches = [], []
        cur = None
        for bno, op in cand:
            if bno != cur:
                batches.append([len(ops), len(ops)])
                cur = bno
            ops.append(op)
            batches[-1][1] = len(ops)
        found = runner.run(m.family, m.seed, 0, ops=ops,
                           batches=[tuple(b) for b in batches], quiet=True,
                           signature=m.sig)
        return any(f.sig == m.sig for f in found)

    saved = runner.args.no_split
    runner.args.no_split = True
    try:
        if not fails(items):
            return None, trials[0]
        n = 2
        while len(items) >= 2 and trials[0] < budget:
            chunk = max(1, len(items) // n)
            reduced = False
            for start in range(0, len(items), chunk):
                cand = items[:start] + items[start + chunk:]
                if cand and fails(cand):
                    items = cand
                    n = max(n - 1, 2)
                    reduced = True
                    break
            if not reduced:
                if n >= len(items):
                    break
                n = min(len(items), n * 2)
        # ddmin trusts every failing trial; a failure that depends on timing
        # can leave a result that rarely fails again, so say how often it
        # does.
        trials[0] = 0
        again = sum(fails(items) for _ in range(3))
        return items, again
    finally:
        runner.args.no_split = saved


def batches_literal(items):
    out, cur = [], None
    for bno, op in items:
        if bno != cur:
            out.append([])
            cur = bno
        out[-1].append(op.literal())
    return out


# ------------------------------------------------------------------ main ---

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.
                                 RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=1,
                    help="run seeds SEED .. SEED+N-1")
    ap.add_argument("--ops", type=int, default=1000,
                    help="operations per seed and protocol")
    ap.add_argument("--protocol", choices=FAMILIES + ("all",), default="all")
    ap.add_argument("--tinkercache", default=DEFAULT_BIN)
    ap.add_argument("--memcached", default="memcached")
    ap.add_argument("--reference", metavar="HOST:PORT",
                    help="a running memcached 1.6.18 instead of starting one")
    ap.add_argument("--target", metavar="HOST:PORT",
                    help="a running tinkercache instead of starting one")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--strict", action="store_true",
                    help="also generate the documented deliberate "
                    "differences (generators.EXCLUSIONS)")
    ap.add_argument("--minimize", action="store_true",
                    help="shrink one mismatch per signature to a minimal "
                    "stream")
    ap.add_argument("--minimize-budget", type=int, default=120)
    ap.add_argument("--print-stream", action="store_true",
                    help="print each failing batch as a Python literal")
    ap.add_argument("--no-split", action="store_true",
                    help="send each batch in one write")
    ap.add_argument("--idle", type=float, default=0.3,
                    help="seconds of silence that end a reply without "
                    "its sentinel")
    ap.add_argument("--max-failures", type=int, default=0,
                    help="stop a stream after this many mismatches "
                    "(0: never)")
    ap.add_argument("--skip", default="",
                    help="comma-separated op tag prefixes to leave out "
                    "(e.g. stats_detail,cache_memlimit) when hunting "
                    "past known families")
    ap.add_argument("--attribute", type=int, default=3, metavar="N",
                    help="find the culprit op (a replay with a marker after "
                    "each op) for the first N mismatches of each signature")
    ap.add_argument("--json", metavar="FILE",
                    help="write the mismatches as JSON lines")
    ap.add_argument("--schema", action="store_true",
                    help="also compare the stat names each stats group "
                    "sends (reported, counted as failures)")
    args = ap.parse_args(argv)
    if args.reference and not args.target or args.target and \
            not args.reference:
        ap.error("--reference and --target go together")
    if not args.target and not os.access(args.tinkercache, os.X_OK):
        ap.error(f"no tinkercache binary at {args.tinkercache}")
    families = FAMILIES if args.protocol == "all" else (args.protocol,)
    workdir = tempfile.mkdtemp(prefix="difftest-")
    runner = Runner(args, workdir)
    t0 = time.monotonic()
    try:
        if args.schema:
            schema_check(runner)
        for family in families:
            for seed in range(args.seed, args.seed + args.seeds):
                t1 = time.monotonic()
                before = runner.failed
                runner.run(family, seed, args.ops)
                print(f"# seed {seed} {family}: "
                      f"{runner.failed - before} mismatches, "
                      f"{time.monotonic() - t1:.1f}s", flush=True)
        if args.minimize and runner.mismatches:
            seen = set()
            for m in runner.mismatches:
                if m.sig in seen:
                    continue
                seen.add(m.sig)
                items, again = minimize(runner, m, args.minimize_budget)
                print("=" * 78)
                print(f"MINIMIZED [{m.sig}] from seed={m.seed} "
                      f"{m.family} batch={m.batch} (fails again in "
                      f"{again} of 3 reruns):")
                if items is None:
                    print("  not reproduced without the random splits; "
                          "replay the seed")
                else:
                    for b in batches_literal(items):
                        print("  batch:", repr(b)[:3000])
    except Fatal as e:
        print(f"FATAL: {e}", file=sys.stderr)
        return 2
    finally:
        runner.pool.shutdown()
        runner.servers.reap()
    if args.json:
        import json
        with open(args.json, "w") as f:
            for m in runner.mismatches:
                f.write(json.dumps({
                    "seed": m.seed, "family": m.family, "batch": m.batch,
                    "ops": [m.lo, m.hi - 1], "culprit": m.culprit,
                    "culprit_tag": m.ops[m.culprit - m.lo].tag
                    if m.culprit is not None else None,
                    "culprit_op": R.escape(m.request[m.culprit - m.lo], 400)
                    if m.culprit is not None else None,
                    "sig": m.sig, "detail": m.detail, "crashed": m.crashed,
                    "tags": [op.tag for op in m.ops],
                    "ref": R.around(m.ref, m.ref_off, 150, 250),
                    "tgt": R.around(m.tgt, m.tgt_off, 150, 250),
                    "ref_state": m.ref_state, "tgt_state": m.tgt_state,
                }) + "\n")
    bad_exit = [(n, s, e) for n, s, e in runner.servers.ended
                if n == "tinkercache" and s not in (0, None)]
    for n, s, e in bad_exit:
        runner.failed += 1
        print(f"tinkercache exit status {s} on SIGTERM; stderr:\n{e}")
    shown = 0
    for n, s, e in runner.servers.ended:
        if e.strip() and (args.verbose or (n == "tinkercache" and
                                           shown < 3)):
            shown += n == "tinkercache"
            print(f"--- {n} stderr (exit {s}):\n{e}")
    print(f"# {time.monotonic() - t0:.0f}s; server logs in {workdir}")
    faults = runner.reference_faults
    if faults.get("CLOSED"):
        print(f"# memcached closed the connection in mid-reply "
              f"{faults['CLOSED']} time(s), with every reply before "
              f"the close equal to tinkercache's (REFERENCE CLOSED above)")
    if faults.get("READ PAST ITEM"):
        print(f"# memcached refused a counter of 2^63 or more "
              f"{faults['READ PAST ITEM']} time(s), reading past the item "
              f"for a '-' (REFERENCE READ PAST ITEM above)")
    print(f"{runner.passed} passed, {runner.failed} failed")
    return 1 if runner.failed else 0


def schema_check(runner):
    """Stat names per group, once per run (--schema)."""
    pair = Pair(runner, "ascii")
    try:
        out = {}
        for which, s in (("ref", pair.ref), ("tgt", pair.tgt)):
            with socket.create_connection((s.host, s.port), 5) as c:
                c.sendall(b"set k 0 0 1\r\nx\r\n")
                c.recv(100)
                for g in (b"", b" settings", b" items", b" slabs"):
                    c.sendall(b"stats" + g + b"\r\n")
                    data = b""
                    c.settimeout(5)
                    while not data.endswith(b"END\r\n"):
                        data += c.recv(65536)
                    names = [l.split(b" ")[1] for l in data.split(b"\r\n")
                             if l.startswith(b"STAT ")]
                    if g in (b" items", b" slabs"):
                        names = sorted(set(
                            __import__("re").sub(rb"^(items:)?\d+:", b"", n)
                            for n in names))
                    out.setdefault(g, {})[which] = names
        for g, d in out.items():
            missing = [n for n in d["ref"] if n not in d["tgt"]]
            extra = [n for n in d["tgt"] if n not in d["ref"]]
            if missing or extra:
                runner.failed += 1
                print(f"SCHEMA stats{g.decode()}: missing in tinkercache "
                      f"{b' '.join(missing).decode()}; only in tinkercache "
                      f"{b' '.join(extra).decode()}")
            else:
                runner.passed += 1
    finally:
        pair.stop()


if __name__ == "__main__":
    sys.exit(main())
