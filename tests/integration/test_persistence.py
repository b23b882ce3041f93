"""The rocksdb engine over TCP: what was acknowledged through any protocol
survives SIGKILL and a restart on the same directory, in the default
(write-ahead log) and --sync modes; a directory that cannot be used stops
the server with a message naming it."""

import os
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (BIN, Server, binary_reply, binary_request, read_until,
                     recv_exactly, sanitizer_report, stats)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def ascii_call(sock, line, data=None):
    sock.sendall(line + b"\r\n" + (data + b"\r\n" if data is not None else b""))
    if line.startswith((b"get", b"stats")):
        return read_until(sock, b"END\r\n")
    return read_until(sock, b"\r\n")


def ascii_items(port, keys):
    """{key: (flags, value, cas)} of the keys that are present."""
    with connect(port) as s:
        reply = ascii_call(s, b"gets " + b" ".join(keys))
    items, lines, i = {}, reply.split(b"\r\n"), 0
    while lines[i] != b"END":
        _, key, flags, _, cas = lines[i].split(b" ")
        items[key] = (int(flags), lines[i + 1], int(cas))
        i += 2
    return items


def binary_set(sock, key, value, flags=0, exptime=0):
    sock.sendall(binary_request(0x01, key, struct.pack(">II", flags, exptime),
                                value))
    status, cas, _, _, _ = binary_reply(sock)
    return status, cas


def binary_get(sock, key):
    """(flags, value) or None."""
    sock.sendall(binary_request(0x00, key))
    status, _, extras, _, value = binary_reply(sock)
    if status == 1:
        return None
    assert status == 0, status
    return struct.unpack(">I", extras)[0], value


def compact_set(sock, key, value, flags=0):
    """Stores through the compact protocol; the status byte (0 is OK)."""
    request = b"\x01\x08" + b"\x40" + struct.pack(">I", flags)
    request += b"\x60" + bytes([len(key)]) + key
    request += b"\x80" + struct.pack(">I", len(value)) + value + b"\x00"
    sock.sendall(request)
    op = recv_exactly(sock, 1)[0]
    return 0 if op == 0 else recv_exactly(sock, 1)[0]


def compact_get(sock, key):
    """(flags, value) or None, through the compact protocol."""
    sock.sendall(b"\x01\x05\x60" + bytes([len(key)]) + key + b"\x00")
    flags, value = 0, None
    while True:
        op = recv_exactly(sock, 1)[0]
        if op == 0x00:
            return flags, value
        if op == 0x20:
            recv_exactly(sock, 1)
            return None
        if op == 0x40:
            flags = struct.unpack(">I", recv_exactly(sock, 4))[0]
        elif op == 0x61:
            value = recv_exactly(sock, recv_exactly(sock, 1)[0])
        elif op == 0x80:
            n = struct.unpack(">I", recv_exactly(sock, 4))[0]
            value = recv_exactly(sock, n)
        else:
            raise AssertionError(f"unexpected compact field {op:#x}")


class Writer(threading.Thread):
    """Stores key<i> -> value<i> through one protocol, one request at a
    time, until the server goes away; `acked` counts the acknowledged."""

    def __init__(self, port, proto):
        super().__init__(daemon=True)
        self.sock = connect(port)
        self.proto = proto
        self.acked = 0
        self.started = threading.Event()  # 50 stores acknowledged
        self.done = threading.Event()

    @staticmethod
    def item(proto, i):
        return (f"{proto}:{i}".encode(), f"value {i} ".encode() * (1 + i % 7),
                i % 65536)

    def run(self):
        try:
            while True:
                key, value, flags = self.item(self.proto, self.acked)
                if self.proto == "ascii":
                    ok = ascii_call(self.sock, b"set %s %d 0 %d" % (
                        key, flags, len(value)), value) == b"STORED\r\n"
                elif self.proto == "binary":
                    ok = binary_set(self.sock, key, value, flags)[0] == 0
                else:
                    ok = compact_set(self.sock, key, value, flags) == 0
                if not ok:
                    raise AssertionError(f"{self.proto} store refused")
                self.acked += 1
                if self.acked == 50:
                    self.started.set()
        except (ConnectionError, OSError):
            pass
        finally:
            self.sock.close()
            self.done.set()


def can_mount():
    """Whether this process may mount a tmpfs (root, with the capability)."""
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as mnt:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                           mnt], capture_output=True).returncode != 0:
            return False
        subprocess.run(["umount", mnt], check=True)
        return True


class PersistenceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data_dir = os.path.join(self.tmp.name, "data")

    def tearDown(self):
        self.tmp.cleanup()

    def start(self, *args):
        return Server("-t", "2", "--engine", "rocksdb", "--data-dir",
                      self.data_dir, *args)

    def write_each_way(self, port):
        """Every kind of write, through each protocol; returns the CAS
        uniques seen."""
        cas = []
        with connect(port) as s:
            self.assertEqual(ascii_call(s, b"set a:flags 42 0 5", b"hello"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"set a:ttl 0 3600 3", b"ttl"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"touch a:ttl 7200"),
                             b"TOUCHED\r\n")
            self.assertEqual(ascii_call(s, b"set a:ctr 0 0 2", b"10"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"incr a:ctr 5"), b"15\r\n")
            self.assertEqual(ascii_call(s, b"decr a:ctr 7"), b"8\r\n")
            self.assertEqual(ascii_call(s, b"set a:cat 3 0 1", b"b"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"append a:cat 0 0 1", b"c"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"prepend a:cat 0 0 1", b"a"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"set a:gone 0 0 1", b"x"),
                             b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"delete a:gone"), b"DELETED\r\n")
            unique = int(ascii_call(s, b"gets a:flags").split()[4])
            self.assertEqual(ascii_call(s, b"cas a:flags 43 0 3 %d" % unique,
                                        b"new"), b"STORED\r\n")
            self.assertEqual(ascii_call(s, b"ms a:meta 4 F5 T0", b"meta"),
                             b"HD\r\n")
            cas.append(unique)
        with connect(port) as s:
            status, unique = binary_set(s, b"b:flags", b"binary", 7)
            self.assertEqual(status, 0)
            cas.append(unique)
        with connect(port) as s:
            self.assertEqual(compact_set(s, b"c:flags", b"compact", 9), 0)
            big = bytes(range(256)) * 40  # 10 KB
            self.assertEqual(compact_set(s, b"c:big", big, 1), 0)
        return cas

    def read_each_way(self, port):
        items = ascii_items(port, [b"a:flags", b"a:ttl", b"a:ctr", b"a:cat",
                                   b"a:gone", b"a:meta", b"b:flags",
                                   b"c:flags", b"c:big"])
        self.assertEqual(items[b"a:flags"][:2], (43, b"new"))
        self.assertEqual(items[b"a:ttl"][:2], (0, b"ttl"))
        self.assertEqual(items[b"a:ctr"][:2], (0, b"8 "))  # memcached pads
        self.assertEqual(items[b"a:cat"][:2], (3, b"abc"))
        self.assertNotIn(b"a:gone", items)
        self.assertEqual(items[b"a:meta"][:2], (5, b"meta"))
        self.assertEqual(items[b"b:flags"][:2], (7, b"binary"))
        self.assertEqual(items[b"c:flags"][:2], (9, b"compact"))
        self.assertEqual(items[b"c:big"][:2], (1, bytes(range(256)) * 40))
        with connect(port) as s:
            ttl = ascii_call(s, b"mg a:ttl t").split()
            self.assertEqual(ttl[0], b"HD")
            self.assertGreater(int(ttl[1][1:]), 3600)  # the touched TTL
        with connect(port) as s:  # one protocol per connection
            self.assertEqual(binary_get(s, b"a:flags"), (43, b"new"))
            self.assertEqual(binary_get(s, b"c:flags"), (9, b"compact"))
            self.assertIsNone(binary_get(s, b"a:gone"))
        with connect(port) as s:
            self.assertEqual(compact_get(s, b"b:flags"), (7, b"binary"))
            self.assertEqual(compact_get(s, b"a:cat"), (3, b"abc"))
            self.assertIsNone(compact_get(s, b"a:gone"))
        return max(cas for _, _, cas in items.values())

    def every_write_survives_sigkill(self, *args):
        server = self.start(*args)
        seen = self.write_each_way(server.port)
        server.kill()
        server = self.start(*args)
        highest = max(seen + [self.read_each_way(server.port)])
        # CAS uniques never repeat across restarts.
        with connect(server.port) as s:
            self.assertEqual(ascii_call(s, b"set fresh 0 0 1", b"f"),
                             b"STORED\r\n")
        fresh = ascii_items(server.port, [b"fresh"])[b"fresh"][2]
        self.assertGreater(fresh, highest)
        self.assertEqual(server.stop(), 0)

    def test_every_write_survives_sigkill(self):
        self.every_write_survives_sigkill()

    def test_every_write_survives_sigkill_with_sync(self):
        self.every_write_survives_sigkill("--sync")

    def acknowledged_survive_a_kill_under_load(self, *args):
        server = self.start(*args)
        writers = [Writer(server.port, p) for p in ("ascii", "binary",
                                                      "compact")]
        for w in writers:
            w.start()
        for w in writers:
            self.assertTrue(w.started.wait(60), f"{w.proto} writer stalled")
        time.sleep(0.3)  # let the stores run; the kill lands mid-stream
        # The kill must find the server serving, not already gone (kill()
        # checks that too).
        self.assertFalse(any(w.done.is_set() for w in writers))
        server.kill()
        for w in writers:
            w.join(30)

        server = self.start(*args)
        for w in writers:
            keys = [Writer.item(w.proto, i)[0] for i in range(w.acked)]
            found = {}
            for i in range(0, len(keys), 100):
                found.update(ascii_items(server.port, keys[i:i + 100]))
            for i in range(w.acked):
                key, value, flags = Writer.item(w.proto, i)
                self.assertIn(key, found, f"acknowledged {key} lost")
                self.assertEqual(found[key][:2], (flags, value))
        print(f"\n{' '.join(args) or 'default'}: acknowledged before the "
              f"kill: {', '.join(f'{w.proto} {w.acked}' for w in writers)}",
              flush=True)
        self.assertEqual(server.stop(), 0)

    def test_acknowledged_writes_survive_a_kill_under_load(self):
        self.acknowledged_survive_a_kill_under_load()

    def test_acknowledged_writes_survive_a_kill_under_load_with_sync(self):
        self.acknowledged_survive_a_kill_under_load("--sync")

    def test_flush_all_survives_a_restart(self):
        server = self.start()
        with connect(server.port) as s:
            ascii_call(s, b"set old 0 0 1", b"o")
            self.assertEqual(ascii_call(s, b"flush_all"), b"OK\r\n")
            ascii_call(s, b"set new 0 0 1", b"n")
        server.kill()
        server = self.start()
        self.assertEqual(list(ascii_items(server.port, [b"old", b"new"])),
                         [b"new"])
        self.assertEqual(server.stop(), 0)

    def test_stats_show_the_engine(self):
        server = self.start()
        with connect(server.port) as s:
            ascii_call(s, b"set k 0 0 1", b"v")
            general = ascii_call(s, b"stats")
            settings = ascii_call(s, b"stats settings")
        for name in (b"rocksdb_keys", b"rocksdb_disk_bytes", b"curr_items",
                     b"total_items", b"cmd_set"):
            self.assertIn(b"STAT " + name + b" ", general)
        self.assertIn(b"STAT engine rocksdb\r\n", settings)
        self.assertIn(b"STAT data_dir " + self.data_dir.encode(), settings)
        self.assertEqual(server.stop(), 0)

    def refused(self, data_dir):
        result = subprocess.run(
            [BIN, "-l", "127.0.0.1", "-p", "0", "--engine", "rocksdb",
             "--data-dir", data_dir], capture_output=True, text=True,
            timeout=30)
        self.assertEqual(result.returncode, 69, result.stderr)
        self.assertIn(f"data directory {data_dir}", result.stderr)
        self.assertIsNone(sanitizer_report(result.stderr), result.stderr)

    def test_a_locked_directory_refuses_to_start(self):
        server = self.start()
        self.refused(self.data_dir)
        self.assertEqual(server.stop(), 0)

    def test_an_unusable_directory_refuses_to_start(self):
        not_a_dir = os.path.join(self.tmp.name, "file")
        with open(not_a_dir, "w") as f:
            f.write("x")
        self.refused(os.path.join(not_a_dir, "data"))


