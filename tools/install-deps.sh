#!/usr/bin/env bash
# Installs the Debian packages tinkercache needs that are missing.
#   tools/install-deps.sh build   compiler, CMake and libraries
#   tools/install-deps.sh test    the above plus the test clients, memcached and
#                                 the Cortex-M cross compiler with newlib
#   tools/install-deps.sh fuzz    the build set plus clang and its fuzzer runtime
set -euo pipefail

build=(g++ cmake ninja-build pkg-config libabsl-dev libasio-dev
       libgtest-dev libgmock-dev libbenchmark-dev librocksdb-dev)
test=(memcached libmemcached-tools python3 python3-pymemcache
      python3-binary-memcached python3-pylibmc
      gcc-arm-none-eabi libnewlib-arm-none-eabi)
fuzz=(clang-14 libclang-rt-14-dev)

case "${1:-build}" in
  build) wanted=("${build[@]}") ;;
  test) wanted=("${build[@]}" "${test[@]}") ;;
  fuzz) wanted=("${build[@]}" "${fuzz[@]}") ;;
  *) echo "usage: $0 [build|test|fuzz]" >&2; exit 64 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
