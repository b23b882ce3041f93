"""Spec-ambiguity probes for the compact protocol.

Each probe asks the running server a question the spec (spec/compact.md)
leaves open or states imprecisely, and prints what tinkercache does next to
what the ASCII or binary protocol does for the same thing. Probes report;
they do not fail (the model check in compact_model.py is the test).

    tools/difftest/compact_model.py --probes
"""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from compact_model import (BIN, BIN_HEADER, Server, connect)  # noqa: E402
from compact_wire import (ACTION, CONTROL, FLAG, REGISTER, ReplyDecoder,  # noqa
                          encode, encode_extended)

C = dict(CONTROL)
C.update(FLAG)
C.update(ACTION)


def req(*parts):
    """Builds a request from names and (name, value) pairs."""
    out = b""
    for p in parts:
        if isinstance(p, bytes):
            out += p
        elif isinstance(p, tuple):
            name, value = p
            out += encode(REGISTER[name], value)
        else:
            out += encode(C[p])
    return out


def compact(srv, data, settle=0.25, dedicated=False):
    """Replies to `data` on a new connection, as text."""
    s = connect(srv.compact_port if dedicated else srv.port)
    s.sendall(data)
    s.settimeout(settle)
    dec = ReplyDecoder()
    out = []
    try:
        while True:
            got = s.recv(1 << 20)
            if not got:
                out.append("<closed>")
                break
            out += [r.describe(24) for r in dec.feed(got)]
    except socket.timeout:
        pass
    finally:
        s.close()
    if dec.pending():
        out.append(f"<{dec.pending()} bytes of an unfinished reply>")
    return " | ".join(out) if out else "<nothing>"


def ascii(srv, data, settle=0.25):
    s = connect(srv.port)
    s.sendall(data)
    s.settimeout(settle)
    out = b""
    try:
        while True:
            got = s.recv(1 << 20)
            if not got:
                out += b"<closed>"
                break
            out += got
    except socket.timeout:
        pass
    finally:
        s.close()
    text = out.decode("latin-1").replace("\r\n", " / ").strip(" /")
    return text if len(text) < 200 else text[:200] + "..."


def breq(opcode, key=b"", extras=b"", value=b"", cas=0, opaque=0):
    body = extras + key + value
    return BIN_HEADER.pack(0x80, opcode, len(key), len(extras), 0, 0,
                           len(body), opaque, cas) + body


def binary(srv, data, settle=0.25):
    s = connect(srv.port)
    s.sendall(data)
    s.settimeout(settle)
    buf = b""
    closed = False
    try:
        while True:
            got = s.recv(1 << 20)
            if not got:
                closed = True
                break
            buf += got
    except socket.timeout:
        pass
    finally:
        s.close()
    out = []
    while len(buf) >= 24:
        h = BIN_HEADER.unpack(buf[:24])
        n = h[6]
        body = buf[24:24 + n]
        ext, key = h[3], h[2]
        value = body[ext + key:]
        v = value if len(value) < 24 else value[:20] + b"..."
        out.append(f"op {h[1]:#04x} status {h[5]:#x} cas {h[8]} "
                   f"value {v!r}")
        buf = buf[24 + n:]
    if closed:
        out.append("<closed>")
    return " | ".join(out) if out else "<nothing>"


def K(key):
    return ("KEY", key)


def V(value):
    return ("VALUE", value) if len(value) > 255 else ("VALUE8", value)


def flush(srv):
    compact(srv, req("CLEAR", "FLUSH", "GO"), settle=0.05)


def get_state(srv, key):
    return compact(srv, req("CLEAR", "GET", "WANT_CAS", K(key), "GO"))


def gets_cas(srv, key):
    s = connect(srv.port)
    s.sendall(req("CLEAR", "GET", "WANT_CAS", K(key), "GO"))
    dec = ReplyDecoder()
    r = []
    while not r:
        r = dec.feed(s.recv(1 << 20))
    s.close()
    return r[0].get("CAS")


PROBES = []


def probe(title, question):
    def wrap(fn):
        PROBES.append((title, question, fn))
        return fn
    return wrap


# ---------------------------------------------------------------------------

@probe("item size limit",
       "3.3 says a key and value that together exceed -I answer TOO_LARGE; "
       "what is the largest value actually stored?")
