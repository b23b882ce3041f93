"""Sends identical request streams to memcached 1.6.18 and to tinkercache and
compares the replies byte for byte, after masking what legitimately differs
(CAS uniques and the version string)."""

import re
import struct
import unittest

from harness import Memcached, Server, exchange

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
]


def normalize(reply):
    reply = re.sub(rb"(VALUE \S+ \d+ \d+) \d+\r\n", rb"\1 <cas>\r\n", reply)
    return re.sub(rb"VERSION \S+", b"VERSION <v>", reply)


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


# Binary streams; left out are the deliberate differences README lists
# (VERBOSITY's reply, an unknown opcode with a body, a key longer than the
# body) and stats whose values differ by nature.
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


def normalize_meta(reply):
    """CAS values, and the item size memcached's slab layout decides."""
    reply = re.sub(rb" c\d+", b" c<cas>", reply)
    reply = re.sub(rb"cas=\d+", b"cas=<cas>", reply)
    return re.sub(rb"size=\d+", b"size=<size>", reply)


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


def describe(reply):
    """The reply packets with CAS values and the version masked."""
    closed = reply.endswith(b"<closed>")
    if closed:
        reply = reply[:-len(b"<closed>")]
    out = []
    while len(reply) >= 24:
        (magic, op, kl, el, _, status, bl, opaque,
         cas) = struct.unpack(">BBHBBHIIQ", reply[:24])
        body = reply[24:24 + bl]
        value = body[el + kl:]
        if op == 0x0b:
            value = b"<version>"
        out.append((magic, op, status, body[:el], body[el:el + kl], value,
                    opaque, bool(cas)))
        reply = reply[24 + bl:]
    return out, reply, closed


class VersusMemcachedTest(unittest.TestCase):
    def compare(self, streams, flush, view):
        """Each stream on an empty cache of both servers; `view` masks what
        legitimately differs."""
        with Memcached() as mc, Server() as tc:
            for stream in streams:
                exchange(mc.port, flush, settle=0.05)
                exchange(tc.port, flush, settle=0.05)
                want = view(exchange(mc.port, stream, settle=0.15))
                got = view(exchange(tc.port, stream, settle=0.15))
                self.assertEqual(got, want, f"stream {stream[:80]!r}")
            self.assertEqual(tc.stop(), 0)

    def test_same_replies_as_memcached(self):
        self.compare(STREAMS, b"flush_all\r\n", normalize)

    def test_same_binary_replies_as_memcached(self):
        self.compare(BINARY_STREAMS, packet(0x08), describe)

    def test_same_meta_replies_as_memcached(self):
        self.compare(META_STREAMS, b"flush_all\r\n", normalize_meta)

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
                out.append(normalize_meta(exchange(port, line)))
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
