"""Correctness under load on a two-thread server: many clients on all three
protocols at once. Test names carry the load's size; each prints what it
measured."""

import random
import socket
import struct
import threading
import time
import unittest

from harness import (ServerTestCase, binary_reply, binary_request, read_until,
                     recv_exactly, stats)

class Incrementer:
    """Sends `batch` increments of one counter and returns how many were
    acknowledged, in one protocol."""

    def __init__(self, proto, port):
        self.proto = proto
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.compact_key = None

    def run(self, key, batch):
        s = self.sock
        if self.proto == "ascii":
            s.sendall(b"incr %s 1\r\n" % key * batch)
            lines = b""
            while lines.count(b"\r\n") < batch:
                got = s.recv(65536)
                if not got:
                    raise ConnectionError("closed")
                lines += got
            return sum(1 for line in lines.split(b"\r\n")[:batch]
                       if line.isdigit())
        if self.proto == "binary":
            extras = struct.pack(">QQI", 1, 0, 0)
            s.sendall(binary_request(0x05, key, extras) * batch)
            return sum(1 for _ in range(batch) if binary_reply(s)[0] == 0)
        # compact: the registers stay set, so each further GO increments
        # again: CLEAR INCR KEY DELTA8(1) GO, then GO per increment.
        prefix = b""
        if self.compact_key != key:
            prefix = b"\x01\x12\x60" + bytes([len(key)]) + key + b"\x20\x01"
            self.compact_key = key
        s.sendall(prefix + b"\x00" * batch)
        replies = recv_exactly(s, 10 * batch)  # NUMBER (a1 + 8 bytes), OK
        return sum(1 for i in range(batch)
                   if replies[10 * i] == 0xa1 and replies[10 * i + 9] == 0)


