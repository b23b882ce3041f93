"""Replays spec/compact_vectors.txt against the running server, on the
shared port and on the dedicated compact port."""

import os
import subprocess
import unittest

from harness import BIN, Server, exchange

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "spec",
                    "compact_vectors.txt")


def load_vectors():
    vectors = []
    with open(SPEC) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, request, reply = (part.strip() for part in line.split("|"))
            closes = reply.endswith("close")
            if closes:
                reply = reply[:-len("close")].strip()
            vectors.append((name, bytes.fromhex(request), bytes.fromhex(reply),
                            closes))
    return vectors


class CompactVectorsTest(unittest.TestCase):
    def replay(self, port):
        vectors = load_vectors()
        self.assertGreater(len(vectors), 20)
        for name, request, reply, closes in vectors:
            # Each vector starts from an empty cache.
            exchange(port, b"\x01\x14\x00", settle=0.05)
            want = reply + (b"<closed>" if closes else b"")
            with self.subTest(name):
                self.assertEqual(exchange(port, request, settle=0.15), want)
                # The same bytes a byte at a time.
                exchange(port, b"\x01\x14\x00", settle=0.05)
                self.assertEqual(
                    exchange(port, request, settle=0.15, chunk=1), want)

    def test_vectors_on_the_shared_port(self):
        with Server("--compact-port", "0") as server:
            self.replay(server.port)
            self.assertEqual(server.stop(), 0)

    def test_vectors_on_the_compact_port(self):
        with Server("--compact-port", "0") as server:
            self.replay(server.compact_port)
            self.assertEqual(server.stop(), 0)


class CompactExampleTest(unittest.TestCase):
    def test_c_client_example_runs_against_the_server(self):
        example = os.path.join(os.path.dirname(BIN), "tcc_example")
        with Server() as server:
            for boots in (1, 2):
                result = subprocess.run(
                    [example, "127.0.0.1", str(server.port)],
                    capture_output=True, text=True, timeout=30)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout,
                                 "greeting = hello, device\n"
                                 f"boots = {boots}\n")
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
