"""libmemcached's certification tool against the server, per protocol."""

import subprocess
import unittest

from harness import Server


class MemccapableTest(unittest.TestCase):
    def certify(self, *mode):
        with Server("-t", "2") as server:
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


if __name__ == "__main__":
    unittest.main()
