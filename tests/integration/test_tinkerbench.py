"""tinkerbench against the real server (and memcached): every protocol's
workload runs clean, wrong replies and lost connections are reported, and
the comparison mode writes its table, chart and JSON."""

import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

from harness import BIN, Memcached, Server, exchange

TOOL = os.path.join(os.path.dirname(BIN), "tinkerbench")


def bench(port, *args, timeout=120):
    return subprocess.run([TOOL, "-p", str(port), "--progress", "off", *args],
                          capture_output=True, text=True, timeout=timeout)


def bench_json(port, *args):
    result = bench(port, "--json", "-", *args)
    return result, json.loads(result.stdout)


class TinkerbenchTest(unittest.TestCase):
    def test_every_protocol_runs_clean_with_every_reply_checked(self):
        with Server("-t", "2") as server:
            for proto in ("ascii", "binary", "compact"):
                for extra in ([], ["-m", "8", "-v", "1-2000"]):
                    with self.subTest(proto=proto, extra=extra):
                        result, r = bench_json(
                            server.port, "--proto", proto, "-c", "8", "-d",
                            "8", "-s", "1", "-k", "2000", "-t", "2",
                            "--server-pid", str(server.proc.pid), *extra)
                        self.assertEqual(result.returncode, 0, result.stderr)
                        self.assertEqual(r["errors"], 0, r["first_error"])
                        self.assertEqual(r["warmup"]["stored"], 2000)
                        self.assertGreater(r["ops"], 1000)
                        self.assertEqual(r["ops"], r["gets"] + r["sets"])
                        multiget = 8 if extra else 1
                        # Every key was stored and the store is large:
                        # every key of every get hits.
                        self.assertEqual(r["hits"], r["gets"] * multiget)
                        self.assertEqual(r["misses"], 0)
                        self.assertGreater(r["latency_us"]["p99"], 0)
                        self.assertGreaterEqual(r["latency_us"]["p99.9"],
                                                r["latency_us"]["p50"])
                        self.assertGreater(r["server_cpu_seconds"], 0)
                        self.assertGreater(r["server_rss_mb"], 1)
                        self.assertIn("ops/s", result.stderr)  # the summary
            self.assertEqual(server.stop(), 0)

    def test_bytes_per_op_follow_the_protocols(self):
        # Gets only, 12-byte keys, 100-byte values, one key per get.
        with Server() as server:
            sent = {}
            for proto in ("ascii", "binary", "compact"):
                result, r = bench_json(server.port, "--proto", proto, "-c",
                                       "1", "-s", "0.5", "-r", "1:0")
                self.assertEqual(r["errors"], 0, r["first_error"])
                sent[proto] = r["bytes_sent_per_op"]
            self.assertEqual(sent["ascii"], len("get key:00000001\r\n"))
            self.assertEqual(sent["binary"], 24 + 12)
            # KEY, length, key, GO; GET itself only once per connection.
            self.assertAlmostEqual(sent["compact"], 15, delta=0.01)
            self.assertLessEqual(sent["compact"], sent["binary"] / 2)

    def test_a_wrong_value_is_an_error(self):
        with Server() as server:
            result = bench(server.port, "-k", "10", "--warmup-only")
            self.assertEqual(result.returncode, 0, result.stderr)
            # Plant a value tinkerbench did not store: same length, other
            # bytes; and flags it did not set on another key.
            exchange(server.port, b"set key:00000003 0 0 100\r\n" +
                     b"x" * 100 + b"\r\nset key:00000004 7 0 100\r\n" +
                     b"y" * 100 + b"\r\n")
            for proto in ("ascii", "binary", "compact"):
                result, r = bench_json(server.port, "--proto", proto, "-k",
                                       "10", "--no-warmup", "-r", "1:0",
                                       "-c", "2", "-s", "0.3")
                self.assertEqual(result.returncode, 1, proto)
                self.assertGreater(r["errors"], 0, proto)
                self.assertRegex(r["first_error"],
                                 r"wrong value for key:00000003|"
                                 r"value of key:00000004 has flags 7")

    def test_a_missing_key_is_a_miss_not_an_error(self):
        with Server() as server:
            result, r = bench_json(server.port, "-k", "100", "--no-warmup",
                                   "-r", "1:0", "-s", "0.3", "-m", "3")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(r["hits"], 0)
            self.assertEqual(r["misses"], r["gets"] * 3)

    def test_a_server_that_goes_away_fails_the_run(self):
        with Server() as server:
            proc = subprocess.Popen(
                [TOOL, "-p", str(server.port), "-s", "5", "--progress", "off",
                 "--json", "-"], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            server.kill()  # on purpose: the run must notice
            out, err = proc.communicate(timeout=60)
            self.assertNotEqual(proc.returncode, 0)
            self.assertRegex(err, r"connect|closed")

    def test_unreachable_server_and_bad_options(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        result = bench(port, "-s", "1")
        self.assertEqual(result.returncode, 2)
        self.assertIn("connect", result.stderr)
        for args in (["--proto", "udp"], ["-v", "9-3"], ["-r", "3"],
                     ["-c", "0"], ["-m", "20", "-k", "10"]):
            result = bench(port, *args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn("usage:", result.stderr)

    def test_compare_mode_writes_table_chart_and_json(self):
        with Server("-t", "1") as server, Memcached("-t", "1") as mc, \
                tempfile.TemporaryDirectory() as tmp:
            md, svg, js = (os.path.join(tmp, f) for f in
                           ("t.md", "t.svg", "t.json"))
            result = subprocess.run(
                [TOOL, "--compare", "--progress", "off",
                 "--target", f"memcached=127.0.0.1:{mc.port}:{mc.proc.pid}",
                 "--target",
                 f"tinkercache=127.0.0.1:{server.port}:{server.proc.pid}",
                 "--pipelines", "1,4", "--rounds", "2", "-s", "0.3",
                 "-c", "4", "--markdown", md, "--svg", svg, "--json", js],
                capture_output=True, text=True, timeout=300)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("does not answer the compact protocol",
                          result.stderr)
            with open(js) as f:
                cells = json.load(f)
            # 2 targets x 2 pipelines for ascii and binary, compact on
            # tinkercache only.
            self.assertEqual(len(cells), 10)
            for cell in cells:
                self.assertEqual(cell["rounds"], 2)
                self.assertEqual(len(cell["ops_per_sec_rounds"]), 2)
                self.assertEqual(cell["median"]["errors"], 0)
                self.assertGreater(cell["median"]["server_cpu_us_per_op"], 0)
                if cell["proto"] == "compact":
                    self.assertEqual(cell["target"], "tinkercache")
            with open(md) as f:
                table = f.read()
            self.assertEqual(table, result.stdout)
            rows = [l for l in table.splitlines() if l.startswith("| ")][1:]
            self.assertEqual(len(rows), 10)
            self.assertRegex(table, r"\| compact \| 4 \| tinkercache \| "
                                    r"[\d,]+ \| \d+\.\d\dx binary \|")
            self.assertRegex(table, r"\| ascii \| 1 \| tinkercache \| "
                                    r"[\d,]+ \| \d+\.\d\dx memcached \|")
            root = ET.parse(svg).getroot()
            self.assertTrue(root.tag.endswith("svg"))
            texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
            for label in ("memcached", "tinkercache", "ascii p1",
                          "compact p4"):
                self.assertIn(label, texts)
            bars = list(root.iter("{http://www.w3.org/2000/svg}rect"))
            # The background, the legend's two squares, 4 panels x 10 bars.
            self.assertEqual(len(bars), 1 + 2 + 4 * 10)


if __name__ == "__main__":
    unittest.main()
