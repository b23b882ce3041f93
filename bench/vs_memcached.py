#!/usr/bin/env python3
"""The end-to-end comparison with memcached 1.6.18 that bench/RESULTS.md
reports: it starts both servers with one worker thread pinned to core 0,
runs `tinkerbench --compare` pinned to core 1 (interleaved rounds, medians)
and writes the table and the chart; then the memory comparison, fresh
servers storing the same million items.

  bench/vs_memcached.py [--rounds 5] [--seconds 5] [--pipelines 1,16]
                        [--protocols ascii,binary,compact]
                        [--memory-items 1000000] [--scaling-rounds 3]
                        [--out bench/results]

--scaling-rounds: -t 1 against -t 2, nothing pinned (servers and the load
share both cores), pipeline 16, for both servers.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "build", "bin", "tinkerbench")
TINKERCACHE = os.path.join(ROOT, "build", "bin", "tinkercache")
STARTED = []  # killed on exit, whatever happens


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(kind, port, threads=1, cpus="0", extra=()):
    """memcached or tinkercache (with `extra` options) on `port`, pinned to
    `cpus`, once it accepts connections."""
    if kind == "memcached":
        cmd = ["memcached", "-u", "root", "-U", "0"]
    else:
        cmd = [TINKERCACHE, *extra]
    cmd += ["-t", str(threads), "-l", "127.0.0.1", "-p", str(port),
            "-m", "1024"]
    proc = subprocess.Popen(["taskset", "-c", cpus, *cmd],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    STARTED.append(proc)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"{kind} did not start")


def stop(proc):
    proc.kill()
    proc.wait()


def throughput(args):
    targets = []
    for kind in ("memcached", "tinkercache"):
        port = free_port()
        proc = start(kind, port)
        targets += ["--target", f"{kind}=127.0.0.1:{port}:{proc.pid}"]
    os.makedirs(args.out, exist_ok=True)
    subprocess.run(
        ["taskset", "-c", "1", BENCH, "--compare", *targets,
         "--protos", args.protocols, "--pipelines", args.pipelines,
         "--rounds", str(args.rounds), "-s", str(args.seconds),
         "-c", "50", "-k", "10000", "-v", "100", "-r", "9:1",
         "--title", "tinkercache vs memcached 1.6.18: one worker on core 0, "
                    "tinkerbench on core 1",
         "--markdown", os.path.join(args.out, "compare.md"),
         "--svg", os.path.join(args.out, "compare.svg"),
         "--json", os.path.join(args.out, "compare.json")], check=True)


def scaling(args):
    targets = []
    for kind in ("memcached", "tinkercache"):
        for threads in (1, 2):
            port = free_port()
            proc = start(kind, port, threads=threads, cpus="0,1")
            targets += ["--target",
                        f"{kind}-t{threads}=127.0.0.1:{port}:{proc.pid}"]
    subprocess.run(
        [BENCH, "--compare", *targets, "--protos", "ascii,binary",
         "--pipelines", "16", "--rounds", str(args.scaling_rounds),
         "-s", str(args.seconds), "-c", "50", "-t", "2", "-k", "10000",
         "-v", "100", "-r", "9:1",
         "--title", "-t 1 against -t 2 on two cores (load on the same cores)",
         "--markdown", os.path.join(args.out, "scaling.md"),
         "--svg", os.path.join(args.out, "scaling.svg"),
         "--json", os.path.join(args.out, "scaling.json")], check=True)


def memory(args):
    print(f"\n| server | RSS after {args.memory_items:,} items (MB) |")
    print("|---|---|")
    result = {}
    for kind in ("memcached", "tinkercache"):
        port = free_port()
        proc = start(kind, port)
        out = subprocess.run(
            [BENCH, "-p", str(port), "--warmup-only", "-k",
             str(args.memory_items), "-v", "100", "--key-size", "12",
             "--server-pid", str(proc.pid), "--json", "-"],
            check=True, capture_output=True, text=True).stdout
        time.sleep(1)  # background work settles
        with open(f"/proc/{proc.pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
        result[kind] = rss / 1024
        assert json.loads(out)["errors"] == 0
        stop(proc)
        print(f"| {kind} | {result[kind]:.1f} |")
    print(f"\nratio tinkercache/memcached: "
          f"{result['tinkercache'] / result['memcached']:.3f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--pipelines", default="1,16")
    p.add_argument("--protocols", default="ascii,binary,compact")
    p.add_argument("--memory-items", type=int, default=1_000_000)
    p.add_argument("--scaling-rounds", type=int, default=3)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = p.parse_args()
    try:
        if args.rounds:
            throughput(args)
        if args.memory_items:
            memory(args)
        if args.scaling_rounds:
            scaling(args)
    finally:
        for proc in STARTED:
            if proc.poll() is None:
                stop(proc)


if __name__ == "__main__":
    sys.exit(main())
