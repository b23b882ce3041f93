"""Seeded request-stream generators for the differential tester.

Each generator is a pure function of its random.Random: the bytes it asks
to send never depend on what a server answered.  The one exception is a CAS
unique, which no stream can know in advance: a `CasRef` stands for "the
CAS unique with id (r mod n)", n being the number of distinct CAS uniques
the reference has shown so far (ids are given in order of first appearance,
the same mapping the comparison uses).  The runner resolves it per server,
so a `cas`/`C` that names a real item reaches both servers as that item's
unique in each server's own numbering.

Documented deliberate differences (README.md of the repository) are not
generated unless `strict=True`; each is named in EXCLUSIONS and guarded by
a `not strict` test where it would be generated.
"""

import base64
import struct

# The deliberate differences README.md documents, left out of the streams
# by default (--strict generates them too).
EXCLUSIONS = [
    "ascii: `stats cachedump 1 N` (README: every item is in slab class 1 "
    "here, memcached's class 1 holds only items of up to 96 bytes; "
    "test_vs_memcached compares it on such items)",
    "ascii: command lines over 2048 bytes other than get/gets (README: "
    "'CLIENT_ERROR line too long' and close vs memcached's silent close); "
    "gat/gats lines stay under 2048 too (memcached closes them or not "
    "depending on how the line is split into reads)",
    "ascii: a too-long key after the first key of a multi-key get (README: "
    "memcached also drops earlier replies of the same read); a get whose "
    "first key is too long starts its batch for the same reason",
    "ascii: first byte of a connection is a control byte (README: compact "
    "protocol); the runner opens every connection with mn / NOOP",
    "meta: E flag (README: 1.6.18 refuses it)",
    "meta: C flag on mg (README: 1.6.18 ignores it)",
    "meta: N flag on ms in append/prepend mode (README)",
    "meta: O opaque of 32 bytes or more on mg and ma (README: refused "
    "before it changes anything; memcached applies it, then refuses)",
    "meta: t or R before T or N on one mg (README: t and R see the TTL T "
    "and N set, wherever they stand); R with a T already past (README)",
    "binary: FLUSH whose delay is an absolute time in the past (README: "
    "memcached flushes nothing, tinkercache flushes at once)",
    "meta: T on ma (README: memcached drops it when the new value does not "
    "fit in place, and applies T and N in order on a counter it creates)",
    "binary: well-formed VERBOSITY (README: tinkercache answers it)",
    "binary: unknown opcode carrying a body, and VERBOSITY with a body of "
    "the wrong size, which memcached treats the same way (README: memcached "
    "loses the next request)",
    "binary: TOUCH, GAT(Q/K/KQ) or STAT carrying a value (README: memcached "
    "serves it and reads the value as the next request; tinkercache "
    "refuses it and closes)",
    "all: flush_all delays of 1..3599 s (memcached hides items stored in "
    "the second its flush takes effect); a delayed flush is always followed "
    "by an immediate one (README: memcached's delayed flush brings back the "
    "items an earlier flush hid)",
    "all: TTLs of 1..3599 s and any sleep (real-time dependence); cache_"
    "memlimit 8..63 (would make memcached evict); values are bounded so "
    "neither server evicts under -m 64",
]


class CasRef:
    """A CAS unique chosen among those the reference has shown."""
    __slots__ = ("r", "binary")

    def __init__(self, r, binary=False):
        self.r = r
        self.binary = binary

    def __repr__(self):
        return f"<cas#{self.r}>"


class Op:
    """One request: its bytes (with CasRefs), how many MN replies it can
    produce (ASCII framing), whether it certainly closes the connection."""
    __slots__ = ("parts", "mn", "closes", "tag", "alone")

    def __init__(self, parts, tag, mn=0, closes=False, alone=False):
        self.parts = parts if isinstance(parts, list) else [parts]
        self.tag = tag
        # how many MN replies this op may produce: lines starting with mn
        self.mn = max(mn, (b"\n" + b"".join(
            p for p in self.parts if isinstance(p, bytes))).count(b"\nmn"))
        self.closes = closes
        # alone: first in its batch, so no earlier reply shares its read
        # (memcached drops the replies of the same read when it closes)
        self.alone = alone

    def literal(self):
        """The op's bytes with CasRefs shown as a placeholder."""
        out = b""
        for p in self.parts:
            out += p if isinstance(p, bytes) else (
                b"<cas#%d>" % p.r)
        return out


# ---------------------------------------------------------------- keys ----

SIMPLE = [b"k%d" % i for i in range(8)]
NUMERIC = [b"n%d" % i for i in range(3)]
BIG = [b"big%d" % i for i in range(5)]
PREFIXED = [b"user:1", b"user:2", b"sess:x", b"a:b:c"]
ODD = [b"k\x01x", b"k\tx", b"\x7fdel", "ключ".encode(), "鍵🔑".encode(),
       b"a\rb", b"k\x00z", b"a" * 250, b"b" * 249 + b"\xc3", b"\xff\xfe\x80",
       b"\x1b[0m", b"k\x0bv"]
