"""Sends identical request streams to memcached 1.6.18 and to tinkercache and
compares the replies byte for byte. Only what legitimately differs is
masked: CAS uniques become ids in order of appearance (so which replies
share a CAS is still compared), the exact VERSION strings of each server,
and the item size memcached's slab layout decides. Streams where tinkercache
still differs by mistake are listed in KNOWN_MISMATCHES_ISSUE_17."""

from concurrent.futures import ThreadPoolExecutor
import collections
import re
import struct
import sys
import unittest

from harness import (HEADER, MEMCACHED_VERSION, TINKERCACHE_VERSION,
                     Memcached, Server, exchange)

STREAMS = [
    b"bogus\r\n", b"\r\n", b"get\r\n", b"gets\r\n", b"GET k\r\n",
    b"set k 0 0 5\r\nhello\r\nget k\r\ngets k\r\n",
    b"set k 0 0 5\r\nhelloXX\r\n",
    b"set k 0 0 abc\r\nhello\r\n", b"set k abc 0 5\r\nhello\r\n",
    b"set k 0 0 -1\r\n", b"set k 0 0\r\n", b"set k 0 0 1 2 3 4 5 6 7 8 9\r\n",
    b"set k 0 0 5 noreply\r\nhello\r\nget k\r\n",
    b"set k 0 0 5 junk\r\nhello\r\n",
    b"set " + b"a" * 251 + b" 0 0 1\r\nx\r\n",
    b"get " + b"a" * 251 + b"\r\n", b"get " + b"a" * 250 + b"\r\n",
    b"set k 4294967296 0 1\r\nx\r\nget k\r\n", b"set k -1 0 1\r\nx\r\n",
    b"set k 0 -1 1\r\nx\r\nget k\r\n", b"set k 0 99999999999 1\r\nx\r\nget k\r\n",
    b"set big 0 0 2000000\r\n" + b"x" * 2000000 + b"\r\nversion\r\n",
    b"set big 0 0 2000000 noreply\r\n" + b"x" * 2000000 + b"\r\nversion\r\n",
    b"set k 0 0 1048000\r\n" + b"x" * 1048000 + b"\r\n",
    b"set k 0 0 1048576\r\n" + b"x" * 1048576 + b"\r\n",
    b"incr k 1\r\n", b"set n 0 0 2\r\n10\r\nincr n abc\r\nincr n -1\r\n",
    b"set n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\n",
    b"set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\nincr n 1\r\nget n\r\n",
    b"set n 0 0 3\r\nabc\r\nincr n 1\r\n", b"set n 0 0 3\r\n 12\r\nincr n 01\r\n",
    b"incr n 18446744073709551616\r\n",
    b"touch k abc\r\n", b"touch nokey 10\r\n",
    b"set k 0 0 1\r\nx\r\ntouch k 10 junk\r\ntouch k 1 noreply\r\nversion\r\n",
    b"delete k 0\r\n", b"delete k 5\r\n", b"delete k noreply\r\nversion\r\n",
    b"delete k x y\r\n", b"set k 0 0 1\r\nx\r\ndelete k\r\ndelete k\r\n",
    b"flush_all\r\n", b"flush_all 10\r\n", b"flush_all abc\r\n",
    b"flush_all noreply\r\nversion\r\n", b"flush_all -1\r\n",
    b"flush_all 1 2\r\n", b"flush_all noreply x\r\n",
    b"verbosity\r\n", b"verbosity 1\r\n", b"verbosity abc\r\n",
    b"verbosity 1 noreply\r\nversion\r\n", b"verbosity 1 2 3\r\n",
    b"cas k 0 0 1\r\nx\r\n", b"cas k 0 0 1 abc\r\nx\r\n",
    b"cas nokey 0 0 1 5\r\nx\r\n",
    b"set k 0 0 1\r\nx\r\ngets k\r\ncas k 0 0 1 999\r\ny\r\n",
    b"gat\r\n", b"gat 10\r\n", b"gat abc k\r\n",
    b"set k 0 0 1\r\nx\r\ngats 10 k nokey\r\ngat 0 k\r\n",
    b"stats foo\r\n", b"stats reset\r\n",
    b"get k\n", b"set k 0 0 1\nx\nget k\n", b"get  k   k \r\n",
    b"set k\tx 0 0 1\r\nx\r\nget k\tx\r\n",
    b"append nokey 0 0 1\r\nx\r\n",
    b"set k 0 0 1\r\nx\r\nprepend k 0 0 1\r\ny\r\nappend k 0 0 1\r\nz\r\nget k\r\n",
    b"add k 0 0 1\r\na\r\nadd k 0 0 1\r\nb\r\nreplace q 0 0 1\r\nc\r\n",
    b"set k 0 0 1 noreply\r\nxx\r\n", b"set k 0 0 01\r\nx\r\n",
    b"set k 0x1 0 1\r\nx\r\n", b"set k 0 0 +1\r\nx\r\n",
    b"set k  0 0 1\r\nx\r\n", b"set k 0 0 1 \r\nx\r\n",
    b"incr n 1 noreply\r\nversion\r\n", b"version x\r\n", b"quit\r\n",
    b"get " + b"k " * 2000 + b"\r\n",

    # The recorded cases of tests/unit/ascii_session_test.cc, checked here
    # against memcached itself. Left out: a too-long key late in a
    # multi-get, a deliberate difference README lists.
    b"touch k\r\n", b"incr k\r\n", b"delete\r\n", b"cache_memlimit 100\r\n",
    b"set k 0 0 5\r\nhello\r\n", b"set k 0 abc 5\r\nhello\r\n",
    b"set k 0 0 4294967295\r\n", b"set k 99999999999999999999 0 1\r\nx\r\n",
    b"set k 0 0 1 2 3 4 5 6 7 8 9\r\nx\r\n", b"set k 0 0 0\r\n\r\nget k\r\n",
    b"set " + b"a" * 250 + b" 0 0 1\r\nx\r\n",
    b"set k 4294967295 0 1\r\nx\r\nget k\r\n",
    b"add k 0 0 1\r\na\r\nadd k 0 0 1\r\nb\r\nget k\r\n",
    b"replace k 0 0 1\r\na\r\nset k 0 0 1\r\nb\r\nreplace k 3 0 1\r\nc\r\n"
    b"get k\r\n",
    b"set k 0 0 1\r\nx\r\nappend k 5 5 1\r\ny\r\nprepend k 0 0 1\r\nw\r\n"
    b"get k\r\n",
    b"set k 0 0 1\r\nx\r\ncas k 0 0 1 0\r\ny\r\n",
    b"cas k 0 0 1 5 noreply\r\nx\r\nget k\r\n",
    b"set k 0 0 1\r\nx\r\nget  k   k \r\n", b"get k\x01z\r\n",
    b"set a 1 0 1\r\n1\r\nset c 3 0 1\r\n3\r\nget a b c\r\n",
    b"set k 0 0 1\r\nx\r\ngat 10 k nokey\r\n",
    b"set n 0 0 2\r\n10\r\nincr n abc\r\n",
    b"set n 0 0 2\r\n10\r\nincr n -1\r\n",
    b"set n 0 0 2\r\n10\r\ndecr n 100\r\n",
    b"set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\n",
    b"set n 0 0 3\r\n12a\r\nincr n 1\r\n",
    b"set n 0 0 3\r\n 12\r\nincr n 1\r\nincr n 01\r\n",
    b"set n 0 0 1\r\n9\r\nincr n 1\r\nget n\r\n",
    b"set k 0 0 1\r\nx\r\nincr k 1 2\r\n",
    b"set n 0 0 1\r\n1\r\nincr n 5 noreply\r\ndecr n 2 noreply\r\nget n\r\n",
    b"set k 0 0 1\r\nx\r\ntouch k 10 junk\r\n",
    b"set k 0 0 1\r\nx\r\ntouch k 1 noreply\r\nget k\r\n",
    b"delete k noreply\r\n", b"delete k 0 noreply\r\n",
    b"flush_all noreply\r\n",
    b"set k 0 0 1\r\nx\r\nflush_all 0 noreply\r\nget k\r\n",
    b"verbosity 1 noreply\r\n", b"version\r\n", b"quit\r\nget k\r\n",
]