def p_limit(srv, limit):
    out = []
    for key in (b"k", b"k" * 250):
        def ok_compact(n):
            r = compact(srv, req("CLEAR", "SET", K(key), ("VALUE", b"x" * n),
                                 "GO"), settle=0.1)
            return r == "OK"

        def ok_ascii(n):
            return ascii(srv, b"set %s 0 0 %d\r\n%s\r\n" % (key, n, b"x" * n),
                         settle=0.1) == "STORED"

        def ok_binary(n):
            r = binary(srv, breq(BIN["set"], key, struct.pack(">II", 0, 0),
                                 b"x" * n), settle=0.1)
            return "status 0x0" in r

        res = []
        for name, f in (("compact", ok_compact), ("ascii", ok_ascii),
                        ("binary", ok_binary)):
            lo, hi = 0, limit + 8
            while lo < hi:
                m = (lo + hi + 1) // 2
                if f(m):
                    lo = m
                else:
                    hi = m - 1
            res.append(f"{name} {lo}")
        out.append(f"key {len(key)} bytes, -I {limit}: largest value " +
                   ", ".join(res) + f" (key + value + {limit - lo - len(key)}"
                   f" = -I)")
    return out


@probe("SET refused for size: the old value",
       "3.3: 'for SET the old value of the key is dropped' when VALUE is over "
       "the limit. What about a value under -I whose item (key, value and "
       "overhead) is over it, which TOO_LARGE answers at GO? And the CAS "
       "action, and SET with UNIQUE?")
def p_drop(srv, limit):
    out = []
    over_item = b"x" * (limit - 10)       # value < -I, item > -I
    over_value = b"x" * (limit + 10)      # value > -I
    for label, big in (("value over -I", over_value),
                       ("item over -I, value under", over_item)):
        for action in ("SET", "SET+UNIQUE", "CAS", "ADD", "REPLACE",
                       "APPEND"):
            flush(srv)
            compact(srv, req("CLEAR", "SET", K(b"k"), V(b"old"), "GO"))
            cas = gets_cas(srv, b"k")
            parts = ["CLEAR", K(b"k"), ("VALUE", big)]
            if action == "SET+UNIQUE":
                parts += ["SET", ("UNIQUE", cas)]
            elif action == "CAS":
                parts += ["CAS", ("UNIQUE", cas)]
            else:
                parts += [action]
            r = compact(srv, req(*parts, "GO"))
            after = get_state(srv, b"k")
            out.append(f"compact {action}, {label}: {r}; then GET k: "
                       f"{after}")
        for cmd in ("set", "cas", "add", "replace", "append"):
            flush(srv)
            ascii(srv, b"set k 0 0 3\r\nold\r\n")
            cas = gets_cas(srv, b"k")
            line = b"%s k 0 0 %d" % (cmd.encode(), len(big))
            if cmd == "cas":
                line += b" %d" % cas
            r = ascii(srv, line + b"\r\n" + big + b"\r\n")
            after = ascii(srv, b"get k\r\n")
            out.append(f"ascii {cmd}, {label}: {r}; then get k: {after}")
        for name, cas_on in (("set", False), ("set with cas", True),
                             ("add", False), ("replace", False)):
            flush(srv)
            ascii(srv, b"set k 0 0 3\r\nold\r\n")
            cas = gets_cas(srv, b"k") if cas_on else 0
            op = BIN[name.split()[0]]
            r = binary(srv, breq(op, b"k", struct.pack(">II", 0, 0), big,
                                 cas=cas))
            after = ascii(srv, b"get k\r\n")
            out.append(f"binary {name}, {label}: {r}; then get k: {after}")
    return out


@probe("CAS register on actions the spec does not tie to it",
       "3.2 says SET, DELETE and CAS check the CAS register; registers stay "
       "set until CLEAR, so a stale UNIQUE reaches every later action. Which "
       "others check it?")