TOO_LONG = [b"c" * 251, b"d" * 300]
# Binary keys carry any byte; for the b (base64) meta flag too.
BINARY_ONLY = [b"with space", b"cr\r\nlf", b"\x00\x00", b"", b"x" * 250,
               b"\x80\x81\x82"]

ITEM_MAX = 1 << 20
# Largest value memcached 1.6.18 stores with -I 1m for a key of n bytes
# (measured: 48-byte item header + 8 CAS + key + NUL + data + CRLF).


def value_limit(key_len):
    return ITEM_MAX - 59 - key_len


def pick_key(rng, allow_long=True):
    x = rng.random()
    if x < 0.45:
        return rng.choice(SIMPLE)
    if x < 0.55:
        return rng.choice(NUMERIC)
    if x < 0.63:
        return rng.choice(BIG)
    if x < 0.73:
        return rng.choice(PREFIXED)
    if x < 0.97 or not allow_long:
        return rng.choice(ODD)
    return rng.choice(TOO_LONG)


NUMBERS = [b"0", b"1", b"99", b"100", b"18446744073709551615",
           b"18446744073709551614", b" 12", b"12 ", b"abc", b"",
           b"00042", b"1" * 21, b"-5", b"4294967296", b"1.5", b"10\r\n",
           # strtoull's readings: a NUL ends the number, "-m" wraps
           b"5\x00abc", b"-18446744073709551615", b"-9223372036854775809",
           b"7\t"]


def plain_key(token, b64):
    """A meta key token as the item's key."""
    if not b64:
        return token
    try:
        return base64.b64decode(token, validate=True)
    except ValueError:
        return token


def counter_append(key, val, strict):
    """Data appended to a counter key starts with a space (unless strict):
    memcached replaces a counter by a new item without its in-place padding
    whenever anything else holds the item at that instant, its own LRU
    threads included, so after "5" + "12" it counts 512 where "5   " + "12"
    counts 5 (README, N6), depending on timing, not on the stream."""
    if strict or key not in NUMERIC or not val or val[:1] in b" \t":
        return val
    return b" " + val


def counter_key(rng, strict, other):
    """The key of an incr/decr/ma: a counter key; another key (from
    `other`) only with --strict, or one too long to hold data. A stored key
    an incr changes becomes a counter whose form memcached picks by timing
    (N6, N8), and only the counter keys are kept clear of what that form
    shows (counter_append, the mg and md flags of N8)."""
    if rng.random() < 0.7:
        return rng.choice(NUMERIC)
    if strict:
        return other()
    return rng.choice(TOO_LONG + NUMERIC)


