"""One reply per request, in order, on every protocol, whatever the client's
reading speed: the desynchronisation of issue 17 replayed over TCP (after a
multi-get whose replies passed the output limit, later requests were
answered twice and later input misread), then long pipelines of large
multi-gets read by a fast client, a slow one, and one that reads nothing
until the server stops taking its requests."""

import socket
import struct
import threading
import time
import unittest

from harness import HEADER, ServerTestCase, binary_request, read_until

MB = 1 << 20


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(20)  # a lost reply fails the test instead of hanging it
    return s


def recv_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        got = sock.recv(min(n - len(data), 1 << 20))
        if not got:
            raise ConnectionError(f"closed after {len(data)} of {n} bytes")
        data += got
    return bytes(data)


# The binary protocol.
SET_EXTRAS = struct.pack(">II", 0, 0)


def packets(data):
    """Reply packets as (opcode, status, opaque, extras, key, value): the
    whole packet but its CAS, which differs from run to run."""
    out = []
    while data:
        magic, op, key_len, extras_len, _, status, body, opaque, _ = \
            HEADER.unpack(data[:24])
        assert magic == 0x81, data[:24]
        b = data[24:24 + body]
        out.append((op, status, opaque, b[:extras_len],
                    b[extras_len:extras_len + key_len],
                    b[extras_len + key_len:]))
        data = data[24 + body:]
    return out


def binary_value_reply(op, opaque, value, key=b""):
    return (op, 0, opaque, struct.pack(">I", 0), key, value)


# The compact protocol (spec/compact.md).
CLEAR, GO, QUIET, WANT_KEY = b"\x01", b"\x00", b"\x02", b"\x04"
GET, SET, NOOP = b"\x05", b"\x08", b"\x15"
OK = b"\x00"


def key(k):
    return b"\x60" + bytes([len(k)]) + k


def value(v):
    return b"\x80" + struct.pack(">I", len(v)) + v


def r_key(k):
    return b"\x60" + bytes([len(k)]) + k


def r_value(v):
    if len(v) <= 255:
        return b"\x61" + bytes([len(v)]) + v
    return b"\x80" + struct.pack(">I", len(v)) + v


