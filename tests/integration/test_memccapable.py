"""libmemcached's certification tool against the server, per protocol."""

import subprocess
import tempfile
import unittest

from harness import Server


class MemccapableTest(unittest.TestCase):
    """The in-memory engine."""

    def server(self):
        return Server("-t", "2")

    def certify(self, *mode):
        with self.server() as server:
            result = subprocess.run(
                ["memccapable", *mode, "-h", "127.0.0.1", "-p",
                 str(server.port)],
                capture_output=True, text=True, timeout=300)
            self.assertEqual(server.stop(), 0)
        report = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, report)
        self.assertIn("All tests passed", report)
        self.assertNotIn("[FAIL]", report)
        return report

    def test_ascii(self):
        self.assertIn("ascii", self.certify("-a"))

    def test_binary(self):
        self.assertIn("binary", self.certify("-b"))

    def test_both(self):
        report = self.certify()
        self.assertIn("ascii", report)
        self.assertIn("binary", report)


class MemccapableRocksDbTest(MemccapableTest):
    """The same certification with items in RocksDB."""

    def setUp(self):
        self.data = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.data.cleanup()

    def server(self):
        return Server("-t", "2", "--engine", "rocksdb", "--data-dir",
                      self.data.name)


if __name__ == "__main__":
    unittest.main()
