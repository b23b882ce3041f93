"""Parsing and normalizing replies, and comparing them.

A reply stream is cut into units (a line, a VALUE/VA line with its data
block, a block of STAT lines with its END, one binary packet, a block of
binary STAT packets).  Every unit keeps its byte range in the raw stream,
so a mismatch is shown at its byte offset.  Normalization is applied unit
by unit, and only where README.md of tools/difftest lists it:

  N1 CAS uniques -> ids in order of first appearance, per server
  N2 VERSION 1.6.18-tinkercache-X -> VERSION 1.6.18 (ASCII line, binary
     VERSION body, stats `version` value is not compared)
  N3 seconds-valued fields (meta t and l flags, me exp= and la=, stats
     cachedump expiry, stats conns secs_since_last_cmd) equal within 2 s
  N4 me cls= and size= not compared (README: engine's own size, class 1)
  N5 stats: names both servers send are compared in their relative order;
     values only for the counters in GENERAL_VALUES / settings except
     SETTINGS_SKIP; items/slabs layout (slab classes) not compared;
     stats conns fd numbers and ports mapped; stats detail dump lines
     compared as a sorted list (memcached prints its hash table order);
     an empty `stats items` equals a non-empty one (memcached lists expired
     and flushed items until it reclaims them)
  N7 a meta t flag of 2^31 or more reads as 0: memcached prints a TTL that
     has already passed (T-100, an absolute time in the past) as an
     unsigned 32-bit number, tinkercache as 0
  N8 me fetch= of the counter keys (n0, n1, n2) is not compared, mg does
     not ask them for h, N or R and md does not mark them stale (I):
     memcached drops the fetched, stale and win-token bits when it replaces
     a counter by a new item, which it does whenever anything else holds
     the item at that instant (its LRU threads included)
  N6 a counter's space padding: spaces right after a value's leading digits
     are dropped, and a meta s flag beside that value counts without them
     (memcached pads an incr/decr result in place only while
     no unsent reply still holds the item, which depends on its reference
     counting; tinkercache always pads, as memcached does when idle)
"""

import base64
import re
import struct

from generators import NUMERIC

TOLERANCE = 2

_PADDED_COUNTER = re.compile(rb"(\d+) +", re.S)


def unpad(data):
    """N6: a value without the spaces an in-place incr/decr left after its
    leading digits (also when data was appended to the counter later)."""
    m = _PADDED_COUNTER.match(data)
    return m.group(1) + data[m.end():] if m else data


class Tol:
    """A number of seconds: equal to another within TOLERANCE."""
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, Tol) and abs(self.v - other.v) <= TOLERANCE

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return f"~{self.v}"


class CasMap:
    """CAS unique <-> id in order of first appearance (0 stays 0)."""

    def __init__(self):
        self.ids = {}
        self.values = []

    def id(self, value):
        if value == 0:
            return ("cas", 0)
        if value not in self.ids:
            self.values.append(value)
            self.ids[value] = len(self.values)
        return ("cas", self.ids[value])


# Counters in general `stats` whose values the stream decides on both
# servers alike.  Left out: time, pids, rusage, memory and slab figures,
# thread counts, curr_items/total_items/bytes (memcached keeps expired and
# flushed items until its LRU crawler or a fetch reclaims them),
# get_expired/get_flushed (same reason), curr_connections (when a closed
# connection is reaped), bytes_read/written (read batching, reply sizes).
GENERAL_VALUES = {
    b"cmd_get", b"cmd_set", b"cmd_flush", b"cmd_touch", b"cmd_meta",
    b"get_hits", b"get_misses", b"delete_misses", b"delete_hits",
    b"incr_misses", b"incr_hits", b"decr_misses", b"decr_hits",
    b"cas_misses", b"cas_hits", b"cas_badval", b"touch_hits",
    b"touch_misses", b"store_too_large", b"store_no_memory",
    b"limit_maxbytes", b"max_connections", b"total_connections",
    b"rejected_connections", b"pointer_size", b"accepting_conns",
    b"evictions", b"auth_cmds", b"auth_errors",
}
# `stats settings` values not compared: the port (mapped), threads (-t 2 vs
# memcached's default 4), `oldest` (a time).
SETTINGS_SKIP = {b"num_threads", b"oldest"}


