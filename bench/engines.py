#!/usr/bin/env python3
"""End-to-end get and set through the server with each engine: memory,
rocksdb (write-ahead log) and rocksdb --sync (fsync per acknowledged
write), 100-byte and 10 KB values. Each server runs one worker thread
pinned to core 0; `tinkerbench --compare` runs pinned to core 1, rounds
interleaved across the servers, figures are medians.

  bench/engines.py [--rounds 3] [--seconds 5] [--pipelines 1,16]
                   [--data-dir DIR] [--out bench/results]

--data-dir: where the rocksdb servers keep their directories (default a
new directory under $TMPDIR or /tmp); put it on the disk to be measured.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from vs_memcached import BENCH, ROOT, free_port, start, stop

ENGINES = {
    "memory": [],
    "rocksdb": ["--engine", "rocksdb"],
    "rocksdb-sync": ["--engine", "rocksdb", "--sync"],
}
WORKLOADS = [  # name, tinkerbench arguments
    ("get 100 B", ["-r", "1:0", "-v", "100"]),
    ("set 100 B", ["-r", "0:1", "-v", "100"]),
    ("get 10 KB", ["-r", "1:0", "-v", "10240"]),
    ("set 10 KB", ["-r", "0:1", "-v", "10240"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pipelines", default="1,16")
    parser.add_argument("--data-dir")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench",
                                                      "results"))
    args = parser.parse_args()
    data = args.data_dir or tempfile.mkdtemp(prefix="tinkercache-engines-")
    os.makedirs(args.out, exist_ok=True)
    report = []
    for name, load in WORKLOADS:
        servers = []
        try:
            targets = []
            for engine, flags in ENGINES.items():
                port = free_port()
                extra = list(flags)
                if flags:
                    directory = os.path.join(data, f"{engine}-{port}")
                    extra += ["--data-dir", directory]
                proc = start("tinkercache", port, extra=extra)
                servers.append(proc)
                targets += ["--target", f"{engine}=127.0.0.1:{port}:{proc.pid}"]
            table = os.path.join(args.out, ".engines-table.md")
            subprocess.run(
                ["taskset", "-c", "1", BENCH, "--compare", *targets,
                 "--protos", "ascii", "--pipelines", args.pipelines,
                 "--rounds", str(args.rounds), "-s", str(args.seconds),
                 "--progress", "off", "--markdown", table, *load],
                check=True)
            with open(table) as f:
                report.append(f"### {name}\n\n{f.read()}")
            os.remove(table)
        finally:
            for proc in servers:
                stop(proc)
            if not args.data_dir:
                for entry in os.listdir(data):
                    shutil.rmtree(os.path.join(data, entry))
    if not args.data_dir:
        shutil.rmtree(data)
    out = os.path.join(args.out, "engines.md")
    with open(out, "w") as f:
        f.write("\n".join(report))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