# Answers that depend on what the server ever held (slab classes, item
# counts survive a flush): compared on servers that never held anything.
FRESH_STREAMS = [b"stats sizes\r\nstats slabs\r\nstats items\r\n"]

# Streams on which tinkercache answers otherwise than memcached 1.6.18 by
# mistake (README lists the deliberate differences, left out above): issue
# 17. Each is still sent to both and its bytes printed, and the test fails
# once tinkercache answers as memcached does, so the entry goes with the fix.
KNOWN_MISMATCHES_ISSUE_17 = {
    # memcached sets the memory limit ("OK"); tinkercache has no such
    # command ("ERROR"). tests/unit/ascii_session_test.cc records ERROR as
    # memcached's answer.
    b"cache_memlimit 100\r\n",
}


def packet(op, key=b"", extras=b"", value=b"", cas=0, magic=0x80,
           key_length=None):
    body = len(extras) + len(key) + len(value)
    return struct.pack(">BBHBBHIIQ", magic, op,
                       len(key) if key_length is None else key_length,
                       len(extras), 0, 0, body, 0xAABBCCDD, cas) + \
        extras + key + value


SETX = struct.pack(">II", 5, 0)
NOOP = packet(0x0a)


def arith(op, key, delta, initial, exptime):
    return packet(op, key, struct.pack(">QQI", delta, initial, exptime))


