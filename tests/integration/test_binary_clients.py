"""Real binary-protocol clients against the server: python-binary-memcached
(bmemcached) and libmemcached in binary mode (pylibmc)."""

import threading
import unittest

import bmemcached
import pylibmc

from harness import Server


class BinaryClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("-t", "2")
        cls.address = f"127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def setUp(self):
        self.bm = bmemcached.Client([self.address])
        self.lm = pylibmc.Client([self.address], binary=True,
                                 behaviors={"cas": True})
        self.bm.flush_all()

    def tearDown(self):
        self.bm.disconnect_all()

    def test_bmemcached_get_set_delete(self):
        bm = self.bm
        self.assertTrue(bm.set("k", "hello"))
        self.assertEqual(bm.get("k"), "hello")
        self.assertTrue(bm.delete("k"))
        self.assertIsNone(bm.get("k"))
        self.assertTrue(bm.add("a", "1"))
        self.assertFalse(bm.add("a", "2"))
        self.assertTrue(bm.replace("a", "3"))
        self.assertFalse(bm.replace("missing", "3"))
        self.assertEqual(bm.get("a"), "3")

    def test_bmemcached_cas(self):
        bm = self.bm
        bm.set("c", "v1")
        value, cas = bm.gets("c")
        self.assertEqual(value, "v1")
        self.assertTrue(bm.cas("c", "v2", cas))
        self.assertFalse(bm.cas("c", "v3", cas))
        self.assertEqual(bm.get("c"), "v2")

    def test_bmemcached_incr_decr(self):
        bm = self.bm
        bm.set("n", 10)
        self.assertEqual(bm.incr("n", 5), 15)
        self.assertEqual(bm.decr("n", 100), 0)

    def test_bmemcached_multi_get_and_types(self):
        bm = self.bm
        items = {f"key{i}": f"value{i}" for i in range(300)}
        bm.set_multi(items)
        self.assertEqual(bm.get_multi(list(items) + ["nope"]), items)
        bm.set("dict", {"a": [1, 2]})  # pickled: exercises flags
        self.assertEqual(bm.get("dict"), {"a": [1, 2]})
        bm.set("int", 42)
        self.assertEqual(bm.get("int"), 42)

    def test_bmemcached_stats(self):
        bm = self.bm
        bm.set("t", "v", time=100)
        bm.get("t")
        stats = next(iter(bm.stats().values()))
        for name in ("pid", "curr_items", "cmd_get", "get_hits",
                     "curr_connections", "evictions"):
            self.assertIn(name, stats)
        self.assertGreaterEqual(int(stats["get_hits"]), 1)

    def test_pylibmc_binary(self):
        lm = self.lm
        lm.set("p", "q")
        self.assertEqual(lm.get("p"), "q")
        lm.set_multi({"x": "1", "y": "2"})
        self.assertEqual(lm.get_multi(["x", "y", "missing"]),
                         {"x": "1", "y": "2"})
        self.assertEqual(lm.incr("n", 1) if lm.set("n", "5") else None, 6)
        self.assertEqual(lm.decr("n", 10), 0)
        value, cas = lm.gets("p")
        self.assertEqual(value, "q")
        self.assertTrue(lm.cas("p", "r", cas))
        self.assertFalse(lm.cas("p", "s", cas))
        self.assertEqual(lm.get("p"), "r")
        self.assertTrue(lm.touch("p", 100))
        self.assertTrue(lm.delete("p"))
        self.assertIsNone(lm.get("p"))
        self.assertFalse(lm.add("x", "again"))
        self.assertTrue(lm.append("x", "+"))
        self.assertTrue(lm.prepend("x", "-"))
        self.assertEqual(lm.get("x"), "-1+")
        big = "z" * 900_000
        lm.set("big", big)
        self.assertEqual(lm.get("big"), big)

    def test_concurrent_binary_increments(self):
        self.bm.set("counter", 0)
        threads, per_thread = 8, 400

        def work():
            c = pylibmc.Client([self.address], binary=True)
            for _ in range(per_thread):
                c.incr("counter", 1)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        self.assertEqual(int(self.bm.get("counter")), threads * per_thread)


if __name__ == "__main__":
    unittest.main()
