#!/usr/bin/env bash
# Builds the Wasm bench programs into OUT (default build/): NAME.wasm (wasm32-wasi, Swift toolchain clang +
# Debian wasi-libc; fannkuch's kernel in Embedded Swift) and NAME.native (clang -O2 / swiftc -O for the host).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/programs"
out="${1:-$here/build}"
mkdir -p "$out"
bin=/opt/swift/usr/bin
clang="$bin/clang"
wasi_cflags=(--target=wasm32-wasi -nostdlibinc -isystem /usr/include/wasm32-wasi -O2)
wasi_ldflags=(-nostdlib /usr/lib/wasm32-wasi/crt1-command.o -L/usr/lib/wasm32-wasi -lc -lm -Wl,--strip-all)
C_PROGRAMS=(matmul sha256 crc32 quicksort nbody bytecode)

for p in "${C_PROGRAMS[@]}"; do
    "$clang" "${wasi_cflags[@]}" "$src/$p.c" "${wasi_ldflags[@]}" -o "$out/$p.wasm"
    "$clang" -O2 "$src/$p.c" -o "$out/$p.native" -lm
done

# Embedded Swift kernel + C driver.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin/swiftc" -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -wmo -parse-as-library -O \
    -Xfrontend -disable-stack-protector -c "$src/fannkuch.swift" -o "$tmp/fannkuch-wasm.o"
"$clang" "${wasi_cflags[@]}" -c "$src/fannkuch_main.c" -o "$tmp/fannkuch_main-wasm.o"
"$bin/wasm-ld" --strip-all /usr/lib/wasm32-wasi/crt1-command.o "$tmp/fannkuch_main-wasm.o" "$tmp/fannkuch-wasm.o" \
    -L/usr/lib/wasm32-wasi -lc -o "$out/fannkuch.wasm"
"$bin/swiftc" -target x86_64-unknown-linux-gnu -enable-experimental-feature Embedded -wmo -parse-as-library -O \
    -c "$src/fannkuch.swift" -o "$tmp/fannkuch-native.o"
"$clang" -O2 "$src/fannkuch_main.c" "$tmp/fannkuch-native.o" -o "$out/fannkuch.native"
echo "built: ${C_PROGRAMS[*]} fannkuch -> $out"