BINARY_STREAMS = [
    packet(0x00, b"nokey"), packet(0x0c, b"nokey"), packet(0x09, b"nokey") + NOOP,
    packet(0x01, b"k", SETX, b"hello") + packet(0x00, b"k") + packet(0x0c, b"k"),
    packet(0x11, b"k", SETX, b"v") + NOOP,
    packet(0x01, b"k", SETX, b"v") + packet(0x02, b"k", SETX, b"v"),
    packet(0x03, b"nokey", SETX, b"v"), packet(0x0e, b"nokey", b"", b"v"),
    packet(0x01, b"k", SETX, b"v") + packet(0x01, b"k", SETX, b"v", cas=12345),
    packet(0x01, b"nokey2", SETX, b"v", cas=12345),
    packet(0x01, b"k", SETX, b"v") + packet(0x04, b"k") + packet(0x04, b"k"),
    arith(0x05, b"n", 5, 100, 0) + arith(0x05, b"n", 5, 100, 0),
    arith(0x05, b"n2", 5, 100, 0xffffffff),
    packet(0x01, b"k", SETX, b"abc") + arith(0x05, b"k", 5, 100, 0),
    arith(0x06, b"n3", 5, 3, 0) + arith(0x06, b"n3", 5, 3, 0),
    NOOP, packet(0x08) + packet(0x08, extras=struct.pack(">I", 10)),
    packet(0x18) + NOOP, packet(0x10, b"bogus"), packet(0x10, b"reset"),
    packet(0x01, b"k", SETX, b"v") + packet(0x1c, b"k", struct.pack(">I", 10)) +
    packet(0x1c, b"nokey", struct.pack(">I", 10)),
    packet(0x01, b"k", SETX, b"v") + packet(0x1d, b"k", struct.pack(">I", 10)) +
    packet(0x23, b"k", struct.pack(">I", 10)) +
    packet(0x1d, b"nokey", struct.pack(">I", 10)),
    packet(0x1e, b"nokey", struct.pack(">I", 10)) + NOOP,
    packet(0x55) + NOOP, packet(0x20) + NOOP,
    packet(0x00, b"k", b"xxxx") + NOOP, packet(0x01, b"k", b"xxxx", b"v") + NOOP,
    packet(0x0a, b"k") + NOOP, packet(0x00) + NOOP,
    packet(0x00, b"a" * 251) + NOOP, packet(0x00, b"a" * 250),
    NOOP + packet(0x0a, magic=0x81) + NOOP,
    packet(0x01, b"big", SETX, b"x" * 2000000) + NOOP,
    packet(0x11, b"big", SETX, b"x" * 2000000) + NOOP,
    packet(0x07) + NOOP, packet(0x17) + NOOP,
    packet(0x05, b"n", b"1234") + NOOP, packet(0x14, b"nokey") + NOOP,
    packet(0x01, b"k", SETX, b"v") + packet(0x04, b"k", cas=1),
    packet(0x01, b"k", SETX, b"v") + packet(0x0e, b"k", b"", b"x", cas=1),
    packet(0x1b) + NOOP, packet(0x1c, b"k") + NOOP,
    packet(0x08, extras=b"12") + NOOP,

    # The recorded cases of tests/unit/binary_session_test.cc not covered
    # above, checked here against memcached itself.
    packet(0x0d, b"nokey") + NOOP,
    packet(0x01, b"k", SETX, b"hello") + packet(0x00, b"k") +
    packet(0x0c, b"k") + packet(0x09, b"k") + packet(0x0d, b"k"),
    packet(0x01, b"k", SETX, b"v") + packet(0x12, b"k", SETX, b"w"),
    packet(0x02, b"k", SETX, b"v"),
    packet(0x01, b"k", SETX, b"v") +
    packet(0x13, b"k", struct.pack(">II", 9, 0), b"w") + packet(0x00, b"k"),
    packet(0x01, b"k", SETX, b"b") + packet(0x0e, b"k", b"", b"c") +
    packet(0x1a, b"k", b"", b"a") + packet(0x00, b"k"),
    packet(0x01, b"k", SETX, b"v") + packet(0x14, b"k") + packet(0x14, b"k") +
    NOOP,
    arith(0x15, b"n", 1, 7, 0) + arith(0x16, b"n", 2, 0, 0) +
    packet(0x00, b"n"),
    packet(0x0b),
    packet(0x01, b"k", SETX, b"v") + packet(0x08) + packet(0x00, b"k"),
    packet(0x10, b"sizes"),
    packet(0x24, b"nokey", struct.pack(">I", 10)) + NOOP,
]

