"""tinkercapable certifies tinkercache, and real memcached, for the protocol
tests it has."""

import os
import subprocess
import unittest

from harness import BIN, Memcached, Server

TOOL = os.path.join(os.path.dirname(BIN), "tinkercapable")


def certify(port, *args):
    return subprocess.run([TOOL, "-h", "127.0.0.1", "-p", str(port), "-v",
                           *args], capture_output=True, text=True, timeout=300)


class TinkercapableTest(unittest.TestCase):
    def check_all_pass(self, result, skipped_protocol=None):
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertNotIn("[fail]", result.stdout)
        summary = result.stdout.strip().splitlines()[-1]
        self.assertRegex(summary, r"^[1-9]\d* passed, 0 failed, \d+ skipped$")
        self.assertIn("flushing", result.stderr)  # it warns
        for line in result.stdout.splitlines()[:-1]:
            if line.endswith("[skip]"):
                self.assertTrue(line.startswith(skipped_protocol + " "), line)
            else:
                self.assertTrue(line.endswith("[pass]"), line)

    def test_certifies_tinkercache(self):
        with Server("-t", "2") as server:
            result = certify(server.port)
            self.check_all_pass(result)
            for protocol in ("ascii ", "binary ", "compact "):
                self.assertIn(protocol, result.stdout)
            self.assertTrue(result.stdout.strip().endswith(" 0 skipped"))
            self.assertEqual(server.stop(), 0)

    def test_certifies_memcached(self):
        # memcached's behaviour is the reference for these tests.
        # The compact tests skip: memcached does not speak it.
        with Memcached() as mc:
            self.check_all_pass(certify(mc.port), skipped_protocol="compact")

    def test_selection_listing_and_failure_status(self):
        listed = subprocess.run([TOOL, "-l", "-T", "cas"], capture_output=True,
                                text=True).stdout.split("\n")
        self.assertIn("ascii cas", listed)
        self.assertNotIn("ascii set", listed)
        with Server() as server:
            only = certify(server.port, "-T", "ascii incr")
            self.assertEqual(only.stdout.strip().splitlines()[-1],
                             "1 passed, 0 failed, 0 skipped")
            skipped = certify(server.port, "-b", "-T", "ascii set")
            self.assertIn("[skip]", skipped.stdout)
            self.assertEqual(server.stop(), 0)
        # Nothing listens there: every test fails, and so does the status.
        failed = certify(1, "-T", "ascii version")
        self.assertEqual(failed.returncode, 1)
        self.assertIn("[fail]", failed.stdout)


if __name__ == "__main__":
    unittest.main()
