#!/usr/bin/env python3
"""Bytes on the wire per request and per reply for get, set, incr and a
10-key multi-get in the three protocols, measured against the running
server (replies are read off the socket, not computed).

  bench/wire_bytes.py     # starts build/bin/tinkercache on a free port

Keys are 12 bytes, values 100 bytes, every get hits. Compact requests are
shown twice: the first of a stream (CLEAR and the action included) and a
stream-lined one that reuses the selected action and registers.
"""

import os
import socket
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Server  # noqa: E402

KEY = b"key:00000001"
KEYS = [b"key:%08d" % i for i in range(1, 11)]
VALUE = b"v" * 100


def binary(op, key=b"", extras=b"", value=b""):
    return struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), 0, 0,
                       len(extras) + len(key) + len(value), 0, 0) + \
        extras + key + value


def ckey(k):
    return b"\x60" + bytes([len(k)]) + k


CLEAR, GO = b"\x01", b"\x00"
GET, SET, INCR, NOOP, QUIET, WANT_KEY = b"\x05", b"\x08", b"\x12", b"\x15", b"\x02", b"\x04"
CVALUE = b"\x61" + bytes([len(VALUE)]) + VALUE

REQUESTS = {
    "get": {
        "ascii": b"get " + KEY + b"\r\n",
        "binary": binary(0x00, KEY),
        "compact (first)": CLEAR + GET + ckey(KEY) + GO,
        "compact (stream-lined)": ckey(KEY) + GO,
    },
    "set": {
        "ascii": b"set " + KEY + b" 0 0 100\r\n" + VALUE + b"\r\n",
        "binary": binary(0x01, KEY, b"\0" * 8, VALUE),
        "compact (first)": CLEAR + SET + ckey(KEY) + CVALUE + GO,
        "compact (stream-lined)": ckey(KEY) + CVALUE + GO,
    },
    "incr": {
        "ascii": b"incr counter:0001 1\r\n",
        "binary": binary(0x05, b"counter:0001", struct.pack(">QQI", 1, 0, 0xffffffff)),
        "compact (first)": CLEAR + INCR + ckey(b"counter:0001") + b"\x20\x01" + GO,
        "compact (stream-lined)": ckey(b"counter:0001") + GO,
    },
    "10-key multi-get": {
        "ascii": b"get " + b" ".join(KEYS) + b"\r\n",
        "binary": b"".join(binary(0x0d, k) for k in KEYS) + binary(0x0a),
        "compact (first)": CLEAR + GET + QUIET + WANT_KEY +
        b"".join(ckey(k) + GO for k in KEYS) + NOOP + GO,
        "compact (stream-lined)": GET + b"".join(ckey(k) + GO for k in KEYS) +
        NOOP + GO,
    },
}


def reply_size(port, setup, request, prefix=b""):
    """Sends setup (its reply discarded), then request; returns the reply
    length once the server goes quiet."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(0.2)
        if setup:
            s.sendall(setup)
            try:
                while s.recv(65536):
                    pass
            except socket.timeout:
                pass
        s.sendall(request)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            pass
    return len(got)


def main():
    with Server() as server:
        port = server.port
        preload = b"".join(b"set " + k + b" 0 0 100\r\n" + VALUE + b"\r\n"
                           for k in KEYS) + b"set counter:0001 0 0 1\r\n0\r\n"
        reply_size(port, None, preload)
        print("| operation | protocol | request bytes | reply bytes |")
        print("|---|---|---|---|")
        for op, variants in REQUESTS.items():
            for proto, request in variants.items():
                setup = None
                if proto == "compact (stream-lined)":
                    # The stream already selected the action and flags.
                    setup = {"get": CLEAR + GET + ckey(KEY) + GO,
                             "set": CLEAR + SET + ckey(KEY) + CVALUE + GO,
                             "incr": CLEAR + INCR + ckey(b"counter:0001") +
                             b"\x20\x01" + GO,
                             "10-key multi-get": CLEAR + QUIET + WANT_KEY +
                             NOOP + GO}[op]
                    request_sent = setup + request
                    total = reply_size(port, None, request_sent)
                    reply = total - reply_size(port, None, setup)
                    # A fresh connection for the setup alone gives its share.
                else:
                    reply = reply_size(port, None, request)
                print(f"| {op} | {proto} | {len(request)} | {reply} |")
        assert server.stop() == 0


if __name__ == "__main__":
    main()