# Meta command streams (mg, ms, md, ma, mn, me), classic commands between
# them. Left out are the documented flags memcached 1.6.18 lacks (E, N on
# append, C on mg) that README lists.
META_STREAMS = [
    b'mn\r\n',
    b'mn x\r\n',
    b'mg\r\n',
    b'mg foo\r\n',
    b'mg foo v\r\n',
    b'mg foo v q\r\n',
    b'mg foo v Oabc k\r\n',
    b'mg foo v q Oabc k\r\nmn\r\n',
    b'ms foo 3\r\nabc\r\nmg foo\r\nmg foo q\r\nmg foo v q\r\nmg foo s v\r\n',
    b'ms foo 3 q\r\nabc\r\nmn\r\n',
    b'ms foo 3 c k Oxyz b\r\nabc\r\n',
    b'ms foo 3 c k Oxyz\r\nabc\r\n',
    b'ms foo 3 F5 T0 c\r\nabc\r\nmg foo f t s v c k O1 h l\r\n',
    b'ms foo 3 T100\r\nabc\r\nmg foo t\r\nmg foo T0 t\r\nmg foo t\r\n',
    b'ms foo 3\r\nabc\r\nmg foo C999 v c\r\n',
    b'ms foo 3 MZ\r\nabc\r\nmn\r\n',
    b'ms foo 3 ME\r\nabc\r\nms foo 3 ME\r\nxyz\r\nms foo 3 ME q\r\nxyz\r\nmn\r\n',
    b'ms foo 3 MR\r\nabc\r\nms foo 3 MR q\r\nabc\r\nmn\r\n',
    b'ms foo 3\r\nabc\r\nms foo 3 MA\r\ndef\r\nms foo 3 MP\r\nxyz\r\nmg foo v s\r\n',
    b'ms foo 3\r\nabc\r\nms foo 3 C1 q\r\nxyz\r\nmn\r\n',
    b'ms foo 3 C1\r\nxyz\r\n',
    b'ms foo 3 C1 MA\r\nxyz\r\n',
    b'ms foo 3\r\nabc\r\nmg foo c\r\nms foo 3 C1 I\r\nxyz\r\nmg foo v c\r\n',
    b'ms foo S3\r\nabc\r\n',
    b'ms foo\r\n',
    b'ms foo abc\r\nabc\r\n',
    b'ms foo -1\r\n',
    b'ms foo 3 zz\r\nabc\r\nmn\r\n',
    b'ms foo 3 v\r\nabc\r\nmn\r\n',
    b'ms foo 3 F-1\r\nabc\r\nmn\r\n',
    b'ms foo 3 Fabc\r\nabc\r\nmn\r\n',
    b'ms foo 3 Tabc\r\nabc\r\nmn\r\n',
    b'ms foo 3 c c\r\nabc\r\nmn\r\n',
    b'ms foo 3\r\nabcde\r\nmn\r\n',
    b'ms foo 3 MAA\r\nabc\r\nmn\r\n',
    b'ms foo 3 s k\r\nabc\r\n',
    b'ms foo 3 Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nabc\r\nmn\r\n',
    b'md foo\r\n',
    b'md foo q\r\nmn\r\n',
    b'ms foo 3\r\nabc\r\nmd foo\r\nmg foo v\r\n',
    b'ms foo 3\r\nabc\r\nmd foo q\r\nmn\r\n',
    b'ms foo 3\r\nabc\r\nmd foo k O5 q\r\nmn\r\n',
    b'ms foo 3\r\nabc\r\nmd foo k O5\r\n',
    b'ms foo 3\r\nabc\r\nmd foo C1\r\nmd foo C1 q\r\nmn\r\n',
    b'ms foo 3 T0\r\nabc\r\nmd foo I T30\r\nmg foo v c t\r\nmg foo v c t\r\nms foo 3 C9999 I\r\nxyz\r\nmg foo v c\r\n',
    b'ms foo 3\r\nabc\r\nmd foo I\r\nmg foo s\r\nmd foo\r\nmg foo\r\n',
    b'md foo zz\r\n',
    b'md foo q q\r\n',
    b'md\r\n',
    b'md foo x\r\n',
    b'ma cnt\r\n',
    b'ma cnt q\r\nmn\r\n',
    b'ma cnt N0\r\n',
    b'ma cnt N0 J10 v\r\nma cnt v\r\nma cnt D5 v t c\r\nma cnt MD D100 v\r\nma cnt M- v\r\nma cnt M+ v\r\nma cnt MI v\r\n',
    b'ma cnt N0 J10 q\r\nma cnt q v\r\nmn\r\n',
    b'ms cnt 3\r\nabc\r\nma cnt\r\n',
    b'ma cnt MX\r\n',
    b'ma cnt Dabc\r\n',
    b'ma cnt Jabc N0\r\n',
    b'ma cnt N0 C5\r\n',
    b'ms cnt 1\r\n5\r\nmg cnt c\r\nma cnt C1 v\r\n',
    b'ms cnt 1\r\n5\r\nma cnt T100 t v k O9\r\n',
    b'ma cnt N100 J5 t v\r\n',
    b'ma cnt v k O1 b\r\n',
    b'me foo\r\n',
    b'ms foo 3 T0 F5\r\nabc\r\nme foo\r\n',
    b'ms foo 3 T100\r\nabc\r\nmg foo\r\nme foo\r\n',
    b'me\r\n',
    b'me foo b\r\n',
    b'me foo x\r\n',
    b'mg foo v N30 t c\r\nmg foo v N30 t c\r\nmg foo v N30 t c\r\n',
    b'mg foo N30 q\r\nmg foo N30 q\r\nmn\r\n',
    b'ms foo 3 T100\r\nabc\r\nmg foo R200 c\r\nmg foo R200 c\r\nmg foo R50 c\r\n',
    b'ms foo 3 T0\r\nabc\r\nmg foo R200 c\r\n',
    b'mg foo zz\r\n',
    b'mg foo v v\r\n',
    b'mg foo Nabc\r\n',
    b'mg foo Rabc\r\n',
    b'mg foo Tabc\r\n',
    b'mg foo Cabc\r\n',
    b'mg foo P L\r\n',
    b'mg foo Pxx Lyy v\r\n',
    b'mg foo 12\r\n',
    b'mg foo - \r\n',
    b'mg Zm9v b v k\r\n',
    b'ms Zm9v 3 b k c\r\nabc\r\nmg foo v k\r\nmg Zm9v b k v\r\n',
    b'mg Zm9v= b v k\r\n',
    b'mg !!!! b v k\r\n',
    b'ms Zm9v 3 b\r\nabc\r\nmd Zm9v b k\r\n',
    b'ms Zm9v 3 b\r\nabc\r\nma Zm9v b\r\n',
    b'mg foo u h l\r\n',
    b'ms foo 3\r\nabc\r\nmg foo u h\r\nmg foo h\r\nmg foo h\r\n',
    b'ms foo 3 T-1\r\nabc\r\nmg foo v\r\n',
    b'mg foo a b c d e f g h i j k l m n o p q r s t u v w x y z\r\n',
    b'mg foo c f h k l O1 q s t u v\r\n',
    b'mg foo O1 O2\r\n',
    b'ms foo 3 T100\r\nabc\r\nmg foo t T30\r\nmg foo t\r\n',
    b'mg foo t N30\r\nmg foo t\r\n',
    b'mg foo k t c N30 s v\r\n',
    b'ms foo 3\r\nabc\r\nmg foo v q k\r\n',
    b'mg foo a b c d e f g h i j k l m n o p\r\n',
    b'mg foo c f h k l s t u v O1 P1 L1 q T1 N1 R1\r\n',
    b'mg foo c f h k l s t u v O1 P1 L1 q T1 N1 R1 C1\r\n',
    b'mg foo c f h k l s t u v O1 P1 L1 q T1 N1 R1 C1 b\r\n',
    b'mg foo O\r\nms foo 3\r\nabc\r\nmg foo O\r\n',
    b'mg foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
    b'mg foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
    b'ms foo 3\r\nabc\r\nmg foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
    b'ms foo 3\r\nabc\r\nmd foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nmg foo\r\n',
    b'ma foo Oaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
    b'mg ' + b'a' * 251 + b'aaaa v\r\n',
    b'ms ' + b'a' * 251 + b'aaaa 3\r\nabc\r\nmn\r\n',
    b'md ' + b'a' * 251 + b'aaaa q\r\n',
    b'ma ' + b'a' * 251 + b'aaaa\r\n',
    b'me ' + b'a' * 251 + b'aaaa\r\n',
    b'ms foo 3 T0 I\r\nabc\r\nmg foo v\r\n',
    b'ms foo 3\r\nabc\r\nmg foo c\r\n',
    b'ms foo 3\r\nabc\r\nmd foo I q\r\nmd foo T30\r\nmn\r\n',
    b'ms foo 3\r\nabc\r\nmd foo T30\r\nmg foo\r\n',
    b'ms foo 3 T100\r\nabc\r\nmd foo I T0\r\nmg foo t\r\n',
    b'ma cnt N0 T30 t\r\n',
    b'ms cnt 2\r\n99\r\nma cnt v s\r\nmg cnt v s\r\n',
    b'ms cnt 2\r\n99\r\nma cnt MD D5 v\r\nmg cnt v s\r\n',
    b'mg foo zz q\r\n',
    b'ms foo 3 q zz\r\nabc\r\nmn\r\n',
    b'ms foo 3 MA q\r\nabc\r\nmn\r\n',
    b'mg foo v\r\nmg foo v q\r\nmg foo v k q\r\nmn\r\n',
    b'mn\r\nmg foo v q\r\nget foo\r\nmg foo k v\r\nmn\r\n',
    b'ms foo 3 F4294967295\r\nabc\r\nmg foo f\r\n',
    b'ms foo 3 F4294967296\r\nabc\r\nmg foo f\r\n',
    b'ms foo 3 T-1\r\nabc\r\nmg foo\r\n',
    b'ms foo 3 T2592001\r\nabc\r\nmg foo t\r\n',
    b'ms foo 3\r\nabc\r\nms foo 3 I\r\nxyz\r\nmg foo v\r\n',
    b'ms foo 3\r\nabc\r\nmg foo\r\nmg foo h l\r\n',
    b'mg foo v N30\r\nms foo 3\r\nabc\r\nmg foo v c\r\n',
    b'mg foo v N30\r\nmd foo I\r\nmg foo c v\r\nmg foo c v\r\n',
    b'ms foo 3\r\nabc\r\nmd foo I\r\nma foo\r\n',
    b'ms foo 1\r\n5\r\nmd foo I\r\nma foo v\r\nmg foo v\r\n',
    b'ms foo 1\r\n5\r\nmd foo I\r\nms foo 3 MA\r\nabc\r\nmg foo v\r\n',
    b'ms foo 1\r\n5\r\nmd foo I\r\ntouch foo 10\r\nmg foo v\r\n',
    b'ms foo 1\r\n5\r\nmd foo I\r\nget foo\r\nmg foo v\r\n',
    b'ms foo 1\r\n5\r\nmg foo R30 v\r\n',
    b'ms foo 1 T10\r\n5\r\nmg foo R30 v\r\nmg foo R30 v\r\nms foo 1 T10\r\n6\r\nmg foo R30 v\r\n',
    b'ms foo 1 T10\r\n5\r\nmg foo R30 v\r\nmd foo I\r\nmg foo v\r\n',
    b'mg foo N30 v\r\nmg foo N30 v\r\nmg foo T60 v\r\nms foo 1\r\nX\r\nmg foo v\r\n',
    b'mg foo v N0\r\nmg foo t\r\n',
    b'mg foo v N-1\r\nmg foo t\r\n',
    b'ms foo 3\r\nabc\r\nmg foo c\r\n',
    b'ms foo 3 C1 c\r\nabc\r\nms foo 3 ME c\r\nabc\r\nms foo 3 ME c\r\nabc\r\n',
    b'mg Zm9vYg== b k v\r\nms Zm9vYg== 1 b\r\nx\r\nmg Zm9vYg== b k v\r\n',
    b'ms Zm9vYg 1 b\r\nx\r\nmg Zm9vYg b k v\r\n',
    b'ms Zm9vY 1 b\r\nx\r\n',
    b'ms Zg= 1 b\r\nx\r\n',
    b'ms Zg 1 b\r\nx\r\nmg Zg== b k v\r\n',
    b'ms Z 1 b\r\nx\r\n',
    b'ms Zm9v=Zm9v 1 b\r\nx\r\n',
    b'ms Zm9_ 1 b\r\nx\r\n',
    b'ms Zm9- 1 b\r\nx\r\n',
    b'ms Zm+/ 1 b\r\nx\r\nmg Zm+/ b k\r\n',
    b'ms IA== 1 b\r\nx\r\nmg IA== b k\r\nme IA== b\r\n',
    b'ms foo 3\r\nabc\r\nme foo b\r\nme Zm9v b\r\nme Zm9v b x\r\nme Zm9v x b\r\n',
    b'ms foo 3\r\nabc\r\nmg foo c\r\nmg foo C1 v\r\n',
    b'ms foo 3 I\r\nabc\r\nmd foo I C1\r\n',
    b'md foo I\r\n',
    b'ms foo 3\r\nabc\r\nmg foo s l h c t f k q O1 T5 R9 N9\r\nme foo\r\n',
    b'ma foo N0 J18446744073709551615 v\r\nma foo v\r\n',
    b'ma foo N0 J18446744073709551616 v\r\n',
    b'ma foo D18446744073709551615 N0 v\r\n',
    b'ms foo 2\r\n 1\r\nma foo v\r\n',
    b'ms foo 2\r\n1 \r\nma foo v\r\n',
    b'ms foo 3\r\n100\r\nma foo MD D1 v\r\nmg foo v\r\n',
    b'ms foo 3 F7 T100\r\n100\r\nma foo v t c\r\nma foo D900 v\r\nmg foo f t v\r\n',
    b'ma foo N0 q\r\nmn\r\n',
    b'ma foo N0 q v\r\nmn\r\n',
    b'ma foo N0 J7 v q\r\nma foo v q\r\nma foo v\r\n',
    b'ma foo C1 N0 v\r\n',
    b"ms foo 2000000 T0\r\n" + b"x" * 2000000 + b"\r\nmn\r\n",
    b"ms foo 1\r\nx\r\nms foo 2000000 q\r\n" + b"x" * 2000000 +
    b"\r\nmg foo v\r\n",
    b"set k 0 0 1\r\nx\r\nmg k v f\r\nget k\r\nms k 1 q F3\r\ny\r\n"
    b"gets nokey\r\nmg k v f q\r\nincr k 1\r\nma k v\r\nmn\r\n",
    b"mg a v q\r\nms b 1 q\r\nx\r\nmd c q\r\nset d 0 0 1 noreply\r\ny\r\n"
    b"ms e 1 q ME\r\nz\r\nms e 1 q ME\r\nz\r\nma f q\r\nma g q v\r\n"
    b"mg zz q !\r\nget d\r\nmg b v q k\r\nmn\r\n",
]


