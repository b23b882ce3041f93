#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (address + undefined behaviour
# sanitizers, leak detection on) and runs each for a bounded time from its
# seed corpus in tests/fuzz/corpus/. Fails on any crash, leak, sanitizer
# report or broken invariant; prints the executions each target ran.
#   tools/fuzz.sh [TARGET...]      env: FUZZ_SECONDS (default 60 per target)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools/install-deps.sh fuzz
seconds=${FUZZ_SECONDS:-60}
build=$root/build-fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTINKERCACHE_FUZZ=ON \
  -DTINKERCACHE_BUILD_TESTS=OFF -DTINKERCACHE_BUILD_BENCH=OFF \
  -DTINKERCACHE_WERROR=ON >/dev/null
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ascii_parser_fuzz binary_parser_fuzz
                                     compact_parser_fuzz connection_fuzz)
cmake --build "$build" --target "${targets[@]}"
mkdir -p "$build/artifacts"
failed=0
for t in "${targets[@]}"; do
  # The committed seeds stay as they are; new finds go to a scratch copy.
  work=$(mktemp -d)
  cp "tests/fuzz/corpus/$t/"* "$work/"
  dict=()
  case $t in
    ascii_parser_fuzz) dict=(-dict=tests/fuzz/ascii.dict) ;;
    connection_fuzz) dict=(-dict=tests/fuzz/connection.dict) ;;
  esac
  log=$build/$t.log
  if ASAN_OPTIONS=detect_leaks=1 "$build/fuzz/$t" -max_total_time="$seconds" \
      -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" "${dict[@]}" "$work" \
      >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    echo "fuzz $t: $runs executions in ${seconds} s, no finding"
  else
    echo "fuzz $t: FINDING (log $log, input in $build/artifacts/)" >&2
    grep -E "ERROR|invariant|runtime error|SUMMARY" "$log" | head -20 >&2
    failed=1
  fi
  rm -rf "$work"
done
exit $failed
