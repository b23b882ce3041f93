"""The examples, over the wire."""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import BIN, STOP_TIMEOUT


def start_example(name, *args):
    directory = tempfile.TemporaryDirectory()
    port_file = os.path.join(directory.name, "port")
    proc = subprocess.Popen(
        [os.path.join(os.path.dirname(BIN), name), "-p", "0", "--port-file",
         port_file, *args])
    for _ in range(500):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read()), directory
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError(f"{name} did not start")


class LinkedListServerTest(unittest.TestCase):
    def test_passes_memccapable(self):
        proc, port, _dir = start_example("linked_list_server")
        try:
            result = subprocess.run(
                ["memccapable", "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True, text=True, timeout=300)
            report = result.stdout + result.stderr
            self.assertEqual(result.returncode, 0, report)
            self.assertIn("All tests passed", report)
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=STOP_TIMEOUT), 0)
        finally:
            if proc.poll() is None:
                proc.kill()


class MixedServerTest(unittest.TestCase):
    def test_keeps_the_rest_overrides_one_adds_one(self):
        import socket
        from harness import read_until
        proc, port, _dir = start_example("mixed_server")
        try:
            # Everything not overridden still certifies.
            result = subprocess.run(
                ["memccapable", "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True, text=True, timeout=300)
            self.assertEqual(result.returncode, 0,
                             result.stdout + result.stderr)
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"set pinned:a 0 0 5\r\nhello\r\n"
                      b"size pinned:a\r\ndelete pinned:a\r\n"
                      b"size pinned:a\r\nsize nothing\r\n")
            self.assertEqual(read_until(s, b"NOT_FOUND\r\n5\r\nNOT_FOUND\r\n"),
                             b"STORED\r\n5\r\nNOT_FOUND\r\n5\r\n"
                             b"NOT_FOUND\r\n")
            s.close()
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=STOP_TIMEOUT), 0)
        finally:
            if proc.poll() is None:
                proc.kill()


if __name__ == "__main__":
    unittest.main()
