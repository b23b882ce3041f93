"""Model check of the compact protocol against ASCII and binary.

tools/difftest/compact_model.py runs one seeded random operation sequence
through two fresh servers, one driven by the compact protocol and one by
ASCII (or binary), and compares every answer and the final items. Here:
fixed seeds of it, each a fresh pair of servers.

- ASCII and binary references with a 16 KiB item limit, every batch's
  replies under 192 KiB: values around and past the limit, quiet
  pipelines, registers kept across GOs, unknown opcodes, split writes.
- Output backpressure with the default 1 MiB limit: quiet multi-gets whose
  replies pass 256 KiB several times over.
"""

import os
import sys
import unittest

from harness import BIN

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "difftest"))

import compact_model  # noqa: E402

# Sanitized servers are several times slower: shorter sequences.
OPS = 1000 if os.environ.get("TINKERCACHE_SANITIZE") else 3000


class CompactModelTest(unittest.TestCase):
    def check(self, ref, seeds, ops, limit, big):
        with self.subTest(ref=ref, seeds=list(seeds), limit=limit, big=big):
            self.check_one(ref, seeds, ops, limit, big)

    def check_one(self, ref, seeds, ops, limit, big):
        failures = []
        for seed in seeds:
            mismatches = compact_model.run_sequence(
                seed, ref, ops, BIN, limit, big=big)
            print(f"seed {seed} ref {ref} -I {limit} big={big}: {ops} ops, "
                  f"{len(mismatches)} mismatches", flush=True)
            # Whole-sequence findings (an abort, a server's exit) always.
            whole = [m for m in mismatches
                     if m.index in ("run", "end", "all", "start")]
            rest = [m for m in mismatches if m not in whole]
            for m in rest[:10] + whole:
                failures.append(m.render())
            if len(rest) > 10:
                failures.append(f"... {len(rest) - 10} more for seed {seed}")
        if failures:
            self.fail("compact and " + ref + " disagree "
                      "(rerun: tools/difftest/compact_model.py --seed N "
                      f"--ref {ref} --ops {ops} --item-size {limit}"
                      f"{'' if big else ' --no-big'}):\n" +
                      "\n".join(failures))

    def test_against_ascii(self):
        self.check("ascii", range(1, 5), OPS, 16 * 1024, big=False)

    def test_against_binary(self):
        self.check("binary", range(1, 5), OPS, 16 * 1024, big=False)

    def test_output_backpressure(self):
        self.check("ascii", [101], OPS // 2, 1024 * 1024, big=True)
        self.check("binary", [102], OPS // 2, 1024 * 1024, big=True)


if __name__ == "__main__":
    unittest.main()
