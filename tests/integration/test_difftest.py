"""Runs the differential tester (tools/difftest) on fixed seeds: seeded
random streams of classic ASCII, meta and binary requests, pipelined and
split at random byte positions, sent to memcached 1.6.18 and to
tinkercache; any reply that differs after the documented normalizations
(tools/difftest/README.md) fails the test, and the tester's report (request,
both replies, byte offset of the first difference, seed and op index) is
the failure message."""

import os
import subprocess
import sys
import unittest

from harness import BIN

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "difftest", "difftest.py")

# Seeds and stream length: seconds per protocol family on two cores, in the
# sanitizer builds too. Longer runs still find the open families that
# tools/difftest/README.md lists.
SEEDS = ("1", "2")
OPS = "1000"


class DifferentialTest(unittest.TestCase):
    def run_family(self, family):
        cmd = [sys.executable, TOOL, "--protocol", family,
               "--seed", SEEDS[0], "--seeds", str(len(SEEDS)),
               "--ops", OPS, "--tinkercache", BIN]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=900)
        out = proc.stdout.decode("utf-8", "replace")
        summary = out.strip().splitlines()[-1] if out.strip() else ""
        print(f"{family}: {summary}")
        if proc.returncode != 0:
            # The whole report, but bounded: the first mismatches tell most.
            self.fail(f"{' '.join(cmd)}\nexit {proc.returncode}\n"
                      f"{out[:60000]}\n...\n{out[-2000:]}")

    def test_ascii_classic_streams(self):
        self.run_family("ascii")

    def test_meta_streams(self):
        self.run_family("meta")

    def test_binary_streams(self):
        self.run_family("binary")


if __name__ == "__main__":
    unittest.main()
