"""Seeded random operation sequences for the compact model check.

An operation is a protocol-neutral dict; the drivers in compact_model.py turn
it into compact, ASCII or binary requests. The sequence depends only on the
seed, the reference protocol (which decides which key bytes are expressible)
and the item size limit, never on replies: CAS values are referenced by the
index of the earlier operation whose reply carried them.
"""

import random

U32 = 0xFFFFFFFF
U64 = 0xFFFFFFFFFFFFFFFF

# Expiry values that never depend on wall-clock timing: never, far enough in
# the future (relative up to 30 days, absolute below 2^31), or already
# expired (negative, or an absolute time in the past).
TTL_NEVER = [0]
TTL_FUTURE = [3600, 86400, 2592000, 2000000000, 2147483647]
TTL_EXPIRED = [-1, -1000, -2592000, 2592001, 1000000000]

NUMERIC_VALUES = [b"0", b"1", b"7", b"42", b"99", b"100", b"255", b"256",
                  b"4294967295", b"4294967296", b"18446744073709551615",
                  b"18446744073709551614", b"18446744073709551616",
                  b"99999999999999999999", b"007", b"00000000000000000000001",
                  b" 12", b"12 ", b"-1", b"+5", b"1e3", b"0x10", b"12abc",
                  b"", b"1.5", b"9" * 19, b"9" * 21]

