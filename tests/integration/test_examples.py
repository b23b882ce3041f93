"""The examples, over the wire."""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import BIN


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
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()


if __name__ == "__main__":
    unittest.main()