def p_stale_cas(srv, limit):
    out = []
    for action, needs_value, start in (
            ("ADD", True, None), ("ADD", True, b"v"),
            ("REPLACE", True, b"v"), ("APPEND", True, b"v"),
            ("PREPEND", True, b"v"), ("INCR", False, b"5"),
            ("DECR", False, b"5"), ("TOUCH", False, b"v"),
            ("GAT", False, b"v"), ("GET", False, b"v")):
        for which in ("wrong", "right"):
            flush(srv)
            if start is not None:
                compact(srv, req("CLEAR", "SET", K(b"k"), V(start), "GO"))
            cas = gets_cas(srv, b"k") if start is not None else None
            unique = 0x7777777777 if which == "wrong" or cas is None else cas
            parts = ["CLEAR", action, K(b"k"), ("UNIQUE", unique)]
            if needs_value:
                parts.append(V(b"w"))
            if action in ("INCR", "DECR"):
                parts.append(("DELTA8", 1))
            if action in ("TOUCH", "GAT"):
                parts.append(("EXPTIME", 3600))
            r = compact(srv, req(*parts, "GO"))
            out.append(f"{action} on {'a missing key' if start is None else 'k'}"
                       f" with {which} UNIQUE: {r}; then {get_state(srv, b'k')}")
            if start is None:
                break
    # The binary protocol: ADD/REPLACE/APPEND/INCR with a CAS in the header.
    for name, opc, extras in (("add", BIN["add"], struct.pack(">II", 0, 0)),
                              ("replace", BIN["replace"],
                               struct.pack(">II", 0, 0)),
                              ("append", BIN["append"], b""),
                              ("incr", BIN["incr"],
                               struct.pack(">QQI", 1, 0, 0xFFFFFFFF))):
        flush(srv)
        ascii(srv, b"set k 0 0 1\r\n5\r\n")
        r = binary(srv, breq(opc, b"k", extras,
                             b"" if name == "incr" else b"w",
                             cas=0x7777777777))
        out.append(f"binary {name} on k with a wrong CAS: {r}")
    return out


@probe("UNIQUE 0",
       "Is UNIQUE 0 a compare against 0 (always EXISTS) or 'no CAS' (the "
       "binary protocol's reading of a zero CAS)?")
def p_unique0(srv, limit):
    out = []
    for action in ("SET", "CAS", "DELETE"):
        flush(srv)
        compact(srv, req("CLEAR", "SET", K(b"k"), V(b"v"), "GO"))
        parts = ["CLEAR", action, K(b"k"), ("UNIQUE", 0)]
        if action != "DELETE":
            parts.append(V(b"w"))
        out.append(f"compact {action} with UNIQUE 0: "
                   f"{compact(srv, req(*parts, 'GO'))}")
    flush(srv)
    ascii(srv, b"set k 0 0 1\r\nv\r\n")
    out.append("ascii cas k 0 0 1 0: " +
               ascii(srv, b"cas k 0 0 1 0\r\nw\r\n"))
    return out


@probe("INCR/DECR creating with INITIAL",
       "The spec does not say which flags and expiry a counter created from "
       "INITIAL gets, nor whether EXPTIME -1 (0xFFFFFFFF, the binary "
       "protocol's 'do not create') still creates it.")
def p_initial(srv, limit):
    out = []
    for exptime, flags in ((None, 7), (3600, 7), (-1, None),
                           (2592001, None)):
        flush(srv)
        parts = ["CLEAR", "INCR", K(b"n"), ("DELTA8", 1), ("INITIAL", 10)]
        if exptime is not None:
            parts.append(("EXPTIME", exptime & 0xFFFFFFFF))
        if flags is not None:
            parts.append(("FLAGS", flags))
        r = compact(srv, req(*parts, "GO"))
        after = get_state(srv, b"n")
        meta = ascii(srv, b"mg n f t v\r\n")
        out.append(f"INCR INITIAL 10, EXPTIME {exptime}, FLAGS {flags}: {r};"
                   f" then GET: {after}; mg n f t v: {meta}")
    flush(srv)
    r = binary(srv, breq(BIN["incr"], b"n", struct.pack(">QQI", 1, 10,
                                                        0xFFFFFFFF)))
    out.append(f"binary incr with initial and expiration 0xFFFFFFFF: {r}")
    flush(srv)
    r = binary(srv, breq(BIN["incr"], b"n", struct.pack(">QQI", 1, 10,
                                                        3600)))
    out.append(f"binary incr with initial 10 and expiration 3600: {r}; "
               f"mg n f t v: {ascii(srv, b'mg n f t v' + bytes([13, 10]))}")
    return out