DELTAS = [0, 1, 2, 5, 99, 255, 256, 65535, 4294967295, 4294967296,
          U64 // 2, U64 - 1, U64]

INITIALS = [0, 1, 10, 255, 4294967296, U64 - 1, U64]

# What an item costs beyond its key and value against -I: measured (the
# probes), the same in all three protocols; the spec (3.3) says key + value.
ITEM_OVERHEAD = 59
# ... and 4 more bytes with nonzero flags, as memcached stores them.
FLAGS_OVERHEAD = 4

FLAG_VALUES = [0, 0, 0, 0, 1, 7, 255, 65536, 0x80000000, U32]


def ascii_safe(b):
    # memcached reads an ASCII command line as a C string: a NUL ends it.
    return not any(c in b for c in (b" ", b"\r", b"\n", b"\x00"))


def key_pool(rng, ref):
    """Valid keys (1..250 bytes) and invalid ones (empty, over 250)."""
    printable = bytes(range(0x21, 0x7F))
    keys = [b"k%d" % i for i in range(6)] + [
        b"a", b"counter", b"n\x00ul", b"\x00lead", b"\x01ctl\x7f",
        b"tab\tkey", "ключ".encode(), "日本語キー".encode(),
        "🔑emoji".encode(), b"\xff\xfe\x80bin", b"M" * 250,
        bytes(rng.choice(printable) for _ in range(250)),
        bytes(rng.choice(printable + b"\x00\x01\xff\x80") for _ in range(250)),
        b"x" * 249, b"\x80", b"mid\rcr",
    ]
    if ref == "binary":
        # The binary protocol carries any key bytes; ASCII splits on space
        # and ends lines at LF.
        keys += [b"sp ace", b"new\nline", b"cr\r\nlf", b" ", b"\r\n",
                 b"end\r", b"\x80\x00magic", b"get k0\r\n"]
    keys = [k for k in keys if ref == "binary" or ascii_safe(k)]
    invalid = [b"", b"L" * 251, b"Z" * 255]
    return keys, invalid


class Generator:
    def __init__(self, seed, ref, limit, big=True):
        self.rng = random.Random(f"compact-model/{seed}/{ref}/ops")
        self.ref = ref
        self.limit = limit
        self.big = big
        self.keys, self.invalid = key_pool(self.rng, ref)
        # A few hot keys get most traffic so that operations interact.
        self.hot = self.rng.sample(self.keys, 8)
        self.ops = []
        self.cas_sources = {}   # key -> [op index of a get/gat wanting CAS]
        self.quiet_left = 0

    # --- pieces --------------------------------------------------------

    def key(self):
        r = self.rng.random()
        if r < 0.6:
            return self.rng.choice(self.hot)
        return self.rng.choice(self.keys)

    def ttl(self, future_only=False):
        r = self.rng.random()
        if r < 0.55 and not future_only:
            return 0
        if r < 0.85 or future_only:
            return self.rng.choice(TTL_FUTURE)
        return self.rng.choice(TTL_EXPIRED)

    def store_ttl(self):
        r = self.rng.random()
        if r < 0.7:
            return 0
        if r < 0.93:
            return self.rng.choice(TTL_FUTURE)
        return self.rng.choice(TTL_EXPIRED)

    def flags(self):
        r = self.rng.random()
        if r < 0.1:
            return self.rng.getrandbits(32)
        return self.rng.choice(FLAG_VALUES)

    def room(self, key, flags):
        """The longest value an item with this key and flags may have."""
        return self.limit - ITEM_OVERHEAD - len(key) - \
            (FLAGS_OVERHEAD if flags else 0)

    def value(self, key, fits=False, flags=0):
        """A value; with `fits`, one the item limit takes."""
        v = self._value(key)
        room = self.room(key, flags)
        if fits and len(v) > room:
            v = v[:room]
        return v

    def _value(self, key):
        rng = self.rng
        r = rng.random()
        lim = self.limit
        if r < 0.25:
            return rng.choice(NUMERIC_VALUES)
        if r < 0.30:
            return b""
        if r < 0.62:
            return rng.randbytes(rng.randint(1, 40))
        if r < 0.72:
            return rng.randbytes(rng.randint(250, 260))   # VALUE8 / VALUE
        if r < 0.85:
            return rng.randbytes(rng.randint(261, 5000))
        if r < 0.93:
            return rng.randbytes(rng.randint(5000, 70000))
        if r < 0.96:
            return rng.randbytes(rng.randint(lim // 8, lim // 2))
        if r < 0.985:
            # Around the item limit: the real one (key, value and overhead),
            # key + value (the spec's), and value alone.
            base = rng.choice([lim - ITEM_OVERHEAD - len(key),
                               lim - ITEM_OVERHEAD - len(key),
                               lim - len(key), lim])
            n = base + rng.randint(-1, 1)
            return rng.randbytes(max(0, n))
        return rng.randbytes(lim + rng.randint(1, 3000))

    def delta(self):
        r = self.rng.random()
        if r < 0.5:
            return self.rng.randint(0, 20)
        if r < 0.8:
            return self.rng.choice(DELTAS)
        return self.rng.getrandbits(self.rng.choice([8, 32, 64]))

    def cas_ref(self, key):
        """Where the CAS of a compare comes from."""
        rng = self.rng
        mine = self.cas_sources.get(key, [])
        r = rng.random()
        if mine and r < 0.62:
            return ("op", mine[-1])
        if mine and r < 0.75:
            return ("op", rng.choice(mine))
        others = [j for k, js in self.cas_sources.items() for j in js[-3:]]
        if others and r < 0.85:
            return ("op", rng.choice(others))
        return ("bogus", rng.choice([U64, rng.getrandbits(64) | (1 << 62),
                                     rng.getrandbits(48) | (1 << 40)]))

    # --- operations ----------------------------------------------------

    def add(self, op):
        op.setdefault("quiet", False)
        op.setdefault("want_cas", False)
        self.ops.append(op)
        k = op["kind"]
        if k in ("get", "gat") and op["want_cas"] and not op.get("bad_key"):
            self.cas_sources.setdefault(op["key"], []).append(
                len(self.ops) - 1)

    def maybe_gets_first(self, key):
        if self.rng.random() < 0.6:
            self.add({"kind": "get", "key": key, "want_cas": True,
                      "quiet": False})

    def gen_one(self):
        rng = self.rng
        quiet = False
        if self.quiet_left > 0:
            self.quiet_left -= 1
            quiet = True
        elif rng.random() < 0.03:
            self.quiet_left = rng.randint(1, 25)
        choices = [
            ("set", 14), ("add", 5), ("replace", 5), ("append", 5),
            ("prepend", 4), ("cas", 7), ("set_cas", 3), ("get", 14),
            ("gets", 6), ("mget", 3), ("delete", 5), ("delete_cas", 2),
            ("incr", 6), ("decr", 5), ("touch", 3), ("gat", 4),
            ("flush", 0.25), ("flush_delay", 0.2), ("noop", 1),
            ("version", 0.4), ("verbosity", 0.3), ("bad_key", 0.8),
        ]
        if self.big:
            choices.append(("big_mget", 0.25))
        total = sum(w for _, w in choices)
        x = rng.random() * total
        for name, w in choices:
            x -= w
            if x < 0:
                break
        key = self.key()
        want_cas = rng.random() < 0.3
        if name in ("set", "add", "replace", "append", "prepend"):
            value = self.value(key)
            flags = self.flags()
            self.add({"kind": name, "key": key, "value": value,
                      "flags": flags, "ttl": self.store_ttl(),
                      "want_cas": want_cas, "quiet": quiet})
        elif name in ("cas", "set_cas"):
            if not self.cas_sources.get(key) or rng.random() < 0.4:
                self.maybe_gets_first(key)
            # A compare never goes past the limit: what a failed compare
            # does to the old value differs between ASCII `cas` (kept)
            # and a binary SET with CAS (dropped); see the probes.
            flags = self.flags()
            self.add({"kind": "cas" if name == "cas" else "set", "key": key,
                      "value": self.value(key, fits=True, flags=flags),
                      "flags": flags,
                      "ttl": self.store_ttl(), "cas_ref": self.cas_ref(key),
                      "want_cas": want_cas, "quiet": quiet})
        elif name in ("get", "gets"):
            self.add({"kind": "get", "key": key,
                      "want_cas": name == "gets" or want_cas, "quiet": quiet})
        elif name == "gat":
            self.add({"kind": "gat", "key": key, "ttl": self.ttl(),
                      "want_cas": rng.random() < 0.5, "quiet": quiet})
        elif name == "touch":
            self.add({"kind": "touch", "key": key, "ttl": self.ttl(),
                      "quiet": quiet})
        elif name == "mget":
            n = rng.randint(1, 20)
            if not self.big:
                # Keep the replies under 192 KiB (no output backpressure).
                n = min(n, max(1, 192 * 1024 // self.limit))
            self.add({"kind": "mget",
                      "keys": [self.key() for _ in range(n)],
                      "want_cas": rng.random() < 0.4})
        elif name == "delete":
            self.add({"kind": "delete", "key": key, "quiet": quiet})
        elif name == "delete_cas":
            if not self.cas_sources.get(key) or rng.random() < 0.4:
                self.maybe_gets_first(key)
            self.add({"kind": "delete", "key": key,
                      "cas_ref": self.cas_ref(key), "quiet": quiet})
        elif name in ("incr", "decr"):
            if rng.random() < 0.2:
                # Make the counter numeric first.
                self.add({"kind": "set", "key": key,
                          "value": rng.choice(NUMERIC_VALUES[:14]),
                          "flags": self.flags(), "ttl": 0})
            initial = None
            ttl = 0
            if rng.random() < 0.3:
                initial = rng.choice(INITIALS + [rng.getrandbits(64)])
                ttl = self.ttl()
            self.add({"kind": name, "key": key, "delta": self.delta(),
                      "initial": initial, "ttl": ttl,
                      "want_cas": want_cas, "quiet": quiet})
        elif name == "flush":
            self.add({"kind": "flush", "delay": 0, "quiet": quiet})
        elif name == "flush_delay":
            # A delay of days: nothing visible within the run.
            self.add({"kind": "flush", "delay": rng.choice([864000, 2592000]),
                      "quiet": quiet})
        elif name == "noop":
            self.add({"kind": "noop", "quiet": quiet})
        elif name == "version":
            self.add({"kind": "version"})
        elif name == "verbosity":
            self.add({"kind": "verbosity", "level": rng.choice([0, 0, 1])})
        elif name == "bad_key":
            kind = rng.choice(["get", "set", "delete", "incr", "touch"])
            op = {"kind": kind, "key": rng.choice(self.invalid),
                  "bad_key": True, "quiet": quiet}
            if kind == "set":
                op.update(value=b"v", flags=0, ttl=0)
            elif kind == "incr":
                op.update(delta=1, initial=None, ttl=0)
            elif kind == "touch":
                op.update(ttl=3600)
            self.add(op)
        elif name == "big_mget":
            # Large values, then one quiet multi-get whose reply passes
            # 256 KiB several times over (output backpressure).
            big_keys = rng.sample(self.hot, rng.randint(3, 6))
            for k in big_keys:
                self.add({"kind": "set", "key": k,
                          "value": rng.randbytes(rng.randint(
                              self.limit // 8, self.limit // 3)),
                          "flags": self.flags(), "ttl": 0,
                          "quiet": rng.random() < 0.5})
            self.add({"kind": "mget",
                      "keys": [rng.choice(big_keys)
                               for _ in range(rng.randint(8, 20))],
                      "want_cas": rng.random() < 0.3, "big": True})

    def generate(self, n):
        while len(self.ops) < n:
            self.gen_one()
        del self.ops[n:]
        # A cas_ref to a trimmed op cannot happen: references point back.
        return self.ops


def generate(seed, ref, n, limit, big=True):
    return Generator(seed, ref, limit, big).generate(n)