class UnderLoadTest(ServerTestCase):
    def setUp(self):
        self.errors = []

    def run_all(self, threads):
        """Runs the threads to the end; fails on any error they reported.
        Returns the seconds they took."""
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(self.errors, [])
        return time.monotonic() - start

    def guarded(self, fn, *args):
        def run():
            try:
                fn(*args)
            except Exception as e:  # reported by the test, not lost
                self.errors.append(repr(e))
        return threading.Thread(target=run)

    def test_counters_12_clients_3_protocols_120000_increments(self):
        counters = [b"counter:%d" % i for i in range(4)]
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            for key in counters:
                s.sendall(b"set %s 0 0 1\r\n0\r\n" % key)
                self.assertEqual(read_until(s, b"\r\n"), b"STORED\r\n")
        acked = {key: 0 for key in counters}
        lock = threading.Lock()
        per_client, batch = 10000, 50

        def client(proto, seed):
            inc = Incrementer(proto, self.server.port)
            rng = random.Random(seed)
            for _ in range(per_client // batch):
                key = rng.choice(counters)
                n = inc.run(key, batch)
                with lock:
                    acked[key] += n
            inc.sock.close()

        threads = [self.guarded(client, proto, i * 3 + j)
                   for i in range(4)
                   for j, proto in enumerate(("ascii", "binary", "compact"))]
        elapsed = self.run_all(threads)
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"get " + b" ".join(counters) + b"\r\n")
            got = read_until(s, b"END\r\n")
        values = {}
        lines = got.split(b"\r\n")
        for i, line in enumerate(lines):
            if line.startswith(b"VALUE "):
                values[line.split()[1]] = int(lines[i + 1])
        total = sum(acked.values())
        print(f"\n  12 clients (4 ASCII, 4 binary, 4 compact) on 4 counters: "
              f"{total} increments acknowledged in {elapsed:.1f} s; "
              f"counters {[values.get(k) for k in counters]}")
        self.assertEqual(total, 12 * per_client)
        self.assertEqual(values, acked)

    def test_cas_loops_8_clients_2_protocols_2000_updates(self):
        key = b"cas:list"
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"set %s 0 0 1\r\n|\r\n" % key)
            self.assertEqual(read_until(s, b"\r\n"), b"STORED\r\n")
        updates = 250
        retries = [0]
        lock = threading.Lock()

        def ascii_client(name):
            s = socket.create_connection(("127.0.0.1", self.server.port))
            done = 0
            while done < updates:
                s.sendall(b"gets %s\r\n" % key)
                reply = read_until(s, b"END\r\n")
                header, value = reply.split(b"\r\n")[:2]
                unique = int(header.split()[4])
                new = value + b"%s.%d|" % (name, done)
                s.sendall(b"cas %s 0 0 %d %d\r\n%s\r\n" %
                          (key, len(new), unique, new))
                answer = read_until(s, b"\r\n")
                if answer == b"STORED\r\n":
                    done += 1
                else:
                    self.assertEqual(answer, b"EXISTS\r\n")
                    with lock:
                        retries[0] += 1
            s.close()

        def binary_client(name):
            s = socket.create_connection(("127.0.0.1", self.server.port))
            done = 0
            while done < updates:
                s.sendall(binary_request(0x00, key))
                status, cas, _, _, value = binary_reply(s)
                self.assertEqual(status, 0)
                new = value + b"%s.%d|" % (name, done)
                s.sendall(binary_request(0x01, key, struct.pack(">II", 0, 0),
                                         new, cas=cas))
                status = binary_reply(s)[0]
                if status == 0:
                    done += 1
                else:
                    self.assertEqual(status, 0x02)  # exists: lost the race
                    with lock:
                        retries[0] += 1
            s.close()

        names = [b"a%d" % i for i in range(4)] + [b"b%d" % i for i in range(4)]
        threads = [self.guarded(ascii_client if n[:1] == b"a" else
                                binary_client, n) for n in names]
        elapsed = self.run_all(threads)
        with socket.create_connection(("127.0.0.1", self.server.port)) as s:
            s.sendall(b"get %s\r\n" % key)
            value = read_until(s, b"END\r\n").split(b"\r\n")[1]
        entries = [e for e in value.split(b"|") if e]
        print(f"\n  8 CAS loops (4 ASCII, 4 binary), {updates} updates each: "
              f"{len(entries)} entries in {elapsed:.1f} s, {retries[0]} "
              f"retries after losing a race")
        want = sorted(b"%s.%d" % (n, i) for n in names for i in range(updates))
        self.assertEqual(sorted(entries), want)  # none lost, none doubled

    def test_churn_10000_abrupt_connections_under_mixed_load(self):
        port = self.server.port

        def curr():
            return int(stats(port)["curr_connections"])

        # Earlier tests' clients may still be closing on the server: the
        # baseline is the count once it stops moving.
        base = curr()
        for _ in range(50):
            time.sleep(0.1)
            now = curr()
            if now == base:
                break
            base = now
        stop = threading.Event()
        served = [0]

        def steady(proto, seed):
            # Verified gets and sets the whole time.
            rng = random.Random(seed)
            s = socket.create_connection(("127.0.0.1", port))
            while not stop.is_set():
                key = b"steady:%d" % rng.randrange(100)
                value = key * 3
                if proto == "ascii":
                    s.sendall(b"set %s 0 0 %d\r\n%s\r\nget %s\r\n" %
                              (key, len(value), value, key))
                    got = read_until(s, b"END\r\n")
                    self.assertEqual(got, b"STORED\r\nVALUE %s 0 %d\r\n%s"
                                     b"\r\nEND\r\n" % (key, len(value), value))
                else:
                    s.sendall(binary_request(0x01, key,
                                             struct.pack(">II", 0, 0), value) +
                              binary_request(0x00, key))
                    self.assertEqual(binary_reply(s)[0], 0)
                    status, _, _, _, got = binary_reply(s)
                    self.assertEqual((status, got), (0, value))
                served[0] += 2
            s.close()

        partial = [
            b"set churn 0 0 100\r\nhalf a value",
            b"get churn:1 churn:2 churn:3",
            binary_request(0x01, b"churn", struct.pack(">II", 0, 0),
                           b"v" * 100)[:40],
            b"\x01\x08\x60\x05churn\x80\x00\x00\x10\x00abc",
            b"get churn\r\n",
        ]

        def churner(seed):
            rng = random.Random(seed)
            for _ in range(500):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(rng.choice(partial))
                if rng.random() < 0.5:  # reset instead of a clean close
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                s.close()

        steadies = [self.guarded(steady, p, i)
                    for i, p in enumerate(("ascii", "binary") * 2)]
        churners = [self.guarded(churner, i) for i in range(20)]
        start = time.monotonic()
        for t in steadies + churners:
            t.start()
        for t in churners:
            t.join()
        stop.set()
        for t in steadies:
            t.join()
        elapsed = time.monotonic() - start
        self.assertEqual(self.errors, [])
        # Closes reach the workers asynchronously: wait for the count.
        for _ in range(100):
            now = curr()
            if now == base:
                break
            time.sleep(0.05)
        print(f"\n  10,000 connections opened and dropped mid-request (half "
              f"reset) by 20 clients in {elapsed:.1f} s while 4 clients "
              f"made {served[0]} verified requests; curr_connections "
              f"{base} before, {now} after")
        self.assertEqual(now, base)
        self.assertGreater(served[0], 0)


if __name__ == "__main__":
    unittest.main()