class IssueSeventeenReproTest(ServerTestCase):
    """The exact sequences that desynchronised a connection."""

    def test_ascii(self):
        with connect(self.server.port) as s:
            s.sendall(b"set big0 0 0 1000000\r\n" + b"x" * 1000000 +
                      b"\r\nset k12 0 0 3\r\nabc\r\nmn\r\n")
            self.assertEqual(read_until(s, b"MN\r\n"),
                             b"STORED\r\nSTORED\r\nMN\r\n")
            s.sendall(b"get big0 k12\r\nget k12\r\nmn\r\n")
            got = read_until(s, b"MN\r\n")
            self.assertEqual(len(got), 1000078)
            self.assertEqual(
                got, b"VALUE big0 0 1000000\r\n" + b"x" * 1000000 +
                b"\r\nVALUE k12 0 3\r\nabc\r\nEND\r\n"
                b"VALUE k12 0 3\r\nabc\r\nEND\r\nMN\r\n")
            s.sendall(b"set user 0 0 4\r\n0x10\r\nmn\r\n")
            self.assertEqual(read_until(s, b"MN\r\n"), b"STORED\r\nMN\r\n")
            s.sendall(b"get user\r\nmn\r\n")
            self.assertEqual(read_until(s, b"MN\r\n"),
                             b"VALUE user 0 4\r\n0x10\r\nEND\r\nMN\r\n")

    def exchange_binary(self, s, requests):
        """Sends the packets in one write; returns the replies up to and
        including the NOOP that ends them."""
        s.sendall(b"".join(requests))
        replies = []
        while True:
            head = recv_exactly(s, 24)
            body = recv_exactly(s, HEADER.unpack(head)[6])
            replies += packets(head + body)
            if replies[-1][0] == 0x0a:
                return replies

    def test_binary(self):
        big = b"x" * 1000000
        with connect(self.server.port) as s:
            self.assertEqual(self.exchange_binary(s, [
                binary_request(0x01, b"big0", SET_EXTRAS, big, opaque=1),
                binary_request(0x01, b"k12", SET_EXTRAS, b"abc", opaque=2),
                binary_request(0x0a, opaque=3)]),
                [(0x01, 0, 1, b"", b"", b""), (0x01, 0, 2, b"", b"", b""),
                 (0x0a, 0, 3, b"", b"", b"")])
            self.assertEqual(self.exchange_binary(s, [
                binary_request(0x00, b"big0", opaque=4),
                binary_request(0x00, b"k12", opaque=5),
                binary_request(0x0a, opaque=6)]),
                [binary_value_reply(0x00, 4, big),
                 binary_value_reply(0x00, 5, b"abc"),
                 (0x0a, 0, 6, b"", b"", b"")])
            self.assertEqual(self.exchange_binary(s, [
                binary_request(0x01, b"user", SET_EXTRAS, b"0x10", opaque=7),
                binary_request(0x0a, opaque=8)]),
                [(0x01, 0, 7, b"", b"", b""), (0x0a, 0, 8, b"", b"", b"")])
            self.assertEqual(self.exchange_binary(s, [
                binary_request(0x00, b"user", opaque=9),
                binary_request(0x0a, opaque=10)]),
                [binary_value_reply(0x00, 9, b"0x10"),
                 (0x0a, 0, 10, b"", b"", b"")])

    def test_compact(self):
        big = b"x" * 1000000
        with connect(self.server.port) as s:
            s.sendall(CLEAR + SET + key(b"big0") + value(big) + GO +
                      key(b"k12") + value(b"abc") + GO)
            self.assertEqual(recv_exactly(s, 2), OK + OK)
            # A quiet multi-get with keys, then a plain get, in one write.
            s.sendall(CLEAR + GET + QUIET + WANT_KEY + key(b"big0") + GO +
                      key(b"k12") + GO + CLEAR + GET + key(b"k12") + GO)
            expected = (r_key(b"big0") + r_value(big) + OK + r_key(b"k12") +
                        r_value(b"abc") + OK + r_value(b"abc") + OK)
            self.assertEqual(recv_exactly(s, len(expected)), expected)
            s.sendall(CLEAR + SET + key(b"user") + value(b"0x10") + GO)
            self.assertEqual(recv_exactly(s, 1), OK)
            s.sendall(CLEAR + GET + key(b"user") + GO)
            expected = r_value(b"0x10") + OK
            self.assertEqual(recv_exactly(s, len(expected)), expected)
            s.settimeout(0.3)  # and nothing more
            with self.assertRaises(socket.timeout):
                s.recv(1)


# Large values with distinct contents, so a reply answered twice or to the
# wrong request cannot look right.
VALUES = {b"big%d" % i: bytes([65 + i]) * 300_000 for i in range(3)}
ROUNDS = 12


def ascii_pipeline():
    setup = b"".join(b"set %s 0 0 %d\r\n%s\r\n" % (k, len(v), v)
                     for k, v in VALUES.items()) + b"mn\r\n"
    setup_reply = b"STORED\r\n" * len(VALUES) + b"MN\r\n"
    requests, replies = [], []
    for i in range(ROUNDS):
        requests.append(b"get big0 nokey big1 big2\r\nset s%d 0 0 2\r\n%02d\r\n"
                        b"get s%d\r\nmg big1 v q\r\nmg nokey v q\r\nmn\r\n"
                        % (i, i, i))
        replies.append(
            b"".join(b"VALUE %s 0 %d\r\n%s\r\n" % (k, len(VALUES[k]),
                                                   VALUES[k])
                     for k in (b"big0", b"big1", b"big2")) + b"END\r\n" +
            b"STORED\r\nVALUE s%d 0 2\r\n%02d\r\nEND\r\n" % (i, i) +
            b"VA 300000\r\n" + VALUES[b"big1"] + b"\r\nMN\r\n")
    return setup, setup_reply, b"".join(requests), b"".join(replies)


def binary_pipeline():
    setup = b"".join(binary_request(0x01, k, SET_EXTRAS, v, opaque=1)
                     for k, v in VALUES.items()) + binary_request(0x0a)
    setup_reply = [(0x01, 0, 1, b"", b"", b"")] * len(VALUES) + \
        [(0x0a, 0, 0, b"", b"", b"")]
    requests, replies = [], []
    for i in range(ROUNDS):
        o = 100 * i
        small = b"%02d" % i
        requests.append(
            binary_request(0x0d, b"big0", opaque=o + 1) +       # GETKQ
            binary_request(0x09, b"nokey", opaque=o + 2) +      # GETQ miss
            binary_request(0x09, b"big1", opaque=o + 3) +       # GETQ
            binary_request(0x0c, b"big2", opaque=o + 4) +       # GETK
            binary_request(0x11, b"s%d" % i, SET_EXTRAS, small,
                           opaque=o + 5) +                      # SETQ
            binary_request(0x00, b"s%d" % i, opaque=o + 6) +    # GET
            binary_request(0x0a, opaque=o + 7))                 # NOOP
        replies += [binary_value_reply(0x0d, o + 1, VALUES[b"big0"], b"big0"),
                    binary_value_reply(0x09, o + 3, VALUES[b"big1"]),
                    binary_value_reply(0x0c, o + 4, VALUES[b"big2"], b"big2"),
                    binary_value_reply(0x00, o + 6, small),
                    (0x0a, 0, o + 7, b"", b"", b"")]
    return setup, setup_reply, b"".join(requests), replies


