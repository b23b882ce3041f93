"""Starts the real tinkercache binary (and memcached) on free loopback ports."""

import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("TINKERCACHE_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin", "tinkercache")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Server:
    """tinkercache on an ephemeral port (-p 0 with --port-file)."""

    def __init__(self, *args):
        self.dir = tempfile.TemporaryDirectory()
        port_file = os.path.join(self.dir.name, "port")
        self.log_path = os.path.join(self.dir.name, "log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [BIN, "-l", "127.0.0.1", "-p", "0", "--port-file", port_file,
                 *args],
                stdout=log, stderr=subprocess.STDOUT)
        end = time.monotonic() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.proc.kill()
                with open(self.log_path) as log:
                    raise RuntimeError(f"server did not start: {log.read()}")
            time.sleep(0.01)
        with open(port_file) as f:
            ports = [int(p) for p in f.read().split()]
        self.port = ports[0]
        # With --compact-port, the second line is the compact port.
        self.compact_port = ports[1] if len(ports) > 1 else None

    def stop(self):
        """SIGTERM, and the server must exit cleanly."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        self.dir.cleanup()
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Memcached:
    """The reference: Debian's memcached on a free port."""

    def __init__(self, *args):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["memcached", "-u", "root", "-l", "127.0.0.1", "-p",
             str(self.port), "-U", "0", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def exchange(port, data, settle=0.3, chunk=None):
    """Sends `data` (optionally in chunks) and returns all bytes received
    until the server goes quiet for `settle` seconds or closes."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        if chunk:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
        else:
            s.sendall(data)
        s.settimeout(settle)
        out = b""
        try:
            while True:
                got = s.recv(1 << 20)
                if not got:
                    return out + b"<closed>"
                out += got
        except socket.timeout:
            return out


def read_to_close(sock):
    """Everything the peer sends until it closes."""
    data = b""
    while True:
        got = sock.recv(1 << 20)
        if not got:
            return data
        data += got


def read_until(sock, marker, limit=64 << 20):
    data = b""
    while not data.endswith(marker):
        got = sock.recv(1 << 20)
        if not got:
            raise ConnectionError(f"closed after {data[-200:]!r}")
        data += got
        if len(data) > limit:
            raise RuntimeError("reply too large")
    return data


# The binary protocol's 24-byte header.
HEADER = struct.Struct(">BBHBBHIIQ")


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        got = sock.recv(n - len(data))
        if not got:
            raise ConnectionError("closed")
        data += got
    return data


def binary_request(opcode, key=b"", extras=b"", value=b"", cas=0, opaque=0):
    body = extras + key + value
    return HEADER.pack(0x80, opcode, len(key), len(extras), 0, 0, len(body),
                       opaque, cas) + body


def binary_reply(sock):
    """(status, cas, extras, key, value) of the next response packet."""
    h = HEADER.unpack(recv_exactly(sock, 24))
    _, _, key_len, extras_len, _, status, body_len, _, cas = h
    body = recv_exactly(sock, body_len)
    return (status, cas, body[:extras_len],
            body[extras_len:extras_len + key_len],
            body[extras_len + key_len:])


# Built with sanitizers (tests/CMakeLists.txt passes the setting): resident
# memory then includes shadow memory and quarantined frees, so bounds on it
# are checked in the plain build only; everything else is checked in all.
SANITIZED = bool(os.environ.get("TINKERCACHE_SANITIZE"))


def rss_bytes(pid):
    """The process's resident memory, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def stats(port, group=b""):
    """`stats [group]` over a new connection, as a dict of str to str."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"stats" + (b" " + group if group else b"") + b"\r\n")
        data = read_until(s, b"END\r\n")
    out = {}
    for line in data.split(b"\r\n"):
        parts = line.split(b" ", 2)
        if len(parts) == 3 and parts[0] == b"STAT":
            out[parts[1].decode()] = parts[2].decode()
    return out


def send_until_blocked(sock, chunk, limit, stall=2.0):
    """Sends `chunk` repeatedly, never reading, until the peer stops taking
    bytes for `stall` seconds or `limit` bytes went out; returns the bytes
    sent."""
    sock.settimeout(stall)
    sent = 0
    try:
        while sent < limit:
            sent += sock.send(chunk)
    except (socket.timeout, BlockingIOError):
        pass
    return sent


class ServerTestCase(unittest.TestCase):
    """Tests sharing one server started with `server_args`, which must exit
    cleanly (and, in sanitizer builds, without a report) at the end."""

    server_args = ("-t", "2")

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.server_args)

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0