META_CODES = (b"HD", b"VA", b"EN", b"NF", b"NS", b"EX")


def ascii_view(reply, version):
    """`reply` with CAS uniques as ids in order of appearance, the exact
    VERSION line of `version` and memcached's slab-decided item size
    masked. Data blocks pass untouched."""
    ids = {}

    def cas(unique):
        return b"<cas%d>" % ids.setdefault(unique, len(ids) + 1)

    out, pos = [], 0
    while pos < len(reply):
        end = reply.find(b"\r\n", pos)
        if end < 0:
            out.append(reply[pos:])
            break
        words = reply[pos:end].split(b" ")
        pos = end + 2
        data = None  # bytes of the data block that follows
        if words[0] == b"VALUE" and len(words) in (4, 5):
            if len(words) == 5 and words[4].isdigit():
                words[4] = cas(words[4])
            data = int(words[3]) if words[3].isdigit() else None
        elif words[0] in META_CODES:
            if words[0] == b"VA" and len(words) > 1 and words[1].isdigit():
                data = int(words[1])
            words = [b"c" + cas(w[1:]) if w[:1] == b"c" and w[1:].isdigit()
                     else w for w in words]
        elif words[0] == b"ME":
            words = [b"cas=" + cas(w[4:]) if w.startswith(b"cas=") else
                     b"size=<size>" if w.startswith(b"size=") else w
                     for w in words]
        elif words == [b"VERSION", version]:
            words[1] = b"<version>"
        out.append(b" ".join(words) + b"\r\n")
        if data is not None and pos + data + 2 <= len(reply):
            out.append(reply[pos:pos + data + 2])
            pos += data + 2
    return b"".join(out)


