"""The ASCII protocol over real TCP: pipelining, fragmentation, limits and
shutdown, against the real server binary."""

import socket
import threading
import time
import unittest

from harness import Server, exchange, read_to_close, read_until

VERSION = b"VERSION 1.6.18-tinkercache-0.1.0\r\n"


class AsciiWireTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("-t", "2", "-c", "64")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_deep_pipeline_in_one_write(self):
        n = 5000
        req = b"".join(b"set p%d 0 0 %d\r\n%d\r\n" % (i, len(str(i)), i)
                       for i in range(n))
        req += b"".join(b"get p%d\r\n" % i for i in range(n))
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(req)
            want = b"STORED\r\n" * n + b"".join(
                b"VALUE p%d 0 %d\r\n%d\r\nEND\r\n" % (i, len(str(i)), i)
                for i in range(n))
            got = b""
            while len(got) < len(want):
                chunk = s.recv(1 << 20)
                self.assertTrue(chunk)
                got += chunk
        self.assertEqual(got, want)

    def test_half_closed_client_gets_every_reply(self):
        n = 2000
        req = b"".join(b"set h%d 0 0 1\r\nx\r\n" % i for i in range(n))
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(req)
            s.shutdown(socket.SHUT_WR)  # done sending, still reading
            got = read_to_close(s)
        self.assertEqual(got, b"STORED\r\n" * n)

    def test_half_closed_client_gets_every_large_reply(self):
        # Replies far past one batch, for pipelined gets and for one get of
        # many keys, to a client that has already shut down its sending side.
        value = b"q" * 100_000
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"set hq 0 0 100000\r\n" + value + b"\r\n")
            self.assertEqual(read_until(s, b"\r\n"), b"STORED\r\n")
        hit = b"VALUE hq 0 100000\r\n" + value + b"\r\n"
        req = b"get hq\r\n" * 30 + b"get" + b" hq" * 40 + b"\r\n"
        want = (hit + b"END\r\n") * 30 + hit * 40 + b"END\r\n"
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(req)
            s.shutdown(socket.SHUT_WR)
            got = read_to_close(s)
        self.assertEqual(len(got), len(want))
        self.assertEqual(got, want)

    def test_replies_far_larger_than_one_batch(self):
        # 300 gets of a 500 KB value in one write: 150 MB of replies, sent
        # in bounded batches while the client reads.
        value = b"w" * 500_000
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"set wide 0 0 500000\r\n" + value + b"\r\n")
            self.assertEqual(read_until(s, b"\r\n"), b"STORED\r\n")
            s.sendall(b"get wide\r\n" * 300)
            one = b"VALUE wide 0 500000\r\n" + value + b"\r\nEND\r\n"
            want = len(one) * 300
            got = 0
            tail = b""
            while got < want:
                chunk = s.recv(1 << 20)
                self.assertTrue(chunk)
                if got == 0:
                    self.assertTrue(chunk.startswith(one[:40]))
                got += len(chunk)
                tail = (tail + chunk)[-len(one):]
            self.assertEqual(got, want)
            self.assertEqual(tail, one)

    def test_request_dribbled_a_byte_at_a_time(self):
        req = b"set drip 5 0 12\r\nhello\r\nworld\r\nget drip\r\n"
        self.assertEqual(
            exchange(self.server.port, req, chunk=1),
            b"STORED\r\nVALUE drip 5 12\r\nhello\r\nworld\r\nEND\r\n")

    def test_big_value_in_small_writes(self):
        value = b"z" * 900_000
        req = b"set bigv 0 0 900000\r\n" + value + b"\r\nget bigv\r\n"
        got = exchange(self.server.port, req, chunk=7919, settle=1.0)
        self.assertEqual(
            got, b"STORED\r\nVALUE bigv 0 900000\r\n" + value + b"\r\nEND\r\n")

    def test_too_large_value_is_refused_and_connection_kept(self):
        req = (b"set huge 0 0 3000000\r\n" + b"h" * 3_000_000 +
               b"\r\nversion\r\n")
        self.assertEqual(
            exchange(self.server.port, req, chunk=65536, settle=1.0),
            b"SERVER_ERROR object too large for cache\r\n" + VERSION)

    def test_line_too_long_closes(self):
        got = exchange(self.server.port, b"x" * 5000)
        self.assertEqual(got, b"CLIENT_ERROR line too long\r\n<closed>")

    def test_quit_closes(self):
        self.assertEqual(exchange(self.server.port, b"quit\r\n"), b"<closed>")

    def test_connection_limit(self):
        with Server("-t", "1", "-c", "2") as server:
            a = socket.create_connection(("127.0.0.1", server.port))
            b = socket.create_connection(("127.0.0.1", server.port))
            for s in (a, b):  # both are served
                s.sendall(b"version\r\n")
                self.assertEqual(read_until(s, b"\r\n"), VERSION)
            self.assertEqual(exchange(server.port, b"version\r\n"),
                             b"ERROR Too many open connections\r\n<closed>")
            a.close()
            # The slot frees up once the server has seen the close.
            for _ in range(100):
                got = exchange(server.port, b"version\r\n", settle=0.1)
                if got == VERSION:
                    break
            self.assertEqual(got, VERSION)
            b.sendall(b"version\r\n")
            self.assertEqual(read_until(b, b"\r\n"), VERSION)
            b.close()
            self.assertEqual(server.stop(), 0)

    def test_curr_connections_returns_to_baseline(self):
        # Each reading is taken on a new connection, and the close of the
        # previous reading's connection may still be on its way to another
        # worker thread: so take settled readings.
        def curr():
            stats = exchange(self.server.port, b"stats\r\n")
            for line in stats.split(b"\r\n"):
                if line.startswith(b"STAT curr_connections "):
                    return int(line.split()[2])

        def settled(predicate):
            for _ in range(100):
                value = curr()
                if predicate(value):
                    return value
                time.sleep(0.05)
            return value

        base = min(curr() for _ in range(3))
        socks = [socket.create_connection(("127.0.0.1", self.server.port))
                 for _ in range(20)]
        for s in socks:
            s.sendall(b"version\r\n")
            read_until(s, b"\r\n")
        self.assertGreaterEqual(settled(lambda v: v >= base + 20), base + 20)
        for s in socks:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
            s.close()
        self.assertEqual(settled(lambda v: v == base), base)

    def test_many_clients_at_once(self):
        errors = []

        def client(n):
            try:
                with socket.create_connection(
                        ("127.0.0.1", self.server.port)) as s:
                    for i in range(200):
                        key = b"c%d_%d" % (n, i)
                        s.sendall(b"set %s 0 0 3\r\nabc\r\nget %s\r\n" %
                                  (key, key))
                        got = read_until(s, b"END\r\n")
                        want = (b"STORED\r\nVALUE %s 0 3\r\nabc\r\nEND\r\n" %
                                key)
                        if got != want:
                            errors.append(got)
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(n,))
                   for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
