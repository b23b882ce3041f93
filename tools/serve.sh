#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs the server on
# 127.0.0.1:11211 with the in-memory engine. Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target tinkercache
exec build/bin/tinkercache -l 127.0.0.1 -p 11211 "$@"
