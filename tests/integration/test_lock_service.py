"""The lock service example over all three protocols, with clients racing
for the same lock."""

import socket
import struct
import threading
import unittest

from harness import STOP_TIMEOUT, read_until
from test_examples import start_example


def ascii_call(sock, line):
    sock.sendall(line.encode() + b"\r\n")
    return read_until(sock, b"\r\n")[:-2].decode()


def binary_call(sock, opcode, key, value, number=None):
    extras = struct.pack(">Q", number) if number is not None else b""
    sock.sendall(struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras),
                             0, 0, len(extras) + len(key) + len(value), 7, 0)
                 + extras + key + value)
    header = b""
    while len(header) < 24:
        header += sock.recv(24 - len(header))
    _, op, _, _, _, status, body, opaque, _ = struct.unpack(">BBHBBHIIQ",
                                                            header)
    data = b""
    while len(data) < body:
        data += sock.recv(body - len(data))
    assert op == opcode and opaque == 7
    return status, data.decode()


def compact_call(sock, action, key, value, number=None):
    request = b"\x01\xff" + bytes([action]) + b"\x60" + bytes([len(key)]) + key
    request += b"\x61" + bytes([len(value)]) + value
    if number is not None:
        request += b"\xa1" + struct.pack(">Q", number)
    sock.sendall(request + b"\x00")
    # Reply: [VALUE8 text] then OK (0x00) or STATUS code (0x20 n).
    text, status = "", None
    buf = b""
    while status is None:
        buf += sock.recv(4096)
        pos = 0
        while pos < len(buf):
            op = buf[pos]
            if op == 0x00:
                status, pos = 0, pos + 1
                break
            if op == 0x20 and pos + 1 < len(buf):
                status, pos = buf[pos + 1], pos + 2
                break
            if 0x60 <= op < 0x80 and pos + 1 < len(buf) and \
                    pos + 2 + buf[pos + 1] <= len(buf):
                text = buf[pos + 2:pos + 2 + buf[pos + 1]].decode()
                pos += 2 + buf[pos + 1]
                continue
            break
    return status, text


class Protocol:
    """One client speaking one protocol: lock/trylock/unlock -> reply text."""

    def __init__(self, port, kind):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.kind = kind

    def call(self, command, name, owner, lease=None):
        if self.kind == "ascii":
            args = [command, name, owner] + ([str(lease)] if lease else [])
            return ascii_call(self.sock, " ".join(args))
        index = {"lock": 0, "unlock": 1, "trylock": 2}[command]
        if self.kind == "binary":
            status, text = binary_call(self.sock, 0xe0 + index, name.encode(),
                                       owner.encode(), lease)
        else:
            status, text = compact_call(self.sock, index, name.encode(),
                                        owner.encode(), lease)
        if status == 1:  # key not found (binary: memcached's "Not found")
            return "NOT_FOUND"
        return text if text else str(status)

    def close(self):
        self.sock.close()


class LockServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.port, cls.dir = start_example("lock_service_server")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        assert cls.proc.wait(timeout=STOP_TIMEOUT) == 0

    def scenario(self, kind):
        ann, bob = Protocol(self.port, kind), Protocol(self.port, kind)
        name = f"door-{kind}"
        self.assertEqual(ann.call("lock", name, "ann", 30), "LOCKED")
        self.assertEqual(bob.call("lock", name, "bob", 30), "BUSY ann")
        self.assertEqual(bob.call("trylock", name, "bob", 30), "BUSY ann")
        self.assertEqual(ann.call("lock", name, "ann", 30), "LOCKED")  # renew
        self.assertEqual(bob.call("unlock", name, "bob"), "BUSY ann")
        self.assertEqual(ann.call("unlock", name, "ann"), "UNLOCKED")
        self.assertEqual(ann.call("unlock", name, "ann"), "NOT_FOUND")
        self.assertEqual(bob.call("trylock", name, "bob", 30), "LOCKED")
        self.assertEqual(bob.call("unlock", name, "bob"), "UNLOCKED")
        ann.close()
        bob.close()

    def race(self, kind, rounds=100):
        """Two clients ask for the same free lock at once, round after round:
        exactly one wins each round."""
        clients = [Protocol(self.port, kind) for _ in range(2)]
        barrier = threading.Barrier(2)
        wins = [[None] * rounds for _ in range(2)]
        name = f"race-{kind}"

        def run(i):
            owner = f"client{i}"
            for r in range(rounds):
                barrier.wait()
                wins[i][r] = clients[i].call("trylock", name, owner, 30) == \
                    "LOCKED"
                barrier.wait()  # both have their answer before any unlock
                if wins[i][r]:
                    self.assertEqual(clients[i].call("unlock", name, owner),
                                     "UNLOCKED")

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in range(rounds):
            self.assertEqual(wins[0][r] + wins[1][r], 1, f"round {r}")
        for c in clients:
            c.close()

    def test_ascii(self):
        self.scenario("ascii")
        self.race("ascii")

    def test_binary(self):
        self.scenario("binary")
        self.race("binary")

    def test_compact(self):
        self.scenario("compact")
        self.race("compact")

    def test_cache_still_served_and_commands_counted(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(b"set k 0 0 1\r\nx\r\nget k\r\n")
        self.assertEqual(read_until(sock, b"END\r\n"),
                         b"STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n")
        sock.sendall(b"stats\r\n")
        stats = read_until(sock, b"END\r\n")
        self.assertIn(b"STAT cmd_lock ", stats)
        self.assertIn(b"STAT trylock_hits ", stats)
        sock.close()


if __name__ == "__main__":
    unittest.main()
