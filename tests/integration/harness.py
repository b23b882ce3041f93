"""Starts the real tinkercache binary (and memcached) on free loopback ports.

Servers are stopped cleanly (SIGTERM, exit code 0, no sanitizer report in
their log), since sanitizers report at exit; a test that kills on purpose
uses Server.kill(). A server's log is kept (copied to $TINKERCACHE_TEST_LOGS,
else test-logs/ in the build directory, its path and tail printed) when it
exits badly or a test fails while it is in use. Under CI=true a skipped test
counts as failed: CI must run every test."""

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

BIN = os.environ.get("TINKERCACHE_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin", "tinkercache")

# Built with sanitizers (tests/CMakeLists.txt passes the setting): resident
# memory then includes shadow memory and quarantined frees, so bounds on it
# are checked in the plain build only; everything else is checked in all.
SANITIZED = bool(os.environ.get("TINKERCACHE_SANITIZE"))

CI = os.environ.get("CI") == "true"

# How long a server may take to exit after SIGTERM: a sanitized one also
# scans its heap for leaks and symbolizes any report on the way out.
STOP_TIMEOUT = 180 if SANITIZED else 20

LOG_DIR = os.environ.get("TINKERCACHE_TEST_LOGS") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(BIN))), "test-logs")

# What ASan, LSan, UBSan and TSan print when they report.
SANITIZER_REPORT = re.compile(
    rb"(ERROR|WARNING): (Address|Leak|Thread|Memory|UndefinedBehavior)"
    rb"Sanitizer|SUMMARY: \w+Sanitizer|runtime error: ")

# The exact VERSION answers: memcached's is how the reference is told from
# anything else listening; tinkercache's follows src/core/stats.h.
MEMCACHED_VERSION = b"1.6.18"
with open(os.path.join(os.path.dirname(__file__), "..", "..", "src", "core",
                       "stats.h")) as _f:
    TINKERCACHE_VERSION = re.search(
        r'kVersion = "([^"]+)"', _f.read()).group(1).encode()


def sanitizer_report(log):
    """The first sanitizer report line in `log` (bytes or str), or None."""
    if isinstance(log, str):
        log = log.encode(errors="replace")
    m = SANITIZER_REPORT.search(log)
    if m is None:
        return None
    start = log.rfind(b"\n", 0, m.start()) + 1
    end = log.find(b"\n", m.end())
    return log[start:end if end >= 0 else len(log)].decode(errors="replace")


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


