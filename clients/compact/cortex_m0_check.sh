#!/usr/bin/env bash
# Cross-builds tcc.c for a Cortex-M0+ with Debian's gcc-arm-none-eabi (newlib's
# headers, nothing linked) and checks what a small device needs: .text at most
# 2 KiB, and no undefined symbol outside the allowed list below, so no 64-bit
# division helper, no stdio and no heap.
#   clients/compact/cortex_m0_check.sh GENERATED_INCLUDE_DIR OUT_DIR
# Without arm-none-eabi-gcc it exits 77 (skipped), except under CI=true, where
# a skipped check is a failure.
set -euo pipefail
include_dir=$1
out_dir=$2
src=$(cd "$(dirname "$0")" && pwd)/tcc.c
obj=$out_dir/tcc_cortex_m0plus.o
limit=2048

# String functions, 32-bit division, 64-bit shifts and multiply: a few
# instructions each in newlib or libgcc. Anything else fails the check.
allowed=(memcpy memset memmove memcmp strlen
         __aeabi_uidiv __aeabi_uidivmod __aeabi_idiv __aeabi_idivmod
         __aeabi_llsl __aeabi_llsr __aeabi_lasr __aeabi_lmul)

if ! command -v arm-none-eabi-gcc >/dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "arm-none-eabi-gcc not found under CI=true: a skipped check fails" \
         "(tools/install-deps.sh test installs gcc-arm-none-eabi)" >&2
    exit 1
  fi
  echo "skipped: arm-none-eabi-gcc not found (apt-get install" \
       "gcc-arm-none-eabi libnewlib-arm-none-eabi)"
  exit 77
fi

mkdir -p "$out_dir"
cc=(arm-none-eabi-gcc -std=c99 -Os -mthumb -mcpu=cortex-m0plus
    -Wall -Wextra -pedantic -Werror -I"$include_dir" -c "$src" -o "$obj")
echo "${cc[*]}"
"${cc[@]}"

text=$(arm-none-eabi-size -A "$obj" | awk '$1 == ".text" { print $2 }')
mapfile -t undefined < <(arm-none-eabi-nm -u "$obj" | awk '{ print $NF }' | sort -u)
echo "tcc .text bytes (cortex-m0plus, -Os -mthumb):" "${text:-none}"
echo "undefined symbols: ${undefined[*]}"

status=0
if [ -z "$text" ] || [ "$text" -gt "$limit" ]; then
  echo "FAIL: .text is ${text:-missing}, the limit is $limit bytes" >&2
  status=1
fi
for sym in "${undefined[@]}"; do
  case " ${allowed[*]} " in
    *" $sym "*) ;;
    *) echo "FAIL: tcc.c needs '$sym', which is not allowed on a small" \
            "target (allowed: ${allowed[*]})" >&2
       status=1 ;;
  esac
done
exit $status