class StatsView:
    """A STAT block; equality per N5."""

    def __init__(self, kind, pairs, port):
        self.kind = kind
        self.pairs = pairs
        self.port = port

    def _order(self, names, other_names):
        common = set(names) & set(other_names)
        return [n for n in names if n in common]

    def __eq__(self, other):
        if not isinstance(other, StatsView):
            return False
        if {self.kind, other.kind} == {"items", "empty"}:
            # memcached counts expired and flushed items until they are
            # reclaimed; `stats items` with none left is just END
            return True
        if self.kind != other.kind:
            return False
        if self.kind in ("general", "settings"):
            a = [n for n, _ in self.pairs]
            b = [n for n, _ in other.pairs]
            if self._order(a, b) != self._order(b, a):
                return False
            va, vb = dict(self.pairs), dict(other.pairs)
            for n in set(va) & set(vb):
                if self.kind == "general" and n not in GENERAL_VALUES:
                    continue
                if self.kind == "settings":
                    if n in SETTINGS_SKIP:
                        continue
                    if n == b"tcpport":
                        if (va[n] == b"%d" % self.port) != \
                                (vb[n] == b"%d" % other.port):
                            return False
                        continue
                if va[n] != vb[n]:
                    return False
            return True
        if self.kind in ("items", "slabs"):
            a, b = self.fields(), other.fields()
            return self._order(a, b) == self._order(b, a)
        if self.kind == "conns":
            return self.conns() == other.conns()
        return self.pairs == other.pairs

    def __ne__(self, other):
        return not self == other

    def diff(self, other):
        """Where two views differ, in words."""
        if not isinstance(other, StatsView):
            return "not both stats"
        if self.kind != other.kind:
            return f"kind {self.kind} vs {other.kind}"
        if self.kind in ("general", "settings"):
            a = [n for n, _ in self.pairs]
            b = [n for n, _ in other.pairs]
            oa, ob = self._order(a, b), self._order(b, a)
            words = []
            if oa != ob:
                k = next(i for i in range(len(oa)) if oa[i] != ob[i])
                words.append(f"order of common names differs at {oa[k]!r} "
                             f"(reference) vs {ob[k]!r}")
            va, vb = dict(self.pairs), dict(other.pairs)
            out = [f"{n.decode()}: {va[n]!r} vs {vb[n]!r}" for n in a
                   if n in vb and va[n] != vb[n] and
                   (n in GENERAL_VALUES if self.kind == "general" else
                    n not in SETTINGS_SKIP and n != b"tcpport")]
            if out:
                words.append("values: " + "; ".join(out))
            return "; ".join(words)
        if self.kind in ("items", "slabs"):
            return f"field order {self.fields()} vs {other.fields()}"
        if self.kind == "conns":
            return f"{self.conns()} vs {other.conns()}"
        return f"{self.pairs[:20]} vs {other.pairs[:20]}"

    def fields(self):
        """items:N:field / N:field -> field order; global names too."""
        out = []
        for n, _ in self.pairs:
            f = re.sub(rb"^(items:)?\d+:", b"", n)
            if f not in out:
                out.append(f)
        return out

    def conns(self):
        fds, out = {}, []
        for n, v in self.pairs:
            m = re.match(rb"^(\d+):(.*)$", n)
            if not m:
                out.append((n, v))
                continue
            fd = fds.setdefault(m.group(1), len(fds))
            field = m.group(2)
            if field in (b"addr", b"listen_addr"):
                pm = re.match(rb"^(\w+):127\.0\.0\.1:(\d+)$", v)
                if pm:
                    v = pm.group(1) + (b":<listen>" if int(pm.group(2)) ==
                                       self.port else b":<client>")
            elif field == b"secs_since_last_cmd" and v.isdigit():
                v = Tol(int(v))
            out.append((fd, field, v))
        return out

    def __repr__(self):
        return f"StatsView({self.kind}, {len(self.pairs)} names)"


def stats_kind(names):
    if not names:
        return "empty"
    s = set(names)
    if b"pid" in s and b"uptime" in s:
        return "general"
    if b"maxbytes" in s:
        return "settings"
    if all(re.match(rb"^items:\d+:", n) for n in names):
        return "items"
    if b"active_slabs" in s or any(re.match(rb"^\d+:chunk_size$", n)
                                   for n in names):
        return "slabs"
    if any(re.match(rb"^\d+:(addr|state)$", n) for n in names):
        return "conns"
    return "other"


# ---------------------------------------------------------------- ascii ---

META_RC = {b"HD", b"NF", b"NS", b"EX", b"EN", b"MN"}
INT = re.compile(rb"^-?\d+$")


def meta_flags(tokens, cas):
    out = []
    for t in tokens:
        c = t[:1]
        rest = t[1:]
        if c == b"c" and rest.isdigit():
            out.append(cas.id(int(rest)))
        elif c in (b"t", b"l") and INT.match(rest) and rest != b"-1":
            n = int(rest)
            if c == b"t" and n >= 1 << 31:
                n = 0  # N7: memcached's unsigned wrap of a TTL already past
            out.append((c, Tol(n)))
        else:
            out.append(t)
    return tuple(out)


