"""Sends identical request streams to memcached 1.6.18 and to tinkercache and
compares the replies byte for byte, after masking what legitimately differs
(CAS uniques and the version string)."""

import re
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


class VersusMemcachedTest(unittest.TestCase):
    def test_same_replies_as_memcached(self):
        with Memcached() as mc, Server() as tc:
            for stream in STREAMS:
                # Each stream starts from an empty cache on both servers.
                exchange(mc.port, b"flush_all\r\n", settle=0.05)
                exchange(tc.port, b"flush_all\r\n", settle=0.05)
                want = normalize(exchange(mc.port, stream, settle=0.15))
                got = normalize(exchange(tc.port, stream, settle=0.15))
                self.assertEqual(got, want, f"stream {stream[:80]!r}")
            self.assertEqual(tc.stop(), 0)


if __name__ == "__main__":
    unittest.main()