@probe("EXPTIME on INCR of an existing counter",
       "Does a set EXPTIME register change the expiry of an existing counter "
       "on INCR (the binary protocol's incr never does)?")
def p_incr_exptime(srv, limit):
    flush(srv)
    ascii(srv, b"set n 0 0 1\r\n5\r\n")
    r1 = compact(srv, req("CLEAR", "INCR", K(b"n"), ("DELTA8", 1),
                          ("EXPTIME", 3600), "GO"))
    t1 = ascii(srv, b"mg n t v\r\n")
    r2 = compact(srv, req("CLEAR", "INCR", K(b"n"), ("DELTA8", 1),
                          ("EXPTIME", 0xFFFFFFFF), "GO"))
    t2 = ascii(srv, b"mg n t v\r\n")
    return [f"INCR with EXPTIME 3600: {r1}; mg n t v: {t1}",
            f"INCR with EXPTIME -1: {r2}; mg n t v: {t2}"]


@probe("SKIPPED over 255, and across CLEAR",
       "SKIPPED is 'count, at most 255': saturating or modulo 256? Does "
       "CLEAR (which forgets 'every register, flag, pending error and the "
       "action') reset the count?")
def p_skipped(srv, limit):
    out = []
    for n in (255, 256, 300, 600):
        r = compact(srv, req("CLEAR") + b"\x1e" * n + req("NOOP", "GO"))
        out.append(f"{n} unknown opcodes then NOOP GO: {r}")
    r = compact(srv, req("CLEAR") + b"\x1e\x1e" + req("CLEAR", "NOOP", "GO"))
    out.append(f"2 unknown, CLEAR, NOOP GO: {r}")
    r = compact(srv, req("CLEAR", "QUIET", "SET", K(b"k"), V(b"v")) +
                b"\x1e" + req("GO", "NOOP", "GO"))
    out.append(f"unknown before a quiet SET GO, then NOOP GO: {r}")
    return out


@probe("Pending errors and the next GO",
       "A bad KEY (or an oversized VALUE) makes 'the next GO' answer INVALID "
       "(TOO_LARGE), whatever action that GO runs?")
def p_pending(srv, limit):
    out = []
    flush(srv)
    r = compact(srv, req("CLEAR", ("KEY", b"x" * 251), "NOOP", "GO", "GO"))
    out.append(f"KEY of 251 bytes, NOOP GO, GO: {r}")
    r = compact(srv, req("CLEAR", ("KEY", b"x" * 251), "GET", "GO", "GO"))
    out.append(f"KEY of 251 bytes, GET GO, GO: {r}")
    r = compact(srv, req("CLEAR", ("KEY", b""), "GET", "GO"))
    out.append(f"KEY of 0 bytes, GET GO: {r}")
    r = compact(srv, req("CLEAR", K(b"k"), ("VALUE", b"x" * (limit + 1)),
                         "GET", "GO", "SET", "GO"))
    out.append(f"VALUE over -I, GET GO, SET GO: {r}")
    r = compact(srv, req("CLEAR", K(b"k"), ("VALUE", b"x" * (limit + 1)),
                         "CLEAR", "NOOP", "GO"))
    out.append(f"VALUE over -I, CLEAR, NOOP GO: {r}")
    r = compact(srv, req("CLEAR", ("KEY", b"x" * 251), K(b"k"), "GET", "GO"))
    out.append(f"KEY of 251 bytes then a good KEY, GET GO: {r}")
    return out


@probe("QUIET on actions without a 'success' reply",
       "QUIET means 'no reply on success'; NOOP is 'never quiet'. What about "
       "VERSION, STATS, FLUSH, VERBOSITY, TOUCH?")
def p_quiet(srv, limit):
    out = []
    flush(srv)
    compact(srv, req("CLEAR", "SET", K(b"k"), V(b"v"), "GO"))
    for action, extra in (("VERSION", []), ("FLUSH", []),
                          ("VERBOSITY", []), ("TOUCH", [K(b"k"),
                                                        ("EXPTIME", 0)]),
                          ("STATS", [("GROUP", b"sizes")]),
                          ("NOOP", [])):
        r = compact(srv, req("CLEAR", "QUIET", action, *extra, "GO",
                             "CLEAR", "NOOP", "GO"))
        out.append(f"QUIET {action} GO, CLEAR NOOP GO: {r}")
    return out


