#!/usr/bin/env bash
# Installs what is missing, builds and runs the whole test suite:
#   1. unit and integration tests, Release build, warnings as errors (build/)
#   2. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#      (build-asan/); leaks are reported when a server exits
#   3. the same suite built with ThreadSanitizer (build-tsan/)
#   4. every libFuzzer target for FUZZ_SECONDS (default 60) each (tools/fuzz.sh)
# Any failure, sanitizer report or fuzzer finding fails the run.
#   tools/test.sh [main|asan|tsan|fuzz]...   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(main asan tsan fuzz)

suite() {  # suite DIR [cmake options...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DTINKERCACHE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir"
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$(nproc)")
}

tools/install-deps.sh test
for phase in "${phases[@]}"; do
  echo "=== $phase"
  case $phase in
    main) suite build -DCMAKE_BUILD_TYPE=Release ;;
    asan)
      ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
      UBSAN_OPTIONS=print_stacktrace=1 \
        suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DTINKERCACHE_SANITIZE=address,undefined -DTINKERCACHE_BUILD_BENCH=OFF
      ;;
    tsan)
      # A race stops the process that has it, so the test that drove it fails.
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tools/tsan.supp \
        suite build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DTINKERCACHE_SANITIZE=thread -DTINKERCACHE_BUILD_BENCH=OFF
      ;;
    fuzz) tools/fuzz.sh ;;
    *) echo "unknown phase '$phase' (main, asan, tsan, fuzz)" >&2; exit 64 ;;
  esac
done