Packet = collections.namedtuple(
    "Packet", "magic opcode key_length extras_length data_type status "
    "body_length opaque cas extras key value")


def binary_view(reply, version):
    """Every reply packet whole (header, extras, key, value), with the CAS
    field as an id in order of appearance (0 stays 0) and the body of a
    VERSION reply of exactly `version` masked; then the bytes that do not
    form a packet, and whether the server closed."""
    closed = reply.endswith(b"<closed>")
    if closed:
        reply = reply[:-len(b"<closed>")]
    ids = {0: 0}
    out = []
    while len(reply) >= HEADER.size:
        (magic, op, key_length, extras_length, data_type, status, body_length,
         opaque, cas) = HEADER.unpack(reply[:HEADER.size])
        body = reply[HEADER.size:HEADER.size + body_length]
        reply = reply[HEADER.size + body_length:]
        extras = body[:extras_length]
        key = body[extras_length:extras_length + key_length]
        value = body[extras_length + key_length:]
        if op == 0x0b and status == 0 and value == version:
            value, body_length = b"<version>", None
        out.append(Packet(magic, op, key_length, extras_length, data_type,
                          status, body_length, opaque,
                          ids.setdefault(cas, len(ids)), extras, key, value))
    return out, reply, closed


# Counters the meta commands move, compared after the same stream.
META_COUNTERS = [
    b"cmd_get", b"get_hits", b"get_misses", b"cmd_touch", b"touch_hits",
    b"touch_misses", b"cmd_set", b"cas_hits", b"cas_badval", b"cas_misses",
    b"delete_hits", b"delete_misses", b"incr_hits", b"incr_misses",
    b"decr_hits", b"cmd_meta",
]
COUNTED_STREAM = (
    b"ms k 1\r\nx\r\nmg k\r\nmg nope v\r\nmg k T10\r\nmg nope T10\r\n"
    b"ms k 1 C999999\r\ny\r\nms nope 1 C1\r\ny\r\nmd nope\r\nmd k\r\n"
    b"ms n 1\r\n5\r\nma n\r\nma nope\r\nma n MD\r\nme n\r\nme nope\r\n"
    b"mn\r\n")


