#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed).

ASCII and binary seeds are one request each of every command memcached's
protocol documents, well formed and not; compact seeds are the requests of
the conformance vectors in spec/compact_vectors.txt. The connection target
gets all three (its first two bytes choose the piece size and clock step).
"""

import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

ASCII = [
    b"get k\r\n", b"gets a b c\r\n", b"get " + b"x" * 251 + b"\r\n",
    b"set k 5 0 3\r\nabc\r\n", b"set k 0 0 3 noreply\r\nabc\r\n",
    b"add k 0 0 1\r\nx\r\n", b"replace k 0 0 1\r\nx\r\n",
    b"append k 0 0 1\r\nx\r\n", b"prepend k 0 0 1\r\nx\r\n",
    b"cas k 0 0 1 7\r\nx\r\n", b"incr n 5\r\n", b"decr n 18446744073709551615\r\n",
    b"delete k\r\n", b"delete k 0\r\n", b"touch k 10\r\n", b"gat 10 a b\r\n",
    b"gats -1 a\r\n", b"stats\r\n", b"stats settings\r\n", b"stats items\r\n",
    b"flush_all\r\n", b"flush_all 10 noreply\r\n", b"version\r\n",
    b"verbosity 1\r\n", b"quit\r\n", b"set k 0 0 99999999\r\n",
    b"set k 0 0 -1\r\n", b"bogus\r\n", b"get\r\n", b"set k 0 0 3\r\nabcde\r\n",
    b"set n 0 0 2\r\n10\r\nincr n 1\r\nget n\r\n", b"get k\n", b"\r\n",
    # The meta commands, with every flag somewhere.
    b"mn\r\n", b"mg k v\r\n", b"mg k s v c f k t h l O1 q u\r\n",
    b"mg k N30 R10 T5 v\r\n", b"mg Zm9v b k v\r\n", b"mg k C5 v P L\r\n",
    b"ms k 3 T0 F5 c k\r\nabc\r\n", b"ms k 3 MA N30\r\nabc\r\n",
    b"ms k 3 ME q\r\nabc\r\n", b"ms k 3 C1 I E9\r\nabc\r\n",
    b"ms k 3 MZ\r\nabc\r\n", b"ms k S3\r\nabc\r\n",
    b"md k q\r\n", b"md k I T30 C1 E2 k O1\r\n", b"ma k\r\n",
    b"ma k N0 J10 D5 MD v t c E3 T9\r\n", b"me k\r\n", b"me Zm9v b\r\n",
    b"mg k v v\r\n", b"mg k a b c d e f g h i j k l m n o p q r\r\n",
    b"ms k 3\r\nabc\r\nmd k I\r\nmg k v c\r\nmg k v\r\n",
]


def binary(opcode, key=b"", extras=b"", value=b"", opaque=0, cas=0):
    body = extras + key + value
    return struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0,
                       0, len(body), opaque, cas) + body


BINARY = [
    binary(0x00, b"k"), binary(0x09, b"k"), binary(0x0c, b"k"),
    binary(0x0d, b"k"),
    binary(0x01, b"k", struct.pack(">II", 5, 0), b"abc"),
    binary(0x11, b"k", struct.pack(">II", 5, 0), b"abc"),
    binary(0x02, b"k", struct.pack(">II", 0, 0), b"x"),
    binary(0x03, b"k", struct.pack(">II", 0, 0), b"x", cas=7),
    binary(0x04, b"k"), binary(0x0e, b"k", value=b"x"),
    binary(0x0f, b"k", value=b"x"),
    binary(0x05, b"n", struct.pack(">QQI", 1, 0, 0)),
    binary(0x06, b"n", struct.pack(">QQI", 1, 0, 0xffffffff)),
    binary(0x07), binary(0x08, extras=struct.pack(">I", 10)), binary(0x0a),
    binary(0x0b), binary(0x10), binary(0x10, b"settings"),
    binary(0x1b, extras=struct.pack(">I", 1)),
    binary(0x1c, b"k", struct.pack(">I", 10)),
    binary(0x1d, b"k", struct.pack(">I", 10)),
    binary(0x01, b"k", struct.pack(">II", 0, 0), b"v" * 5000),
    binary(0x55, b"k"), b"\x81" + b"\x00" * 23, binary(0x00)[:10],
    binary(0x0d, b"a") + binary(0x0d, b"b") + binary(0x0a),
]


def compact_requests():
    out = []
    with open(os.path.join(ROOT, "spec", "compact_vectors.txt")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            request = line.split("|")[1].split()
            out.append(bytes(int(b, 16) for b in request))
    return out


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(seed)


def main():
    compact = compact_requests()
    # The ASCII target's first byte is where a command is split in two.
    write("ascii_parser_fuzz", [bytes([3]) + s for s in ASCII])
    write("binary_parser_fuzz", BINARY)
    write("compact_parser_fuzz", compact)
    write("connection_fuzz",
          [bytes([7, 1]) + s for s in ASCII + BINARY + compact])


if __name__ == "__main__":
    main()