def listens(pid, port):
    """Whether process `pid` itself holds the socket listening on
    127.0.0.1:`port` (not some other process that took the port)."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")
                  for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:  # gone, or an fd closed while we looked
        return False
    want = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if (fields[1] == want and fields[3] == "0A"  # LISTEN
                    and f"socket:[{fields[9]}]" in inodes):
                return True
    return False


# Processes started and not yet released, and those started since the
# current test began: the ones whose logs a failing test keeps.
_alive = []
_started_in_test = []
_current_test = None  # between startTest and stopTest
_last_test = None  # names kept logs


class _LoggedProcess:
    """A child whose stdout and stderr go to a log file in a temporary
    directory; the log is removed on release unless it was kept."""

    kind = "process"

    def _open_log(self):
        self.dir = tempfile.TemporaryDirectory(prefix=f"{self.kind}-")
        self.log_path = os.path.join(self.dir.name, "log")
        self.kept = None  # where the log was copied, once it was
        self._shown = -1  # the log's length when its tail was printed
        self._final_log = None  # the log's bytes after release
        self.released = False
        _alive.append(self)
        _started_in_test.append(self)
        # Started by a test: stopped cleanly (and checked) when it ends,
        # even if it failed before stopping the process itself.
        if isinstance(_current_test, unittest.TestCase):
            _current_test.addCleanup(self.__exit__, None, None, None)

    def log(self):
        if self._final_log is not None:
            return self._final_log
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def keep_log(self, why):
        """Copies the log out of the temporary directory and prints where
        to, and its tail, to stderr."""
        os.makedirs(LOG_DIR, exist_ok=True)
        test = _last_test.id() if _last_test is not None else "harness"
        test = re.sub(r"[^\w.-]", "_", test)
        pid = self.proc.pid if hasattr(self, "proc") else "none"
        if self.kept is None:
            self.kept = os.path.join(LOG_DIR, f"{test}.{self.kind}-{pid}.log")
        log = self.log()
        with open(self.kept, "wb") as f:
            f.write(log)
        if len(log) == self._shown:  # its tail is on the screen already
            print(f"\n[harness] {why}: {self.kind} log at {self.kept}",
                  file=sys.stderr, flush=True)
            return
        self._shown = len(log)
        tail = b"\n".join(log.rstrip().split(b"\n")[-40:]).decode(
            errors="replace")
        print(f"\n[harness] {why}: {self.kind} log kept at {self.kept}; "
              f"its last lines:\n{tail or '(empty)'}\n[harness] end of "
              f"{self.kind} log", file=sys.stderr, flush=True)

    def _release(self):
        if self.released:
            return
        self._final_log = self.log()
        if self.kept is not None:  # kept while running: complete it
            with open(self.kept, "wb") as f:
                f.write(self._final_log)
        self.dir.cleanup()
        self.released = True
        if self in _alive:
            _alive.remove(self)


class Server(_LoggedProcess):
    """tinkercache on an ephemeral port (-p 0 with --port-file)."""

    kind = "tinkercache"

    def __init__(self, *args):
        self._open_log()
        port_file = os.path.join(self.dir.name, "port")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [BIN, "-l", "127.0.0.1", "-p", "0", "--port-file", port_file,
                 *args],
                stdout=log, stderr=subprocess.STDOUT)
        end = time.monotonic() + (60 if SANITIZED else 10)
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.proc.kill()
                self.proc.wait()
                self.keep_log("server did not start")
                self._release()
                raise RuntimeError(
                    f"server did not start: {self._final_log.decode()}")
            time.sleep(0.01)
        with open(port_file) as f:
            ports = [int(p) for p in f.read().split()]
        self.port = ports[0]
        # With --compact-port, the second line is the compact port.
        self.compact_port = ports[1] if len(ports) > 1 else None

    def stop(self):
        """SIGTERM and waits; returns the exit code. A sanitizer report in
        the log raises AssertionError; the log is kept for either."""
        if self.released:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.keep_log(f"no exit within {STOP_TIMEOUT} s of SIGTERM")
            self._release()
            raise AssertionError(f"server ignored SIGTERM; log: {self.kept}")
        report = sanitizer_report(self.log())
        if report is not None:
            self.keep_log("sanitizer report")
        elif code != 0:
            self.keep_log(f"server exited with {code}")
        self._release()
        if report is not None:
            raise AssertionError(f"sanitizer report: {report}; log: "
                                 f"{self.kept}")
        return code

    def kill(self):
        """SIGKILL, where the kill is what is tested. A killed process
        prints nothing at exit, so the log is checked before; the server
        must still be running."""
        report = sanitizer_report(self.log())
        died = self.proc.poll()
        if died is None:
            self.proc.kill()
            self.proc.wait()
        if report is not None:
            self.keep_log("sanitizer report before the kill")
        elif died is not None:
            self.keep_log(f"server died by itself ({died})")
        self._release()
        if report is not None:
            raise AssertionError(f"sanitizer report before the kill: "
                                 f"{report}; log: {self.kept}")
        if died is not None:
            raise AssertionError(f"server died before the kill (exit "
                                 f"{died}); log: {self.kept}")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # A failing test keeps the log through the result hook below; here
        # the server stops cleanly, without hiding the test's own failure.
        if self.released:  # stopped or killed by the test
            return
        try:
            code = self.stop()
        except AssertionError:
            if exc_type is None:
                raise
            return
        if code != 0 and exc_type is None:
            raise AssertionError(
                f"server exited with {code} after SIGTERM; log: {self.kept}")


class Memcached(_LoggedProcess):
    """The reference: Debian's memcached 1.6.18 on a free port, proven to be
    the process that listens there and to answer as 1.6.18."""

    kind = "memcached"
    ATTEMPTS = 5

    def __init__(self, *args):
        for _ in range(self.ATTEMPTS):
            self._open_log()
            self.port = free_port()
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    ["memcached", "-u", "root", "-l", "127.0.0.1", "-p",
                     str(self.port), "-U", "0", *args],
                    stdout=log, stderr=subprocess.STDOUT)
            end = time.monotonic() + 10
            while (self.proc.poll() is None and time.monotonic() < end
                   and not listens(self.proc.pid, self.port)):
                time.sleep(0.01)
            if self.proc.poll() is None and listens(self.proc.pid, self.port):
                self._check_version()
                return
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            log = self.log()
            self._release()
            # Another process took the port between free_port() and the
            # bind: try another one.
            if b"Address already in use" not in log:
                raise RuntimeError(f"memcached did not start on port "
                                   f"{self.port}: {log.decode()}")
        raise RuntimeError(f"memcached found no free port in "
                           f"{self.ATTEMPTS} attempts")

    def _check_version(self):
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=10) as s:
            s.sendall(b"version\r\n")
            reply = read_until(s, b"\r\n")
        want = b"VERSION " + MEMCACHED_VERSION + b"\r\n"
        if reply != want or self.proc.poll() is not None:
            self.proc.kill()
            self.proc.wait()
            self._release()
            raise RuntimeError(f"the reference is not memcached "
                               f"{MEMCACHED_VERSION.decode()}: {reply!r}")

    def stop(self):
        """Checks the reference lived through the test, then SIGTERM."""
        if self.released:
            return
        died = self.proc.poll() is not None
        if not died:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=STOP_TIMEOUT)
        if died or code != 0:
            self.keep_log(f"memcached exited with {code}")
            self._release()
            raise AssertionError(
                f"memcached {'died during the test' if died else 'failed'} "
                f"(exit {code}); log: {self.kept}")
        self._release()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
        except AssertionError:
            if exc_type is None:
                raise


def _install_result_hooks():
    """Keeps the logs of the servers in use when a test fails or errs, and
    under CI=true turns a skip into a failure."""
    result = unittest.TestResult
    if getattr(result, "_tinkercache_hooks", False):
        return
    result._tinkercache_hooks = True
    start_test, stop_test = result.startTest, result.stopTest
    add_failure = result.addFailure
    add_error, add_subtest = result.addError, result.addSubTest

    def keep_logs(test):
        for p in dict.fromkeys(_alive + _started_in_test):
            try:
                p.keep_log(f"{test} failed")
            except OSError as e:
                print(f"[harness] cannot keep a log: {e}", file=sys.stderr)

    def startTest(self, test):
        global _current_test, _last_test
        _current_test = _last_test = test
        del _started_in_test[:]
        start_test(self, test)

    def stopTest(self, test):
        global _current_test
        _current_test = None
        stop_test(self, test)

    def addFailure(self, test, err):
        keep_logs(test)
        add_failure(self, test, err)

    def addError(self, test, err):
        keep_logs(test)
        add_error(self, test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            keep_logs(subtest)
        add_subtest(self, test, subtest, err)

    def addSkip(self, test, reason):
        try:
            raise AssertionError(f"skipped under CI=true ({reason}); CI "
                                 f"must run every test")
        except AssertionError:
            self.addFailure(test, sys.exc_info())

    result.startTest, result.stopTest = startTest, stopTest
    result.addFailure = addFailure
    result.addError, result.addSubTest = addError, addSubTest
    if CI:
        # TextTestResult overrides addSkip (to print it), so both.
        result.addSkip = unittest.TextTestResult.addSkip = addSkip


_install_result_hooks()


def exchange(port, data, settle=0.3, chunk=None, first=1.0):
    """Sends `data` (optionally in chunks) and returns all bytes received
    until the server goes quiet for `settle` seconds or closes. The first
    byte gets `first` seconds: a busy machine may delay a server's first
    reply past a short settle, and an empty answer must not be mistaken for
    one."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        if chunk:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
        else:
            s.sendall(data)
        s.settimeout(max(first, settle))
        out = b""
        try:
            while True:
                got = s.recv(1 << 20)
                if not got:
                    return out + b"<closed>"
                out += got
                s.settimeout(settle)
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