def counters(port):
    reply = exchange(port, b"stats\r\n", settle=0.1)
    values = dict(re.findall(rb"STAT (\S+) (\S+)\r\n", reply))
    return {name: values.get(name) for name in META_COUNTERS}

def both(pool, mc, tc, stream, flush=None, settle=0.15):
    """The replies of memcached and tinkercache to `stream`, sent to both at
    once, each after `flush` (if given) on a connection of its own."""
    def run(server):
        if flush is not None:
            exchange(server.port, flush, settle=0.05)
        return exchange(server.port, stream, settle=settle)
    return tuple(pool.map(run, (mc, tc)))


class VersusMemcachedTest(unittest.TestCase):
    def check(self, stream, want, got, view):
        """Asserts tinkercache's reply is memcached's, or for a known
        mismatch that it still differs (and shows both)."""
        with self.subTest(stream=stream[:80]):
            mc_view = view(want, MEMCACHED_VERSION)
            tc_view = view(got, TINKERCACHE_VERSION)
            if stream not in KNOWN_MISMATCHES_ISSUE_17:
                self.assertEqual(tc_view, mc_view)
                return
            self.assertNotEqual(
                tc_view, mc_view, "tinkercache now answers as memcached: "
                "remove the stream from KNOWN_MISMATCHES_ISSUE_17")
            print(f"\nknown mismatch (issue 17): {stream[:80]!r}\n"
                  f"  memcached:   {want[:200]!r}\n"
                  f"  tinkercache: {got[:200]!r}", file=sys.stderr)

    def compare(self, streams, flush, view):
        """Each stream on an empty cache of both servers."""
        with Memcached() as mc, Server() as tc, \
                ThreadPoolExecutor(2) as pool:
            for stream in streams:
                want, got = both(pool, mc, tc, stream, flush)
                self.check(stream, want, got, view)
            self.assertEqual(tc.stop(), 0)

    def test_same_replies_as_memcached(self):
        self.compare(STREAMS, b"flush_all\r\n", ascii_view)

    def test_same_replies_as_memcached_when_fresh(self):
        for stream in FRESH_STREAMS:
            with Memcached() as mc, Server() as tc, \
                    ThreadPoolExecutor(2) as pool:
                want, got = both(pool, mc, tc, stream)
                self.check(stream, want, got, ascii_view)
                self.assertEqual(tc.stop(), 0)

    def test_same_binary_replies_as_memcached(self):
        self.compare(BINARY_STREAMS, packet(0x08), binary_view)

    def test_same_meta_replies_as_memcached(self):
        self.compare(META_STREAMS, b"flush_all\r\n", ascii_view)

    def test_meta_cas_driven_streams_as_memcached(self):
        # Streams that use the CAS each server gave: compare-and-set,
        # invalidation by an older CAS, CAS-gated delete and arithmetic.
        def run(port):
            exchange(port, b"flush_all\r\n", settle=0.05)
            out = [exchange(port, b"ms k 3\r\nabc\r\nms n 1\r\n5\r\n")]
            cas = int(re.search(rb"c(\d+)",
                                exchange(port, b"mg k c\r\n")).group(1))
            ncas = int(re.search(rb"c(\d+)",
                                 exchange(port, b"mg n c\r\n")).group(1))
            for line in (b"ms k 1 C%d I\r\nx\r\nmg k v\r\n" % (cas - 1),
                         b"md k I\r\nms k 1 C%d I\r\ny\r\nmg k v t\r\n" % cas,
                         b"ma n C%d v\r\nma n C%d v\r\n" % (ncas, ncas),
                         b"mg k c\r\n"):
                out.append(ascii_view(exchange(port, line), b""))
            cas = int(re.search(rb"c(\d+)",
                                exchange(port, b"mg k c\r\n")).group(1))
            out.append(exchange(port, b"md k C%d q\r\nmd k C%d\r\nmn\r\n"
                                % (cas + 1, cas)))
            return out

        with Memcached() as mc, Server() as tc:
            self.assertEqual(run(tc.port), run(mc.port))
            self.assertEqual(tc.stop(), 0)

    def test_meta_commands_count_as_memcached(self):
        with Memcached() as mc, Server() as tc:
            for port in (mc.port, tc.port):
                exchange(port, b"stats reset\r\n", settle=0.05)
                exchange(port, COUNTED_STREAM, settle=0.15)
            self.assertEqual(counters(tc.port), counters(mc.port))
            self.assertEqual(tc.stop(), 0)


if __name__ == "__main__":
    unittest.main()