def pattern(rng, n):
    if n <= 65536:
        data = rng.randbytes(n)
    else:
        block = rng.randbytes(4096)
        data = (block * (n // 4096 + 1))[:n]
    if n > 1500:
        # a newline every 1000 bytes: should a server parse the block as
        # command lines (after a refused command line), no line passes
        # 2048 bytes, whose handling is a documented difference
        data = bytearray(data)
        data[999::1000] = b"\n" * len(range(999, n, 1000))
        data = bytes(data)
    return data


def pick_value(rng, key, big_ok=True):
    x = rng.random()
    if key in BIG and big_ok and x < 0.6:
        y = rng.random()
        if y < 0.8:
            return pattern(rng, rng.randrange(60000, 600000))
        if y < 0.95:  # at the item size limit
            return pattern(rng, value_limit(len(key)) + rng.randrange(-2, 3))
        return pattern(rng, rng.choice([ITEM_MAX + 1, 1100000]))
    if key in NUMERIC and x < 0.7:
        return rng.choice(NUMBERS)
    if x < 0.08:
        return b""
    if x < 0.45:
        return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789")
                     for _ in range(rng.randrange(1, 20)))
    if x < 0.62:
        return rng.randbytes(rng.randrange(1, 50))
    if x < 0.75:
        return rng.choice(NUMBERS)
    if x < 0.78:
        return b"MN\r\nEND\r\nVALUE k 0 1\r\n"  # reply look-alike
    return pattern(rng, rng.randrange(100, 20000))


def ttl_token(rng, strict=False):
    """An exptime that cannot expire during a run (or already has)."""
    x = rng.random()
    if x < 0.5:
        return b"0"
    if x < 0.75:
        return b"%d" % rng.randrange(3600, 2592001)
    return rng.choice([b"-1", b"-100", b"2592001", b"1000000000",
                       b"99999999999", b"3000000000", b"4294967296",
                       b"abc", b"+3600", b"03600", b"-0", b"1e5"])


def flags_token(rng):
    x = rng.random()
    if x < 0.6:
        return b"0"
    if x < 0.85:
        return b"%d" % rng.randrange(1, 70000)
    return rng.choice([b"4294967295", b"4294967296", b"-1", b"abc", b"01",
                       b"+5", b"0x10", b"1.5", b"65536"])


# ---------------------------------------------------------------- ascii ---

def noreply(rng, p=0.12):
    return b" noreply" if rng.random() < p else b""


def storage(rng, strict, verb=None):
    verb = verb or rng.choice([b"set"] * 4 + [b"add", b"replace", b"append",
                                              b"prepend", b"cas", b"cas"])
    key = pick_key(rng)
    val = pick_value(rng, key)
    if verb == b"append":
        val = counter_append(key, val, strict)
    declared = b"%d" % len(val)
    x = rng.random()
    data = val + b"\r\n"
    tag = "store"
    if x < 0.03:
        declared = rng.choice([b"-1", b"abc", b"4294967296", b"+1", b"01",
                               b"18446744073709551616", b"1 2"])
        tag = "store-badlen"
        if not strict:
            val = val[:200]
            data = val + b"\r\n"
    elif x < 0.06:  # data longer than announced
        data = val + rng.choice([b"XX", b"\r", b"\n", b"X\r\n"]) + b"\r\n"
        tag = "store-badchunk"
    elif x < 0.08:  # terminator not CRLF
        data = val + rng.choice([b"\n", b"\r\r", b"ab", b"\x00\x00"])
        tag = "store-badterm"
    elif x < 0.09 and len(val) > 0:  # data shorter than announced
        data = val[:-1] + b"\r\n"
        tag = "store-short"
    line = verb + b" " + key + b" " + flags_token(rng) + b" " + \
        ttl_token(rng) + b" " + declared
    parts = []
    if verb == b"cas":
        y = rng.random()
        parts = [line + b" "]
        if y < 0.6:
            parts.append(CasRef(rng.randrange(1 << 30)))
        else:
            parts.append(rng.choice([b"0", b"abc", b"-1",
                                     b"18446744073709551615",
                                     b"123456789012", b""]))
        line = b""
    line += noreply(rng)
    if rng.random() < 0.02:
        line += rng.choice([b" junk", b" noreply extra", b" ", b"  "])
    if not strict and len(line) > 2000:
        line = line[:0] + verb + b" k0 0 0 " + declared
    parts.append(line + b"\r\n" + data)
    return Op(parts, tag + ":" + verb.decode())


def retrieval(rng, strict):
    verb = rng.choice([b"get", b"get", b"gets", b"gat", b"gats"])
    x = rng.random()
    keys = []
    if x < 0.15:  # multi-get of big values: replies pass 256 KiB
        keys = [rng.choice(BIG) for _ in range(rng.randrange(2, 14))]
        for _ in range(rng.randrange(0, 4)):
            keys.insert(rng.randrange(len(keys) + 1), pick_key(rng, False))
        tag = "get-big"
    elif x < 0.22 and verb in (b"get", b"gets"):  # long line, many keys
        keys = [rng.choice(SIMPLE + NUMERIC + PREFIXED)
                for _ in range(rng.randrange(100, 700))]
        tag = "get-many"
    else:
        keys = [pick_key(rng) for _ in range(rng.choice([1, 1, 1, 2, 3, 5]))]
        tag = "get"
    if not strict:
        # a too-long key after the first one: documented difference
        keys = keys[:1] + [k for k in keys[1:] if len(k) <= 250]
    sep = b" " if rng.random() < 0.95 else b"  "
    line = verb
    if verb in (b"gat", b"gats"):
        line += b" " + ttl_token(rng)
    line += b" " + sep.join(keys)
    if rng.random() < 0.03:
        line = rng.choice([verb, verb + b" ", verb + b" 10"]) \
            if verb.startswith(b"gat") else verb
        tag = "get-nokey"
    if not strict and verb.startswith(b"gat") and len(line) > 2000:
        line = line[:1500].rsplit(b" ", 1)[0]
    # A too-long key makes memcached drop the replies of the commands read
    # together before it (README documents this for later keys): such a
    # get starts its batch, so nothing earlier shares its read.
    long_key = any(len(k) > 250 for k in keys)
    return Op(line + b"\r\n", tag + ":" + verb.decode(), alone=long_key)


def arith(rng, strict):
    verb = rng.choice([b"incr", b"decr"])
    key = counter_key(rng, strict, lambda: pick_key(rng))
    delta = rng.choice([b"1", b"1", b"%d" % rng.randrange(1000),
                        b"18446744073709551615", b"18446744073709551616",
                        b"-18446744073709551615",
                        b"-1", b"abc", b"0", b"01", b"", b"1 2"])
    return Op(verb + b" " + key + b" " + delta + noreply(rng) + b"\r\n",
              "arith:" + verb.decode())


def misc(rng):
    x = rng.random()
    if x < 0.25:
        key = pick_key(rng)
        tail = rng.choice([b"", b"", b"", b" 0", b" 5", b" noreply",
                           b" x y", b" 0 noreply"])
        return Op(b"delete " + key + tail + b"\r\n", "delete")
    if x < 0.45:
        return Op(b"touch " + pick_key(rng) + b" " + ttl_token(rng) +
                  noreply(rng) + rng.choice([b""] * 9 + [b" junk"]) +
                  b"\r\n", "touch")
    if x < 0.53:
        arg = rng.choice([b"", b"", b" 0", b" %d" % rng.randrange(3600, 9e4),
                          b" -1", b" abc", b" noreply", b" 0 noreply",
                          b" 7200 noreply", b" 7200 2", b" noreply x"])
        line = b"flush_all" + arg + b"\r\n"
        delay = arg.split()[0] if arg.split() else b""
        if delay.isdigit() and int(delay) > 0:
            # A delayed flush is followed by an immediate one (README: a
            # delayed flush in memcached brings back what an earlier flush
            # hid), which both servers take to cancel the delay.
            line += b"flush_all\r\n"
        return Op(line, "flush_all")
    if x < 0.60:
        arg = rng.choice([b"", b" 0", b" 1", b" 2", b" abc", b" 1 noreply",
                          b" 0 noreply", b" 1 2 3", b" -1"])
        return Op(b"verbosity" + arg + b"\r\n", "verbosity")
    if x < 0.65:
        return Op(rng.choice([b"version\r\n", b"version\r\n",
                              b"version x\r\n"]), "version")
    if x < 0.88:
        return stats_op(rng)
    if x < 0.94:
        arg = rng.choice([b"0", b"1", b"2", b"3", b"x", b"", b"1 2"])
        return Op(b"slabs automove " + arg + b"\r\n", "slabs-automove")
    arg = rng.choice([b"64", b"100", b"1024", b"0", b"1", b"7", b"abc",
                      b"-1", b"", b"128 noreply", b"64 x"])
    return Op(b"cache_memlimit " + arg + b"\r\n", "cache_memlimit")


def stats_op(rng):
    arg = rng.choice([b"", b"", b"", b" settings", b" items", b" slabs",
                      b" sizes", b" conns", b" detail on", b" detail off",
                      b" detail dump", b" detail dump", b" detail",
                      b" detail x", b" cachedump", b" cachedump 64 0",
                      b" reset", b" bogus", b" settings x",
                      b" items x", b" slabs x", b"  "])
    return Op(b"stats" + arg + b"\r\n", "stats" + arg.decode().replace(
        " ", "_"))


HTTP = [b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /index.html HTTP/1.0\r\n\r\n",
        b"POST /set HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        b"HEAD / HTTP/1.1\r\n\r\n"]


def bad_input(rng, strict):
    x = rng.random()
    if x < 0.2:
        word = rng.choice([b"foo", b"GET k0", b"Set k0 0 0 1", b"gett k0",
                           b"sets", b"incr", b"decr k0", b"touch k0",
                           b"delete", b"cas k0 0 0 1", b"set k0 0 0",
                           b"set k0", b"set", b"append k0 0 0", b"me",
                           b"shutdown", b"lru_crawler", b"misbehave",
                           b"get" + b" " * 5, b"quit x"])
        return Op(word + b"\r\n", "bad-unknown")
    if x < 0.35:
        return Op(rng.choice([b"\r\n", b"\n", b" \r\n", b"\t\r\n",
                              b"\r\r\n", b"  get k0\r\n", b"get k0 \r\n",
                              b"get\tk0\r\n"]), "bad-blank")
    if x < 0.5:
        return Op(rng.choice([b"get k0\x00junk\r\n", b"\x00\r\n",
                              b"version\x00\r\n", b"set k\x00 0 0 1\r\nx\r\n",
                              b"mn\x00\r\n", b"delete k\x00z\r\n",
                              b"incr n0\x00 1\r\n"]), "bad-nul")
    if x < 0.6:
        return Op(rng.choice(HTTP), "bad-http", closes=True, alone=True)
    if x < 0.75:
        prefix = rng.choice([b"x", b"set k0 ", b"get "])
        # up to 2046 bytes before CRLF (tinkercache counts CRLF in its
        # 2048-byte limit; longer lines are a documented difference)
        n = rng.randrange(200, (2047 if not strict else 6000) - len(prefix))
        body = bytes(rng.choice(b"abcdefgh ") for _ in range(n))
        return Op(prefix + body + b"\r\n", "bad-longline")
    if x < 0.9:
        n = rng.randrange(1, 80)
        junk = bytes(b for b in rng.randbytes(n) if b not in (10,))
        return Op(b"z" + junk + b"\r\n", "bad-garbage")
    return Op(rng.choice([b"set k0 0 0 18446744073709551615\r\n",
                          b"set k0 0 0 -2\r\nab\r\n",
                          b"incr k0 99999999999999999999999\r\n",
                          b"touch k0 99999999999999999999\r\n",
                          b"gat 99999999999999999999 k0\r\n",
                          b"flush_all 99999999999999999999\r\n",
                          b"verbosity 99999999999999999999\r\n",
                          b"set k0 99999999999999999999 0 1\r\nx\r\n"]),
              "bad-number")


def gen_ascii(rng, n_ops, strict=False):
    ops = []
    for _ in range(n_ops):
        x = rng.random() * 100
        if x < 32:
            op = storage(rng, strict)
        elif x < 58:
            op = retrieval(rng, strict)
        elif x < 66:
            op = arith(rng, strict)
        elif x < 84:
            op = misc(rng)
        elif x < 84.3:
            op = Op(b"quit\r\n", "quit", closes=True)
        elif x < 86:
            op = Op(b"mn\r\n", "mn", mn=1)
        else:
            op = bad_input(rng, strict)
        if not strict and ops and ops[-1].tag.startswith("store-short") \
                and op.tag.startswith("get-many"):
            # The short data block takes this line's first byte, which
            # leaves a line of over 2046 bytes that is no get: a documented
            # difference.
            op = Op(b"get k0\r\n", "get:get")
        ops.append(op)
    return ops


# ----------------------------------------------------------------- meta ---

def opaque(rng, cmd, strict):
    n = rng.choice([1, 3, 8, 31, 31, 32, 33, 40])
    if n > 31 and cmd in (b"mg", b"ma") and not strict:
        n = 31
    return b"O" + bytes(rng.choice(b"abcxyz0123456789") for _ in range(n))


def meta_key(rng):
    """(key token, uses base64)"""
    if rng.random() < 0.15:
        raw = rng.choice(SIMPLE + ODD + BINARY_ONLY + TOO_LONG[:1])
        y = rng.random()
        if y < 0.85:
            tok = base64.b64encode(raw)
        elif y < 0.9:
            tok = base64.b64encode(raw).rstrip(b"=")
        else:
            tok = rng.choice([b"!!!!", b"Zm9v=Zm9v", b"Z", b"Zm9_", b"===="])
        return tok, True
    k = pick_key(rng)
    if b"\x00" in k and rng.random() < 0.5:
        k = b"k0"
    return k, False


def meta_cas(rng):
    if rng.random() < 0.75:
        return [b"C", CasRef(rng.randrange(1 << 30))]
    # literal CAS values never small: memcached's uniques count from 1, so
    # a literal 1 would match a real item there and not on tinkercache
    return [b"C" + rng.choice([b"0", b"abc", b"",
                               b"18446744073709551615", b"123456789012"])]


def ttl_flag(rng, letter):
    return letter + ttl_token(rng)


def assemble(cmd, key, middle, flags, nl=b"\r\n"):
    """flags: list of lists of parts."""
    parts = [cmd + b" " + key + middle]
    for f in flags:
        parts.append(b" ")
        parts.extend(f)
    parts.append(nl)
    out = []
    for p in parts:  # merge adjacent bytes
        if out and isinstance(p, bytes) and isinstance(out[-1], bytes):
            out[-1] += p
        else:
            out.append(p)
    return out


def mg_op(rng, strict):
    key, b64 = meta_key(rng)
    pool = [b"c", b"f", b"h", b"k", b"l", b"q", b"s", b"t", b"u", b"v",
            b"v", b"v", b"P", b"Lx"]
    flags = [[f] for f in rng.sample(pool, rng.randrange(0, 7))]
    if rng.random() < 0.3:
        flags.append([opaque(rng, b"mg", strict)])
    if rng.random() < 0.2:
        flags.append([ttl_flag(rng, b"T")])
    if rng.random() < 0.15:
        flags.append([ttl_flag(rng, b"N")])
    if rng.random() < 0.12:
        flags.append([b"R" + rng.choice([b"30", b"3600", b"86400",
                                         b"99999", b"0", b"abc"])])
    if strict and rng.random() < 0.05:
        flags.append(meta_cas(rng))
    if b64:
        flags.append([b"b"])
    rng.shuffle(flags)
    if not strict and any(f[0][:1] == b"R" for f in flags):
        # a TTL already past with R (README: R counts it as below any window;
        # memcached's unsigned remainder never is)
        flags = [f for f in flags if f[0] not in (
            b"T-1", b"T-100", b"T2592001", b"T1000000000")]
    if not strict:
        # T, then N, before any t or R (README: t and R see the TTL after
        # both; the order of T and N themselves is served as memcached)
        first = [f for f in flags if f[0][:1] in (b"T", b"N")]
        rng.shuffle(first)
        rest = [f for f in flags if f[0][:1] not in (b"T", b"N")]
        flags = first + rest
    if not strict and plain_key(key, b64) in NUMERIC:
        # a counter's item bits (fetched, win token sent): see replies.py,
        # N8; its size only beside its value (N6)
        flags = [f for f in flags if f[0][:1] not in (b"h", b"N", b"R")]
        if [b"v"] not in flags:
            flags = [f for f in flags if f != [b"s"]]
    if rng.random() < 0.04:
        flags.append([rng.choice([b"zz", b"v", b"!", b"Tabc", b"Nx",
                                  b"12", b"-"] + ([b"E5"] if strict else []))])
    return Op(assemble(b"mg", key, b"", flags), "mg")


def ms_op(rng, strict):
    key, b64 = meta_key(rng)
    val = pick_value(rng, key if not b64 else b"x")
    flags = []
    pool = [[b"c"], [b"k"], [b"q"], [b"s"], [b"I"],
            [b"F" + flags_token(rng)], [ttl_flag(rng, b"T")]]
    flags += rng.sample(pool, rng.randrange(0, 4))
    mode = None
    if rng.random() < 0.4:
        mode = rng.choice([b"E", b"A", b"P", b"R", b"S", b"e", b"a", b"X",
                           b"AA", b""])
        flags.append([b"M" + mode])
    if rng.random() < 0.3:
        flags.append(meta_cas(rng))
    if rng.random() < 0.25:
        flags.append([opaque(rng, b"ms", strict)])
    if rng.random() < 0.1 and (strict or mode not in (b"A", b"P", b"a")):
        flags.append([ttl_flag(rng, b"N")])
    if strict and rng.random() < 0.05:
        flags.append([b"E%d" % rng.randrange(1, 1 << 40)])
    if b64:
        flags.append([b"b"])
    rng.shuffle(flags)
    if mode in (b"A", b"a"):
        val = counter_append(plain_key(key, b64), val, strict)
    declared = b"%d" % len(val)
    data = val + b"\r\n"
    x = rng.random()
    if x < 0.03:
        declared = rng.choice([b"-1", b"abc", b"S3", b"", b"4294967296"])
        if not strict:  # see storage()
            val = val[:200]
            data = val + b"\r\n"
    elif x < 0.05:
        data = val + b"XY\r\n"
    elif x < 0.06:
        data = val + b"\n"
    if rng.random() < 0.03:
        flags.append([rng.choice([b"zz", b"v", b"c", b"Fabc", b"T", b"h"])])
    parts = assemble(b"ms", key, b" " + declared, flags)
    parts[-1] += data
    return Op(parts, "ms")


def md_op(rng, strict):
    key, b64 = meta_key(rng)
    pool = [[b"k"], [b"q"], [b"I"], [b"x"], [ttl_flag(rng, b"T")]]
    flags = rng.sample(pool, rng.randrange(0, 3))
    if rng.random() < 0.25:
        flags.append(meta_cas(rng))
    if rng.random() < 0.25:
        flags.append([opaque(rng, b"md", strict)])
    if b64:
        flags.append([b"b"])
    if not strict and plain_key(key, b64) in NUMERIC:
        # a counter is not marked stale: see replies.py, N8
        flags = [f for f in flags if f[0] != b"I"]
    if rng.random() < 0.03:
        flags.append([rng.choice([b"zz", b"v", b"q", b"Tx"])])
    rng.shuffle(flags)
    return Op(assemble(b"md", key, b"", flags), "md")


def ma_op(rng, strict):
    key, b64 = counter_key(rng, strict, lambda: meta_key(rng)), False
    if isinstance(key, tuple):
        key, b64 = key
    pool = [[b"q"], [b"t"], [b"c"], [b"v"], [b"v"], [b"k"],
            [ttl_flag(rng, b"N")]] + ([[ttl_flag(rng, b"T")]] if strict
                                       else []) + [
            [b"D" + rng.choice(NUMBERS[:6] + [b"5", b"abc", b""])],
            [b"J" + rng.choice(NUMBERS[:6] + [b"7", b"abc"])],
            [b"M" + rng.choice([b"I", b"+", b"D", b"-", b"i", b"X", b""])]]
    flags = rng.sample(pool, rng.randrange(0, 6))
    if rng.random() < 0.2:
        flags.append(meta_cas(rng))
    if rng.random() < 0.25:
        flags.append([opaque(rng, b"ma", strict)])
    if b64:
        flags.append([b"b"])
    if rng.random() < 0.03:
        flags.append([rng.choice([b"zz", b"f", b"s", b"Dx"])])
    rng.shuffle(flags)
    return Op(assemble(b"ma", key, b"", flags), "ma")


def me_op(rng):
    key, b64 = meta_key(rng)
    tail = b" b" if b64 else rng.choice([b""] * 8 + [b" x", b" b"])
    return Op(b"me " + key + tail + b"\r\n", "me")


def meta_bad(rng):
    return Op(rng.choice([b"mg\r\n", b"ms\r\n", b"md\r\n", b"ma\r\n",
                          b"me\r\n", b"mn x\r\n", b"ms k0\r\n",
                          b"ms k0 abc\r\nabc\r\n", b"ms k0 -1\r\n",
                          b"mg " + b"a" * 255 + b" v\r\n",
                          b"mg k0 " + b"v " * 40 + b"\r\n",
                          # a key never stored (README: a long opaque is
                          # refused before the get marks the item)
                          b"mg nokey9 " + b"O" + b"x" * 100 + b"\r\n",
                          b"MG k0 v\r\n", b"mgg k0\r\n", b"m\r\n",
                          b"ma k0 N0 J1 D1 MI MD\r\n",
                          b"mg k0 " + b" ".join(bytes([c]) for c in
                                                 b"abcdefghijklmnop") +
                          b"\r\n"]), "meta-bad")


def gen_meta(rng, n_ops, strict=False):
    ops = []
    for _ in range(n_ops):
        x = rng.random() * 100
        if x < 26:
            op = mg_op(rng, strict)
        elif x < 50:
            op = ms_op(rng, strict)
        elif x < 60:
            op = md_op(rng, strict)
        elif x < 72:
            op = ma_op(rng, strict)
        elif x < 76:
            op = me_op(rng)
        elif x < 79:
            op = Op(b"mn\r\n", "mn", mn=1)
        elif x < 84:
            op = meta_bad(rng)
        elif x < 90:  # big multi-gets and classic commands in between
            op = retrieval(rng, strict)
        elif x < 95:
            op = storage(rng, strict)
        elif x < 99.8:
            op = misc(rng)
        else:
            op = Op(b"quit\r\n", "quit", closes=True)
        ops.append(op)
    return ops


# --------------------------------------------------------------- binary ---

HDR = struct.Struct(">BBHBBHII")  # without the CAS (appended separately)

GET, SET, ADD, REPLACE, DELETE, INCR, DECR, QUIT, FLUSH, GETQ, NOOP, \
    VERSION, GETK, GETKQ, APPEND, PREPEND, STAT, SETQ, ADDQ, REPLACEQ, \
    DELETEQ, INCRQ, DECRQ, QUITQ, FLUSHQ, APPENDQ, PREPENDQ, VERBOSITY, \
    TOUCH, GAT, GATQ = range(0x1f)
GATK, GATKQ = 0x23, 0x24
KNOWN = set(range(0x1f)) | {GATK, GATKQ}

SENTINEL_OPAQUE = 0x5E17_1E17


def bkey(rng):
    x = rng.random()
    if x < 0.08:
        return rng.choice(BINARY_ONLY)
    k = pick_key(rng)
    return k


def bpacket(rng, op, key=b"", extras=b"", value=b"", cas=None,
            magic=0x80, datatype=0, keylen=None, extlen=None, bodylen=None):
    """Parts of one request packet; cas None: 0, else bytes or CasRef."""
    body = extras + key + value
    if bodylen is not None and bodylen < len(body):
        body = body[:bodylen]
    hdr = HDR.pack(magic, op,
                   len(key) if keylen is None else keylen,
                   len(extras) if extlen is None else extlen,
                   datatype, rng.choice([0] * 9 + [5]),
                   len(body) if bodylen is None else bodylen,
                   rng.randrange(1 << 32) if rng.random() < 0.8 else 0)
    if cas is None:
        return [hdr + b"\0" * 8 + body]
    if isinstance(cas, bytes):
        return [hdr + cas + body]
    return [hdr, cas, body]


def bcas(rng):
    x = rng.random()
    if x < 0.75:
        return None
    if x < 0.93:
        return CasRef(rng.randrange(1 << 30), binary=True)
    return struct.pack(">Q", rng.choice([123456789012, (1 << 64) - 1]))


def bexp(rng):
    x = rng.random()
    if x < 0.6:
        return 0
    if x < 0.85:
        return rng.randrange(3600, 2592001)
    return rng.choice([0xffffffff, 2592001, 1000000000, 0x80000000])


def gen_binary_op(rng, strict):
    x = rng.random() * 100
    if x < 22:  # gets
        op = rng.choice([GET, GETQ, GETK, GETKQ])
        if rng.random() < 0.2:  # pipelined big quiet gets
            parts = []
            for _ in range(rng.randrange(2, 10)):
                parts += bpacket(rng, rng.choice([GETKQ, GETQ, GETK]),
                                 rng.choice(BIG))
            return Op(parts, "b-get-big")
        return Op(bpacket(rng, op, bkey(rng)), "b-get")
    if x < 48:  # stores
        op = rng.choice([SET, SET, SETQ, ADD, ADDQ, REPLACE, REPLACEQ])
        key = bkey(rng)
        val = pick_value(rng, key)
        ext = struct.pack(">II", rng.choice([0, 0, 7, 0xffffffff]), bexp(rng))
        return Op(bpacket(rng, op, key, ext, val, bcas(rng)), "b-store")
    if x < 54:
        op = rng.choice([APPEND, PREPEND, APPENDQ, PREPENDQ])
        key = bkey(rng)
        val = pick_value(rng, key, False)
        if op in (APPEND, APPENDQ):
            val = counter_append(key, val, strict)
        return Op(bpacket(rng, op, key, b"", val, bcas(rng)), "b-append")
    if x < 60:
        op = rng.choice([DELETE, DELETEQ])
        return Op(bpacket(rng, op, bkey(rng), cas=bcas(rng)), "b-delete")
    if x < 69:
        op = rng.choice([INCR, DECR, INCRQ, DECRQ])
        key = counter_key(rng, strict, lambda: bkey(rng))
        ext = struct.pack(">QQI",
                          rng.choice([1, 1, 5, 0, (1 << 64) - 1, 1000]),
                          rng.choice([0, 7, 100, (1 << 64) - 1]),
                          rng.choice([0, 0, 3600, 0xffffffff]))
        return Op(bpacket(rng, op, key, ext, cas=bcas(rng)), "b-arith")
    if x < 75:
        op = rng.choice([TOUCH, GAT, GATQ, GATK, GATKQ])
        ext = struct.pack(">I", bexp(rng))
        return Op(bpacket(rng, op, bkey(rng), ext), "b-touch")
    if x < 77:
        ext = rng.choice([b"", b"", struct.pack(">I", 0),
                          struct.pack(">I", rng.randrange(3600, 90000))])
        packet = bpacket(rng, rng.choice([FLUSH, FLUSHQ]), extras=ext)
        if ext not in (b"", struct.pack(">I", 0)):
            packet += bpacket(rng, FLUSH)  # as for ASCII above
        return Op(packet, "b-flush")
    if x < 82:
        return Op(bpacket(rng, NOOP), "b-noop")
    if x < 84:
        return Op(bpacket(rng, VERSION), "b-version")
    if x < 88:
        group = rng.choice([b"", b"", b"settings", b"items", b"slabs",
                            b"sizes", b"reset", b"detail dump", b"conns",
                            b"bogus", b"detail on"])
        return Op(bpacket(rng, STAT, group), "b-stat")
    if x < 88.4:
        return Op(bpacket(rng, rng.choice([QUIT, QUITQ])), "b-quit",
                  closes=True)
    return binary_bad(rng, strict)


def binary_bad(rng, strict):
    x = rng.random()
    if x < 0.15:  # unknown opcodes, no body
        op = rng.choice([0x1f, 0x20, 0x25, 0x30, 0x3d, 0x40, 0x7f, 0x80,
                         0xa0, 0xe0, 0xfe, 0xff])
        if strict and rng.random() < 0.5:
            return Op(bpacket(rng, op, b"k0", b"", b"v"), "b-unknown-body", closes=True)
        return Op(bpacket(rng, op), "b-unknown")
    if x < 0.22:
        if strict:
            return Op(bpacket(rng, VERBOSITY, extras=struct.pack(">I", 1)),
                      "b-verbosity")
        # with a body memcached takes it for an unknown command and loses
        # the next request: README's documented difference
        return Op(bpacket(rng, VERBOSITY, extras=rng.choice(
            [b"", b"12"] if strict else [b""])), "b-verbosity-bad")
    if x < 0.3:
        magic = rng.choice([0x81, 0x00, 0x7f, 0x82, ord("g")])
        # memcached closes at once on a bad magic byte and drops the
        # replies of the packets read together with it: alone in its batch
        return Op(bpacket(rng, NOOP, magic=magic), "b-badmagic",
                  closes=True, alone=True)
    if x < 0.55:  # extras length wrong for the opcode
        op = rng.choice([GET, GETK, SET, ADD, DELETE, INCR, APPEND, TOUCH,
                         GAT, NOOP, VERSION, QUIT, FLUSH, STAT])
        ext = rng.choice([b"", b"x", b"1234", b"12345678", b"x" * 20,
                          b"y" * 12])
        key = rng.choice([b"", b"k0"])
        if op == FLUSH and len(ext) == 4 and not strict:
            # A 4-byte FLUSH delay taken from text ("1234") is an absolute
            # time in the past (README: memcached then flushes nothing).
            ext = struct.pack(">I", 0)
        return Op(bpacket(rng, op, key, ext,
                          lax_value(op, ext, key, rng.choice([b"", b"v"]),
                                    strict)),
                  "b-badextras", closes=True)
    if x < 0.7:  # missing or unexpected key / value
        op = rng.choice([GET, SET, DELETE, INCR, TOUCH, NOOP, VERSION, FLUSH,
                         APPEND, QUIT])
        ext = {SET: struct.pack(">II", 0, 0), INCR: b"\0" * 20,
               TOUCH: b"\0" * 4}.get(op, b"")
        key = rng.choice([b"", b"k0"])
        return Op(bpacket(rng, op, key, ext,
                          lax_value(op, ext, key, rng.choice([b"", b"val"]),
                                    strict)),
                  "b-badkey", closes=True)
    if x < 0.8:  # body length larger than extras + key (value on a get)
        op = rng.choice([GET, DELETE, INCR, TOUCH])
        ext = {INCR: b"\0" * 20, TOUCH: b"\0" * 4}.get(op, b"")
        return Op(bpacket(rng, op, b"k1", ext,
                          lax_value(op, ext, b"k1", b"zz", strict)),
                  "b-extrabody", closes=True)
    if x < 0.87:  # too-long key
        return Op(bpacket(rng, rng.choice([GET, SET, DELETE]), b"e" * 251,
                          struct.pack(">II", 0, 0) if rng.random() < 0.5
                          else b"", b"v"), "b-longkey")
    if x < 0.93:  # announced value over the item limit (sent in full)
        n = rng.choice([ITEM_MAX + 1, 1500000])
        return Op(bpacket(rng, rng.choice([SET, SETQ, APPEND]), b"big0",
                          struct.pack(">II", 0, 0) if rng.random() < .7
                          else b"", pattern(rng, n)), "b-toolarge")
    if x < 0.97:  # datatype / vbucket set
        return Op(bpacket(rng, GET, b"k0", datatype=rng.choice([1, 0xff])),
                  "b-datatype")
    # extras + key longer than the body: memcached waits for them, then
    # answers "Unknown command" and closes
    if rng.random() < 0.5:
        return Op(bpacket(rng, GET, b"k0", keylen=10, bodylen=2),
                  "b-keylen>body", closes=True, alone=True)
    return Op(bpacket(rng, SET, b"k0", b"\0" * 8, b"", extlen=8, bodylen=6),
              "b-ext+key>body", closes=True, alone=True)


def lax_value(op, ext, key, value, strict):
    """A TOUCH, GAT or STAT packet that memcached would serve although it
    carries a value, then read that value as the next request: the value is
    left out unless strict (README: such a packet is refused here)."""
    if strict or not value:
        return value
    touch_family = op in (TOUCH, GAT, GATQ, GATK, GATKQ) and \
        len(ext) == 4 and key
    if touch_family or (op == STAT and not ext):
        return b""
    return value


def gen_binary(rng, n_ops, strict=False):
    return [gen_binary_op(rng, strict) for _ in range(n_ops)]


GENERATORS = {"ascii": gen_ascii, "meta": gen_meta, "binary": gen_binary}