@probe("WANT_CAS and WANT_KEY on other replies",
       "WANT_CAS names get, gat, stores and incr/decr; WANT_KEY names get "
       "and gat. What do DELETE, TOUCH and a miss carry?")
def p_want(srv, limit):
    out = []
    flush(srv)
    compact(srv, req("CLEAR", "SET", K(b"k"), V(b"v"), "GO"))
    for action, extra in (("TOUCH", [("EXPTIME", 0)]), ("DELETE", []),
                          ("GET", []), ("SET", [V(b"w")]),
                          ("INCR", [("DELTA8", 1), ("INITIAL", 1)])):
        r = compact(srv, req("CLEAR", "WANT_CAS", "WANT_KEY", action,
                             K(b"k"), *extra, "GO"))
        out.append(f"WANT_CAS WANT_KEY {action} k: {r}")
    r = compact(srv, req("CLEAR", "WANT_CAS", "WANT_KEY", "GET", K(b"none"),
                         "GO"))
    out.append(f"WANT_CAS WANT_KEY GET of a missing key: {r}")
    return out


@probe("Reply field forms",
       "VALUE8 for values up to 255 bytes, VALUE for longer; FLAGS only when "
       "not 0. An empty value?")
def p_forms(srv, limit):
    out = []
    for n in (0, 255, 256):
        flush(srv)
        compact(srv, req("CLEAR", "SET", K(b"k"), ("VALUE", b"x" * n),
                         ("FLAGS", 0), "GO"))
        out.append(f"{n}-byte value, flags 0: "
                   f"{compact(srv, req('CLEAR', 'GET', K(b'k'), 'GO'))}")
    return out


@probe("Extended table: unregistered actions",
       "Section 2 reserves 0xFF 0x00-0x1F for registered commands; a server "
       "with none registered skips them (SKIPPED). Does GO then run the "
       "previously selected action?")
def p_extended(srv, limit):
    out = []
    flush(srv)
    r = compact(srv, req("CLEAR", "NOOP") + encode_extended(0x00) +
                req("GO"))
    out.append(f"NOOP, 0xFF 0x00, GO: {r}")
    r = compact(srv, req("CLEAR") + encode_extended(0x05) + req("GO"))
    out.append(f"0xFF 0x05 alone, GO: {r}")
    r = compact(srv, req("CLEAR", "NOOP") + b"\x1a" + req("GO"))
    out.append(f"NOOP, unknown action-range 0x1A, GO: {r}")
    return out


@probe("FRAMING replies",
       "Do OPAQUE and SKIPPED appear in the FRAMING reply (OPAQUE is 'every "
       "reply while set')?")
def p_framing(srv, limit):
    r = compact(srv, req("CLEAR", ("OPAQUE", 7)) + b"\x1e\xc0")
    return [f"OPAQUE 7, one unknown, reserved 0xC0: {r}"]


@probe("EXPTIME as a signed number",
       "EXPTIME is 'a signed 32-bit number': 0x80000000 and up are "
       "negative, so already expired. FLUSH with a negative delay?")
def p_signed(srv, limit):
    out = []
    flush(srv)
    r = compact(srv, req("CLEAR", "SET", K(b"k"), V(b"v"),
                         ("EXPTIME", 4000000000), "GO", "GET", "GO"))
    out.append(f"SET with EXPTIME 4000000000, GET: {r}")
    out.append("ascii set k 0 4000000000 1: " +
               ascii(srv, b"set k 0 4000000000 1\r\nv\r\nget k\r\n"))
    compact(srv, req("CLEAR", "SET", K(b"k"), V(b"v"), "GO"))
    r = compact(srv, req("CLEAR", "FLUSH", ("EXPTIME", 0xFFFFFFFF), "GO",
                         "GET", K(b"k"), "GO"))
    out.append(f"FLUSH with EXPTIME -1, GET k: {r}")
    ascii(srv, b"set k 0 0 1\r\nv\r\n")
    out.append("ascii flush_all -1, get k: " +
               ascii(srv, b"flush_all -1\r\nget k\r\n"))
    return out