class FullDiskTest(unittest.TestCase):
    """A real full file system: a small tmpfs, mostly taken by a ballast
    file that the test removes to give the space back."""

    @unittest.skipUnless(can_mount(), "needs root to mount a tmpfs")
    def test_a_full_disk_fails_writes_keeps_reads_and_recovers(self):
        with tempfile.TemporaryDirectory() as mnt:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m",
                            "tmpfs", mnt], check=True)
            try:
                self.fill_and_recover(mnt)
            finally:
                subprocess.run(["umount", "-l", mnt], check=True)

    def fill_and_recover(self, mnt):
        ballast = os.path.join(mnt, "ballast")
        with open(ballast, "wb") as f:
            f.write(b"\0" * (96 << 20))
        server = Server("-t", "2", "--engine", "rocksdb", "--data-dir",
                        os.path.join(mnt, "data"))
        value = b"v" * 10240
        acked, errors = [], 0
        with connect(server.port) as s:
            for i in range(20000):
                key = b"fill:%d" % i
                reply = ascii_call(s, b"set %s 0 0 %d" % (key, len(value)),
                                   value)
                if reply == b"STORED\r\n":
                    acked.append(key)
                    continue
                self.assertEqual(reply, b"SERVER_ERROR internal error\r\n")
                errors += 1
                if errors == 20:
                    break
            self.assertEqual(errors, 20, "the disk never filled")
            self.assertGreater(len(acked), 1000)
            # Reads go on: every acknowledged write is there.
            for i in range(0, len(acked), 200):
                found = ascii_items(server.port, acked[i:i + 200])
                self.assertEqual(len(found), len(acked[i:i + 200]))
            self.assertEqual(ascii_call(s, b"get fill:0"),
                             b"VALUE fill:0 0 10240\r\n" + value +
                             b"\r\nEND\r\n")
            self.assertGreaterEqual(
                int(stats(server.port)["rocksdb_write_errors"]), 20)

            # Space comes back: writes do too, without a restart.
            os.remove(ballast)
            give_up = time.monotonic() + 60
            while True:
                reply = ascii_call(s, b"set after 0 0 1", b"a")
                if reply == b"STORED\r\n" or time.monotonic() > give_up:
                    break
                time.sleep(0.2)
            self.assertEqual(reply, b"STORED\r\n")
        print(f"\nfull disk: {len(acked)} writes acknowledged, then "
              f"{errors} refused; writes back once space returned",
              flush=True)
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
