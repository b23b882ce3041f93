#!/usr/bin/env bash
# User-space instructions per request, counted by callgrind (repeatable
# where seconds are not): the server runs under valgrind with one worker,
# tinkerbench stores the key space, counting starts, a gets-only (or mixed)
# load runs, and the count is divided by the requests served.
#
#   bench/instructions.sh [SERVER_CMD...]
#   env: PROTO=ascii|binary|compact PIPELINE=16 RATIO=1:0 SECONDS=3
#        OUT=/tmp/callgrind.out (annotate with callgrind_annotate OUT)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/build/bin/tinkerbench"
proto=${PROTO:-ascii} pipeline=${PIPELINE:-16} ratio=${RATIO:-1:0}
seconds=${SECONDS_OF_LOAD:-3} out=${OUT:-/tmp/callgrind.out}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ $# -eq 0 ]; then set -- "$root/build/bin/tinkercache" -t 1; fi
rm -f "$out" "$out".*
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
  "$@" -l 127.0.0.1 -p "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.1
done
"$bench" -p "$port" --warmup-only -c 4 --progress off >/dev/null
callgrind_control -i on "$server" >/dev/null
ops=$("$bench" -p "$port" --no-warmup --proto "$proto" -d "$pipeline" \
  -r "$ratio" -c 10 -s "$seconds" --progress off --json - 2>/dev/null |
  python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["errors"]==0, r; print(r["ops"])')
callgrind_control -i off "$server" >/dev/null
kill -INT $server; wait $server 2>/dev/null || true
trap - EXIT
total=$(grep -h "^totals:" "$out"* | awk "{s+=\$2} END {print s}")
echo "$proto pipeline $pipeline ratio $ratio: $ops requests, $total instructions, $((total / ops)) per request"