@probe("VERBOSITY and the shared DELTA register",
       "VERBOSITY reads DELTA, which INCR also uses: a stream-lined INCR "
       "leaves its DELTA as the next VERBOSITY level.")
def p_verbosity(srv, limit):
    r = compact(srv, req("CLEAR", ("DELTA64", 1 << 40), "VERBOSITY", "GO",
                         ("DELTA8", 0), "GO"))
    return [f"DELTA64 2^40, VERBOSITY GO, DELTA8 0 GO: {r}"]


@probe("After a reply over 256 KiB (a bug check, not a spec question)",
       "A write of more than 256 KiB of replies ends; the next request must "
       "be answered, once, and nothing else. Each protocol on its own "
       "connection: a 300 KB GET hit and a NOOP/version in one write, then "
       "a set of k, then a get of k.")
def p_backpressure(srv, limit):
    out = []
    if limit < 300000 + 100:
        return ["needs -I of at least 300k"]
    big = os.urandom(300000)

    def session(steps, show):
        s = connect(srv.port)
        res = []
        try:
            for data in steps:
                s.sendall(data)
                s.settimeout(0.5)
                got = b""
                try:
                    while True:
                        x = s.recv(1 << 20)
                        if not x:
                            got += b"<closed>"
                            break
                        got += x
                except socket.timeout:
                    pass
                res.append(show(got))
        finally:
            s.close()
        return res

    def cshow(b):
        dec = ReplyDecoder()
        rs = [r.describe(8) for r in dec.feed(b.replace(b"<closed>", b""))]
        return " | ".join(rs) or "<nothing>"
    o = lambda n: ("OPAQUE", n)   # noqa: E731
    r = session([req("CLEAR", o(1), "SET", K(b"a"), ("VALUE", big), "GO"),
                 req("GET", o(2), "GO", "NOOP", o(3), "GO"),
                 req("SET", o(4), K(b"k"), V(b"x"), "GO"),
                 req("GET", o(5), K(b"k"), "GO")], cshow)
    out.append("compact: SET a; [GET a (OPAQUE 2), NOOP (OPAQUE 3)]; SET k "
               "(OPAQUE 4); GET k (OPAQUE 5): " + " ; ".join(r))

    def ashow(b):
        t = b.decode("latin-1")
        return (f"{len(b)} bytes ending {t[-40:]!r}" if len(b) > 100
                else repr(t))
    r = session([b"set a 0 0 %d\r\n%s\r\n" % (len(big), big),
                 b"get a\r\nversion\r\n", b"set k 0 0 1\r\nx\r\n",
                 b"get k\r\n"], ashow)
    out.append("ascii: set a; [get a, version]; set k; get k: " +
               " ; ".join(r))

    def bshow(b):
        res = []
        while len(b) >= 24:
            h = BIN_HEADER.unpack(b[:24])
            res.append(f"op {h[1]:#04x} status {h[5]} opaque {h[7]}")
            b = b[24 + h[6]:]
        return " | ".join(res) or "<nothing>"
    r = session([breq(BIN["set"], b"a", struct.pack(">II", 0, 0), big,
                      opaque=1),
                 breq(BIN["get"], b"a", opaque=2) + breq(BIN["noop"],
                                                        opaque=3),
                 breq(BIN["set"], b"k", struct.pack(">II", 0, 0), b"x",
                      opaque=4),
                 breq(BIN["get"], b"k", opaque=5)], bshow)
    out.append("binary: SET a; [GET a (opaque 2), NOOP (3)]; SET k (4); "
               "GET k (5): " + " ; ".join(r))
    return out


def main(binary_path, limit):
    srv = Server(binary_path, limit)
    try:
        for title, question, fn in PROBES:
            print(f"## {title}\n{question}")
            try:
                for line in fn(srv, limit):
                    print(f"  - {line}")
            except Exception as e:   # a probe must not stop the others
                print(f"  - probe failed: {type(e).__name__}: {e}")
            print()
            if not srv.alive():
                print("the server died; restarting")
                srv.stop()
                srv = Server(binary_path, limit)
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    from compact_model import DEFAULT_BIN
    sys.exit(main(DEFAULT_BIN, 1 << 20))
