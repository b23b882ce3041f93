#!/usr/bin/env python3
"""End-to-end comparison with memcached (ASCII and binary protocols), as
bench/RESULTS.md reports it.

Both servers run with one worker thread pinned to core 0; the load generator
(build/bin/mc_load) is pinned to core 1. Rounds alternate between the two
servers so that machine noise hits both alike; figures are medians.

  bench/vs_memcached.py [--rounds 5] [--seconds 5] [--pipelines 1,16]
                        [--protocols ascii,binary] [--memory-items 1000000]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOAD = os.path.join(ROOT, "build", "bin", "mc_load")
TINKERCACHE = os.path.join(ROOT, "build", "bin", "tinkercache")
TICKS = os.sysconf("SC_CLK_TCK")
STARTED = []  # killed on exit, whatever happens


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(kind, port, memory_mb):
    if kind == "memcached":
        cmd = ["memcached", "-u", "root", "-U", "0", "-t", "1"]
    else:
        cmd = [TINKERCACHE, "-t", "1"]
    cmd += ["-l", "127.0.0.1", "-p", str(port), "-m", str(memory_mb)]
    proc = subprocess.Popen(["taskset", "-c", "0", *cmd],
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


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def load(port, *args):
    out = subprocess.run(["taskset", "-c", "1", LOAD, "-p", str(port), *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def throughput(args):
    servers = {}
    for kind in ("memcached", "tinkercache"):
        port = free_port()
        servers[kind] = (start(kind, port, 1024), port)
        load(port, "--fill", "-k", "10000", "-v", "100")
    rows = []
    for proto in args.protocols:
        for depth in args.pipelines:
            samples = {k: [] for k in servers}
            cpu = {k: [] for k in servers}
            for _ in range(args.rounds):
                for kind, (proc, port) in servers.items():
                    if proto == "compact" and kind == "memcached":
                        continue  # memcached does not speak it
                    before = cpu_seconds(proc.pid)
                    r = load(port, "--proto", proto, "-c", "50", "-d",
                             str(depth), "-s", str(args.seconds), "-k",
                             "10000", "-v", "100", "-r", "10")
                    if r["errors"]:
                        sys.exit(f"{kind}: {r['errors']} bad replies")
                    samples[kind].append(r["ops_per_sec"])
                    cpu[kind].append((cpu_seconds(proc.pid) - before) /
                                     r["ops"] * 1e6)
            m = {k: statistics.median(v) for k, v in samples.items() if v}
            c = {k: statistics.median(v) for k, v in cpu.items() if v}
            rows.append((proto, depth, m, c))
    for proc, _ in servers.values():
        proc.kill()
        proc.wait()
    print("| protocol | pipeline | memcached ops/s | tinkercache ops/s | ratio "
          "| memcached server CPU us/op | tinkercache server CPU us/op |")
    print("|---|---|---|---|---|---|---|")
    binary = {depth: (m, c) for proto, depth, m, c in rows if proto == "binary"}
    for proto, depth, m, c in rows:
        if proto == "compact":
            # Against tinkercache's own binary protocol in the same run.
            bm, bc = binary.get(depth, ({}, {}))
            ratio = (f"{m['tinkercache'] / bm['tinkercache']:.2f}x binary"
                     if bm else "")
            print(f"| compact | {depth} | (n/a) | {m['tinkercache']:,.0f} | "
                  f"{ratio} | (n/a) | {c['tinkercache']:.2f} |")
            continue
        print(f"| {proto} | {depth} | {m['memcached']:,.0f} | "
              f"{m['tinkercache']:,.0f} | "
              f"{m['tinkercache'] / m['memcached']:.2f}x | "
              f"{c['memcached']:.2f} | {c['tinkercache']:.2f} |")


def memory(args):
    print(f"\n| server | RSS after {args.memory_items:,} items (MB) |")
    print("|---|---|")
    result = {}
    for kind in ("memcached", "tinkercache"):
        port = free_port()
        proc = start(kind, port, 1024)
        load(port, "--fill", "-k", str(args.memory_items), "-v", "100")
        time.sleep(1)
        result[kind] = rss_mb(proc.pid)
        proc.kill()
        proc.wait()
        print(f"| {kind} | {result[kind]:.1f} |")
    print(f"\nratio tinkercache/memcached: "
          f"{result['tinkercache'] / result['memcached']:.2f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--pipelines", default="1,16")
    p.add_argument("--protocols", default="ascii,binary,compact")
    p.add_argument("--memory-items", type=int, default=1_000_000)
    args = p.parse_args()
    args.pipelines = [int(x) for x in args.pipelines.split(",")]
    args.protocols = args.protocols.split(",")
    try:
        throughput(args)
        if args.memory_items:
            memory(args)
    finally:
        for proc in STARTED:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
