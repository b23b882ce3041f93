"""Replays spec/compact_vectors.txt against the running server, on the
shared port and on the dedicated compact port."""

import os
import re
import socket
import subprocess
import unittest

from harness import BIN, Server, exchange, read_until

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "spec",
                    "compact_vectors.txt")


def load_vectors():
    vectors = []
    with open(SPEC) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, request, reply = (part.strip() for part in line.split("|"))
            closes = reply.endswith("close")
            if closes:
                reply = reply[:-len("close")].strip()
            vectors.append((name, bytes.fromhex(request), reply.split(),
                            closes))
    return vectors


def matches(pattern, reply):
    """Whether `reply` is what the vector's reply pattern allows (the
    notation is in spec/compact_vectors.txt's header)."""
    pos = 0
    i = 0
    while i < len(pattern):
        token = pattern[i]
        if i + 1 < len(pattern) and pattern[i + 1] == "*":
            code = int(token, 16)
            i += 2
            if pos + 2 <= len(reply) and reply[pos] == code:
                pos += 2 + reply[pos + 1]
                if pos > len(reply):
                    return False
            elif code != 0x64:  # only MESSAGE may be absent
                return False
            continue
        if pos >= len(reply):
            return False
        if token != "??" and reply[pos] != int(token, 16):
            return False
        pos += 1
        i += 1
    return pos == len(reply)


class MatchesTest(unittest.TestCase):
    def test_the_notation(self):
        self.assertTrue(matches("64 * 20 07".split(), b"\x64\x02ab\x20\x07"))
        self.assertTrue(matches("64 * 20 07".split(), b"\x20\x07"))
        self.assertFalse(matches("64 * 20 07".split(), b"\x20\x08"))
        self.assertFalse(matches("61 * 00".split(), b"\x00"))
        self.assertTrue(matches("a0 ?? 00".split(), b"\xa0\x09\x00"))
        self.assertFalse(matches("00".split(), b"\x00\x00"))


class CompactVectorsTest(unittest.TestCase):
    def replay(self, port, dedicated):
        vectors = load_vectors()
        self.assertGreater(len(vectors), 50)
        for name, request, pattern, closes in vectors:
            if name.startswith("compact port only:") and not dedicated:
                continue
            with self.subTest(name):
                for chunk in (None, 1):  # whole, then a byte at a time
                    # Each vector starts from an empty cache.
                    exchange(port, b"\x01\x14\x00", settle=0.05)
                    got = exchange(port, request, settle=0.15, chunk=chunk)
                    closed = got.endswith(b"<closed>")
                    if closed:
                        got = got[:-len(b"<closed>")]
                    self.assertTrue(matches(pattern, got),
                                    f"{got.hex(' ')} is not {' '.join(pattern)}")
                    self.assertEqual(closed, closes)

    def test_vectors_on_the_shared_port(self):
        with Server("--compact-port", "0") as server:
            self.replay(server.port, dedicated=False)
            self.assertEqual(server.stop(), 0)

    def test_vectors_on_the_compact_port(self):
        with Server("--compact-port", "0") as server:
            self.replay(server.compact_port, dedicated=True)
            self.assertEqual(server.stop(), 0)


def _str8(code, data):
    return bytes([code, len(data)]) + data


def _value(data):
    return b"\x80" + len(data).to_bytes(4, "big") + data


