"""A real client library (Debian's python3-pymemcache) against the server."""

import threading
import time
import unittest

from pymemcache.client.base import Client

from harness import ServerTestCase, exchange


class PymemcacheTest(ServerTestCase):
    def client(self):
        return Client(("127.0.0.1", self.server.port), default_noreply=False,
                      timeout=10)

    def setUp(self):
        self.mc = self.client()
        self.mc.flush_all()

    def tearDown(self):
        self.mc.close()

    def test_set_get_delete(self):
        mc = self.mc
        self.assertTrue(mc.set("k", b"hello", expire=0))
        self.assertEqual(mc.get("k"), b"hello")
        self.assertTrue(mc.delete("k"))
        self.assertIsNone(mc.get("k"))
        self.assertFalse(mc.delete("k"))

    def test_flags_round_trip(self):
        self.mc.set("f", b"x", flags=123456)
        self.assertEqual(exchange(self.server.port, b"get f\r\n"),
                         b"VALUE f 123456 1\r\nx\r\nEND\r\n")

    def test_multi_get(self):
        mc = self.mc
        items = {f"key{i}": str(i).encode() * 10 for i in range(500)}
        self.assertEqual(mc.set_many(items), [])
        got = mc.get_many(list(items) + ["missing1", "missing2"])
        self.assertEqual(got, items)

    def test_add_replace_append_prepend(self):
        mc = self.mc
        self.assertTrue(mc.add("a", b"1"))
        self.assertFalse(mc.add("a", b"2"))
        self.assertTrue(mc.replace("a", b"3"))
        self.assertFalse(mc.replace("missing", b"3"))
        self.assertTrue(mc.append("a", b">"))
        self.assertTrue(mc.prepend("a", b"<"))
        self.assertEqual(mc.get("a"), b"<3>")

    def test_gets_and_cas(self):
        mc = self.mc
        mc.set("c", b"v1")
        value, cas = mc.gets("c")
        self.assertEqual(value, b"v1")
        self.assertTrue(mc.cas("c", b"v2", cas))
        self.assertFalse(mc.cas("c", b"v3", cas))  # stale unique
        self.assertIsNone(mc.cas("missing", b"v", cas))
        self.assertEqual(mc.get("c"), b"v2")

    def test_incr_decr(self):
        mc = self.mc
        self.assertIsNone(mc.incr("n", 1))
        mc.set("n", b"10")
        self.assertEqual(mc.incr("n", 5), 15)
        self.assertEqual(mc.decr("n", 100), 0)
        mc.set("n", b"18446744073709551615")
        self.assertEqual(mc.incr("n", 1), 0)

    def test_touch_and_expiry(self):
        mc = self.mc
        mc.set("t", b"v", expire=1)
        self.assertTrue(mc.touch("t", expire=100))
        time.sleep(2.1)  # the only sleep: real expiry through the real server
        self.assertEqual(mc.get("t"), b"v")
        mc.set("gone", b"v", expire=-1)
        self.assertIsNone(mc.get("gone"))
        self.assertFalse(mc.touch("missing", expire=1))

    def test_large_value(self):
        mc = self.mc
        value = bytes(range(256)) * 4000  # 1,024,000 bytes, binary-safe
        self.assertTrue(mc.set("big", value))
        self.assertEqual(mc.get("big"), value)

    def test_stats_and_version(self):
        mc = self.mc
        mc.set("s", b"1")
        mc.get("s")
        stats = mc.stats()
        for name in (b"pid", b"uptime", b"curr_items", b"total_items",
                     b"cmd_get", b"cmd_set", b"get_hits", b"get_misses",
                     b"curr_connections", b"total_connections", b"bytes",
                     b"evictions", b"limit_maxbytes", b"threads"):
            self.assertIn(name, stats)
        self.assertEqual(stats[b"threads"], 2)
        self.assertGreaterEqual(stats[b"get_hits"], 1)
        self.assertTrue(mc.version().startswith(b"1.6"))

    def test_noreply_keeps_the_stream_aligned(self):
        mc = Client(("127.0.0.1", self.server.port), default_noreply=True)
        for i in range(200):
            mc.set(f"nr{i}", str(i).encode())
        mc.delete("nr0")
        mc.incr("nr1", 1)
        self.assertEqual(mc.get("nr199"), b"199")
        self.assertIsNone(mc.get("nr0"))
        self.assertEqual(mc.get("nr1"), b"2")
        mc.close()

    def test_concurrent_clients_lose_no_increment(self):
        self.mc.set("counter", b"0")
        threads, per_thread = 8, 500

        def work():
            c = self.client()
            for _ in range(per_thread):
                c.incr("counter", 1)
            c.close()

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        self.assertEqual(int(self.mc.get("counter")), threads * per_thread)


if __name__ == "__main__":
    unittest.main()
