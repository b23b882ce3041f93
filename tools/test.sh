#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors and runs
# the whole test suite (unit and integration). Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh test
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTINKERCACHE_WERROR=ON >/dev/null
cmake --build build
cd build
ctest --output-on-failure --timeout 600 -j "$(nproc)"