# N8: the counter keys of generators.NUMERIC, plain and in base64.
COUNTER_KEYS = set(NUMERIC) | {base64.b64encode(k) for k in NUMERIC}

VERSION_RE = re.compile(rb"^VERSION 1\.6\.18-tinkercache-\S+$")


def norm_line(line, cas):
    if VERSION_RE.match(line):
        return ("line", b"VERSION 1.6.18")
    tokens = line.split(b" ")
    if tokens[0] in META_RC:
        return ("meta", tokens[0], meta_flags(tokens[1:], cas))
    if tokens[0] == b"ME" and len(tokens) >= 3:
        out = []
        for t in tokens[2:]:
            k, eq, v = t.partition(b"=")
            if k in (b"exp", b"la") and INT.match(v) and v != b"-1":
                out.append((k, Tol(int(v))))
            elif k == b"cas" and v.isdigit():
                out.append((k, cas.id(int(v))))
            elif k in (b"cls", b"size") and eq:
                out.append((k, b"<masked>"))
            elif k == b"fetch" and tokens[1] in COUNTER_KEYS:
                out.append((k, b"<masked>"))  # N8
            else:
                out.append(t)
        return ("ME", tokens[1], tuple(out))
    return ("line", line)


def size_flag(flag, padded, size):
    return b"s%d" % size if flag == b"s%d" % padded else flag


def parse_ascii(buf, cas, port):
    """Units of an ASCII reply stream: list of (start, end, norm)."""
    units = []
    pos, n = 0, len(buf)
    while pos < n:
        nl = buf.find(b"\r\n", pos)
        if nl < 0:
            units.append((pos, n, ("partial", buf[pos:])))
            break
        line = buf[pos:nl]
        start = pos
        pos = nl + 2
        if line.startswith(b"VALUE ") or line.startswith(b"VA "):
            t = line.split(b" ")
            size = None
            if t[0] == b"VALUE" and len(t) in (4, 5) and t[3].isdigit():
                size = int(t[3])
            elif t[0] == b"VA" and len(t) >= 2 and t[1].isdigit():
                size = int(t[1])
            if size is not None:
                if pos + size + 2 > n:
                    units.append((start, n, ("partial", buf[start:])))
                    break
                data = buf[pos:pos + size]
                term = buf[pos + size:pos + size + 2]
                pos += size + 2
                padded = len(data)
                data = unpad(data)
                size = len(data)
                if t[0] == b"VALUE":
                    c = cas.id(int(t[4])) if len(t) == 5 and \
                        t[4].isdigit() else tuple(t[4:])
                    norm = ("VALUE", t[1], t[2], size, c, data, term)
                else:
                    flags = meta_flags(t[2:], cas)
                    if size != padded:  # N6: the item size (s) unpadded too
                        flags = tuple(size_flag(f, padded, size)
                                      for f in flags)
                    norm = ("VA", size, flags, data, term)
                units.append((start, pos, norm))
                continue
        if line.startswith(b"STAT ") or line.startswith(b"PREFIX ") or \
                line.startswith(b"ITEM "):
            lines = [line]
            while True:
                nl = buf.find(b"\r\n", pos)
                if nl < 0:
                    break
                nxt = buf[pos:nl]
                pos = nl + 2
                lines.append(nxt)
                if nxt == b"END":
                    break
            if lines[-1] != b"END":
                units.append((start, n, ("partial", buf[start:])))
                break
            units.append((start, pos, stat_block(lines[:-1], port)))
            continue
        units.append((start, pos, norm_line(line, cas)))
    return units


def stat_block(lines, port):
    if all(l.startswith(b"PREFIX ") for l in lines):
        return ("PREFIX", tuple(sorted(lines)))
    if all(l.startswith(b"ITEM ") for l in lines):
        out = []
        for l in lines:
            m = re.match(rb"^ITEM (.*) \[(\d+) b; (\d+) s\]$", l)
            out.append((m.group(1), m.group(2), Tol(int(m.group(3))))
                       if m else l)
        return ("ITEM", tuple(out))
    pairs = []
    for l in lines:
        parts = l.split(b" ", 2)
        if parts[0] != b"STAT" or len(parts) < 2:
            return ("STATLINES", tuple(lines))
        pairs.append((parts[1], parts[2] if len(parts) > 2 else None))
    names = [p[0] for p in pairs]
    return ("STATS", StatsView(stats_kind(names), pairs, port))


def count_mn(units):
    return sum(1 for u in units if u[2] == ("meta", b"MN", ()))


# --------------------------------------------------------------- binary ---

HDR = struct.Struct(">BBHBBHIIQ")


# GET, GETQ, GETK, GETKQ, GAT, GATQ, GATK, GATKQ: replies that carry a value.
GET_OPCODES = {0x00, 0x09, 0x0c, 0x0d, 0x1d, 0x1e, 0x23, 0x24}


