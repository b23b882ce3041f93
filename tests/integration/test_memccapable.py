"""libmemcached's certification tool against the server."""

import subprocess
import unittest

from harness import Server


class MemccapableTest(unittest.TestCase):
    def test_all_ascii_tests_pass(self):
        with Server("-t", "2") as server:
            result = subprocess.run(
                ["memccapable", "-a", "-h", "127.0.0.1", "-p",
                 str(server.port)],
                capture_output=True, text=True, timeout=300)
            self.assertEqual(server.stop(), 0)
        report = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, report)
        self.assertIn("All tests passed", report)
        self.assertNotIn("[FAIL]", report)


if __name__ == "__main__":
    unittest.main()