class CompactItemLimitTest(unittest.TestCase):
    """Section 3.3: a client computes the limit from `item_size_max` alone
    (key + value + 59, 4 more with FLAGS not 0), and the server enforces
    exactly that, dropping the old value of a SET it refuses."""

    def test_the_limit_a_client_computes(self):
        with Server("-I", "1024") as server:
            port = server.port
            settings = exchange(port, b"\x01\x17" + _str8(0x62, b"settings")
                                + b"\x00")
            self.assertIn(_str8(0x62, b"item_size_max") + _str8(0x63, b"1024"),
                          settings)
            limit = 1024 - 59
            key = b"kk"
            set_ = b"\x01\x08" + _str8(0x60, key)
            get = b"\x01\x05" + _str8(0x60, key) + b"\x00"
            too_large = re.compile(rb"(\x64.[^\x20]*)?\x20\x04", re.S)
            # At the limit: stored.
            self.assertEqual(exchange(port, set_ + _value(b"v" * (limit - 2))
                                      + b"\x00"), b"\x00")
            # One byte over at GO: refused, and the old value is gone.
            reply = exchange(port, set_ + _value(b"w" * (limit - 1)) + b"\x00")
            self.assertRegex(reply, too_large)
            self.assertEqual(exchange(port, get), b"\x20\x01")
            # FLAGS not 0 take 4 bytes more.
            flags = b"\x40\x00\x00\x00\x01"
            self.assertEqual(exchange(port, set_ + flags + _value(
                b"v" * (limit - 6)) + b"\x00"), b"\x00")
            self.assertRegex(exchange(port, set_ + flags + _value(
                b"v" * (limit - 5)) + b"\x00"), too_large)
            self.assertEqual(exchange(port, get), b"\x20\x01")
            # A VALUE over the item limit is refused as it arrives, with the
            # same outcome at GO.
            exchange(port, set_ + _value(b"old") + b"\x00")
            self.assertRegex(exchange(port, set_ + _value(b"x" * 5000)
                                      + b"\x00"), too_large)
            self.assertEqual(exchange(port, get), b"\x20\x01")
            # The size is checked first: before the key exists (ADD) and
            # before the CAS (a SET with a wrong UNIQUE still drops it).
            exchange(port, set_ + _value(b"old") + b"\x00")
            add = b"\x01\x0b" + _str8(0x60, key)
            self.assertRegex(exchange(port, add + _value(b"w" * (limit - 1))
                                      + b"\x00"), too_large)
            self.assertEqual(exchange(port, get), b"\x61\x03old\x00")
            unique = b"\xa0" + bytes(8)
            self.assertRegex(exchange(port, set_ + unique + _value(
                b"w" * (limit - 1)) + b"\x00"), too_large)
            self.assertEqual(exchange(port, get), b"\x20\x01")
            # APPEND: its own value too large is TOO_LARGE, the combined
            # value too large NOT_STORED; the item stays either way.
            exchange(port, set_ + _value(b"old") + b"\x00")
            append = b"\x01\x0e" + _str8(0x60, key)
            self.assertRegex(exchange(port, append + _value(
                b"w" * (limit - 1)) + b"\x00"), too_large)
            self.assertEqual(exchange(port, append + _value(
                b"w" * (limit - 2)) + b"\x00"), b"\x20\x03")
            self.assertEqual(exchange(port, get), b"\x61\x03old\x00")
            # The ASCII protocol draws the line at the same byte.
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"set kk 0 0 %d\r\n%s\r\n" % (limit - 2,
                                                       b"v" * (limit - 2)))
                self.assertEqual(read_until(s, b"\r\n"), b"STORED\r\n")
                s.sendall(b"set kk 0 0 %d\r\n%s\r\n" % (limit - 1,
                                                       b"v" * (limit - 1)))
                self.assertEqual(read_until(s, b"\r\n"),
                                 b"SERVER_ERROR object too large for cache\r\n")
            self.assertEqual(exchange(port, get), b"\x20\x01")
            self.assertEqual(server.stop(), 0)


class CompactExampleTest(unittest.TestCase):
    def test_c_client_example_runs_against_the_server(self):
        example = os.path.join(os.path.dirname(BIN), "tcc_example")
        with Server() as server:
            for boots in (1, 2):
                result = subprocess.run(
                    [example, "127.0.0.1", str(server.port)],
                    capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout,
                                 "greeting = hello, device\n"
                                 f"boots = {boots}\n")
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
