#!/usr/bin/env bash
# The C int8 kernels on aarch64 under qemu: compiles Sources/CLedgeKernels and tools/ml/kernel_check.c for
# aarch64-linux-gnu with the Swift toolchain's clang and Debian's cross libc (libc6-dev-arm64-cross), then
# runs the check under qemu-aarch64 (Debian's qemu-user) twice: `-cpu max` (NEON and dot product, both
# compared with the portable C reference) and `-cpu cortex-a72` (Raspberry Pi 4: no dot product, so the
# dispatcher must choose neon). Also runs the same check natively (AVX2 / AVX-512 VNNI where present).
# Installs the two packages when missing and run as root; otherwise skips with a message (exit 0).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
K="$LEDGE_ROOT/Sources/CLedgeKernels"
SRC=("$K"/*.c "$LEDGE_ROOT/tools/ml/kernel_check.c")
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

command -v clang >/dev/null || { say "neon-kernels: SKIPPED (no clang on PATH)"; exit 0; }

# Native paths first.
clang -O2 -Wall -Werror -I"$K/include" -I"$K" "${SRC[@]}" -o "$out/kernel_check_native"
"$out/kernel_check_native"

sysroot=/usr/aarch64-linux-gnu
need=()
[ -f "$sysroot/lib/libc.so.6" ] || need+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "neon-kernels: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; }; } || true
  fi
  if [ ! -f "$sysroot/lib/libc.so.6" ] || ! command -v qemu-aarch64 >/dev/null; then
    say "neon-kernels: SKIPPED: NEON paths not tested (needs ${need[*]}; run as root: apt-get install ${need[*]})"
    exit 0
  fi
fi

# Link against the cross libc directly: the toolchain has no aarch64 libgcc/crtbegin, and the kernels need
# nothing beyond libc.
L="$sysroot/lib"
clang --target=aarch64-linux-gnu --sysroot="$sysroot" -fuse-ld=lld -nostartfiles -nodefaultlibs -O2 -Wall -Werror \
  -I"$K/include" -I"$K" "$L/crt1.o" "$L/crti.o" "${SRC[@]}" "$L/crtn.o" \
  "$L/libc.so.6" "$L/libc_nonshared.a" "$L/ld-linux-aarch64.so.1" -Wl,--dynamic-linker=/lib/ld-linux-aarch64.so.1 \
  -o "$out/kernel_check_arm64"
file_type="$(od -An -tx1 -j18 -N2 "$out/kernel_check_arm64" | tr -d ' ')"
[ "$file_type" = "b700" ] || die "neon-kernels: the cross build is not an aarch64 ELF (e_machine $file_type)"

say "neon-kernels: qemu-aarch64 -cpu max (NEON + dot product)"
timeout 120 qemu-aarch64 -L "$sysroot" -cpu max "$out/kernel_check_arm64" --expect neon neondot
say "neon-kernels: qemu-aarch64 -cpu cortex-a72 (NEON, no dot product)"
timeout 120 qemu-aarch64 -L "$sysroot" -cpu cortex-a72 "$out/kernel_check_arm64" --expect neon |
  tee "$out/a72.txt"
grep -q "best path neon;" "$out/a72.txt" || die "neon-kernels: on a Cortex-A72 the dispatcher must choose neon"
say "neon-kernels: all paths match the portable reference"