def parse_binary(buf, cas, port):
    units = []
    pos, n = 0, len(buf)
    pending = None  # a stats block being collected
    while pos + 24 <= n:
        magic, op, kl, el, dt, status, bl, opaque, c = \
            HDR.unpack_from(buf, pos)
        if pos + 24 + bl > n:
            break
        body = buf[pos + 24:pos + 24 + bl]
        extras, key = body[:el], body[el:el + kl]
        value = body[el + kl:]
        start = pos
        pos += 24 + bl
        if magic == 0x81 and op == 0x0b and status == 0 and \
                value.startswith(b"1.6.18-tinkercache-"):
            value = b"1.6.18"
        if magic == 0x81 and op == 0x10 and status == 0:
            if pending is None:
                pending = [start, [], opaque]
            if kl:
                pending[1].append((key, value))
                continue
            pairs = pending[1]
            kind = stats_kind([k for k, _ in pairs])
            units.append((pending[0], pos,
                          ("bSTATS", StatsView(kind, pairs, port),
                           pending[2], opaque, cas.id(c), extras)))
            pending = None
            continue
        if pending is not None:  # stats block cut short
            units.append((pending[0], start, ("bSTATS-partial",
                                              tuple(pending[1]))))
            pending = None
        if magic == 0x81 and status == 0 and op in GET_OPCODES:
            value = unpad(value)
        # (body length is implied by extras, key and value)
        units.append((start, pos, ("pkt", magic, op, kl, el, dt, status,
                                   opaque, cas.id(c), extras, key, value)))
    if pending is not None:
        units.append((pending[0], pos, ("bSTATS-partial",
                                        tuple(pending[1]))))
    if pos < n:
        units.append((pos, n, ("partial", buf[pos:])))
    return units


def binary_sentinel_seen(buf, opaque):
    """The stream parses as packets and its last is our NOOP reply."""
    pos, n, last = 0, len(buf), None
    while pos + 24 <= n:
        magic, op, kl, el, dt, status, bl, opq, c = HDR.unpack_from(buf, pos)
        if magic != 0x81:
            return False
        if pos + 24 + bl > n:
            return False
        last = (op, opq, pos + 24 + bl)
        pos += 24 + bl
    return last is not None and pos == n and last[0] == 0x0a and \
        last[1] == opaque


# ------------------------------------------------------------- compare ---

def empty_items(a, b):
    """memcached lists `stats items` for flushed and expired items it has
    not reclaimed yet; tinkercache, which removes them, has none: a bare END
    there is equal (the same rule as StatsView's items vs empty)."""
    for x, y in ((a, b), (b, a)):
        if x[0] == "STATS" and x[1].kind == "items" and y == ("line", b"END"):
            return True
    return False


def first_difference(ua, ub):
    """Index of the first unit that differs, or None."""
    for i in range(max(len(ua), len(ub))):
        if i >= len(ua) or i >= len(ub):
            return i
        if ua[i][2] != ub[i][2] and not empty_items(ua[i][2], ub[i][2]):
            return i
    return None


def escape(b, limit=600):
    """Escaped bytes, long runs cut in the middle."""
    if len(b) > limit:
        head, tail = b[:limit * 2 // 3], b[-limit // 3:]
        return escape(head, limit) + f"...<{len(b) - len(head) - len(tail)}" \
            " bytes>..." + escape(tail, limit)
    out = []
    for c in b:
        if c == 0x5c:
            out.append("\\\\")
        elif c == 13:
            out.append("\\r")
        elif c == 10:
            out.append("\\n\n" if False else "\\n")
        elif 32 <= c < 127:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def around(buf, offset, before=200, after=400):
    """The raw stream around `offset`, escaped, with the offset marked."""
    lo = max(0, offset - before)
    hi = min(len(buf), offset + after)
    s = ""
    if lo:
        s += f"...<{lo} bytes>..."
    s += escape(buf[lo:offset], 10 ** 9) + " >>>HERE>>> " + \
        escape(buf[offset:hi], 10 ** 9)
    if hi < len(buf):
        s += f"...<{len(buf) - hi} more bytes>"
    return s


def brief(unit):
    """A short signature of a unit, for grouping mismatches."""
    if unit is None:
        return "<nothing>"
    norm = unit[2]
    kind = norm[0]
    if kind == "line":
        return "line:" + norm[1][:40].decode("latin-1")
    if kind == "meta":
        return "meta:" + norm[1].decode()
    if kind == "pkt":
        return "pkt:op=0x%02x,status=0x%x" % (norm[2], norm[6])
    if kind in ("STATS", "bSTATS"):
        return kind + ":" + norm[1].kind
    return kind