def compact_pipeline():
    setup = CLEAR + SET + b"".join(key(k) + value(v) + GO
                                   for k, v in VALUES.items())
    setup_reply = OK * len(VALUES)
    requests, replies = [], []
    for i in range(ROUNDS):
        small = b"%02d" % i
        requests.append(
            CLEAR + GET + QUIET + WANT_KEY + key(b"big0") + GO +
            key(b"nokey") + GO + key(b"big1") + GO + key(b"big2") + GO +
            CLEAR + QUIET + SET + key(b"s%d" % i) + value(small) + GO +
            CLEAR + GET + key(b"s%d" % i) + GO + CLEAR + NOOP + GO)
        replies.append(
            b"".join(r_key(k) + r_value(VALUES[k]) + OK
                     for k in (b"big0", b"big1", b"big2")) +
            r_value(small) + OK + OK)
    return setup, setup_reply, b"".join(requests), b"".join(replies)


class ReadersTest(ServerTestCase):
    """Each protocol's pipeline (12 rounds of a multi-get of three 300 KB
    values, a miss, a store and a get of a small value; 11 MB of replies)
    sent in one write from a second thread, read three ways."""

    def converse(self, pipeline, reader):
        setup, setup_reply, requests, replies = pipeline
        total = len(replies) if isinstance(replies, bytes) else None
        with connect(self.server.port) as s:
            s.sendall(setup)
            if isinstance(setup_reply, bytes):
                self.assertEqual(recv_exactly(s, len(setup_reply)),
                                 setup_reply)
            else:
                got = []
                while len(got) < len(setup_reply):
                    head = recv_exactly(s, 24)
                    got += packets(head + recv_exactly(
                        s, HEADER.unpack(head)[6]))
                self.assertEqual(got, setup_reply)
            sent = [0]

            def send():
                s.sendall(requests)
                sent[0] = len(requests)

            sender = threading.Thread(target=send)
            sender.start()
            if reader == "never, then all":
                # Nothing is read until the server stops taking requests
                # (or has taken them all).
                time.sleep(1.0)
            received = bytearray()
            s.settimeout(10)
            want = total if total is not None else None
            while True:
                if want is not None and len(received) >= want:
                    break
                if want is None and len(packets_safe(received)) >= \
                        len(replies):
                    break
                got = s.recv(65536 if reader == "slow" else 1 << 20)
                if not got:
                    break
                received += got
                if reader == "slow":
                    time.sleep(0.002)
            sender.join()
            self.assertEqual(sent[0], len(requests))
            s.settimeout(0.3)  # nothing answered twice
            with self.assertRaises(socket.timeout):
                received += s.recv(1)
        if isinstance(replies, bytes):
            self.assertEqual(len(received), len(replies), reader)
            self.assertTrue(bytes(received) == replies,
                            f"{reader}: replies differ at byte "
                            f"{first_difference(received, replies)}")
        else:
            self.assertEqual(packets(bytes(received)), replies, reader)

    def each_reader(self, make):
        for reader in ("fast", "slow", "never, then all"):
            with self.subTest(reader=reader):
                self.converse(make(), reader)

    def test_ascii(self):
        self.each_reader(ascii_pipeline)

    def test_binary(self):
        self.each_reader(binary_pipeline)

    def test_compact(self):
        self.each_reader(compact_pipeline)


def packets_safe(data):
    """The complete reply packets at the front of `data`."""
    n, out = 0, []
    while len(data) - n >= 24:
        body = HEADER.unpack(data[n:n + 24])[6]
        if len(data) - n < 24 + body:
            break
        out.append(n)
        n += 24 + body
    return out


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


if __name__ == "__main__":
    unittest.main()
