#!/usr/bin/env bash
# `ledge model inspect|run|verify` and `ledge bench model|gemm` on the real op-level and shipped models
# (release binary built by tools/setup): verify reports N/N bit-exact and exits 0, a changed golden or a
# corrupted model exits non-zero with the reason, inspect/run/bench print what they promise.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
L="$(ledge_bin)"
[ -x "$L" ] || die "model-cli: $L is missing (run tools/setup)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { say "model-cli: FAILED: $*"; exit 1; }

out="$("$L" model verify "$LEDGE_ROOT/Tests/Models")" || fail "verify of Tests/Models exited non-zero: $(tail -3 <<<"$out")"
last="$(tail -1 <<<"$out")"
[[ "$last" =~ ^([0-9]+)/([0-9]+)\ outputs\ bit-exact ]] || fail "unexpected verify summary: $last"
[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -gt 0 ] || fail "$last"
say "model-cli: $last"

# A golden changed by one byte: verify must notice and exit non-zero.
cp -r "$LEDGE_ROOT/Tests/Models/fc_17_to_3" "$tmp/fc"
printf '\x55' | dd of="$tmp/fc/golden/outputs.bin" bs=1 seek=5 conv=notrunc status=none
if "$L" model verify "$tmp/fc" >"$tmp/v.txt" 2>&1; then fail "verify accepted a changed golden"; fi
grep -q "outputs bit-exact" "$tmp/v.txt" || fail "verify printed no summary on a mismatch"

# A truncated model: a clear error with the byte offset, exit code 2, no crash.
head -c 700 "$LEDGE_ROOT/Tests/Models/conv_3x3_same_s2_17/model.tflite" >"$tmp/bad.tflite"
set +e
"$L" model inspect "$tmp/bad.tflite" >"$tmp/bad.txt" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "inspect of a truncated model exited $rc (expected 2): $(cat "$tmp/bad.txt")"
grep -q "model error at byte" "$tmp/bad.txt" || fail "no offset in: $(cat "$tmp/bad.txt")"

m="$LEDGE_ROOT/Tests/Models/fc_17_to_3/model.tflite"
"$L" model inspect "$m" >"$tmp/i.txt"
for want in "FULLY_CONNECTED" "per-channel 3 scales" "arena:" "MACs per inference: 51" "kernel path:"; do
  grep -q "$want" "$tmp/i.txt" || fail "inspect output lacks '$want'"
done
row="$(python3 -c 'print(",".join(str(i / 10) for i in range(17)))')"
"$L" model run "$m" --input "$row" >"$tmp/r.txt"
[ "$(tr ',' '\n' <"$tmp/r.txt" | grep -c .)" -eq 3 ] || fail "run printed $(cat "$tmp/r.txt") (expected 3 values)"
"$L" model run "$m" --input "[$row]" --json >"$tmp/rj.txt"
python3 -c "import json,sys; v=json.load(open('$tmp/rj.txt')); assert len(v)==1 and len(v[0])==3" || fail "run --json output"
"$L" bench model "$m" --iterations 200 >"$tmp/b.txt"
for want in "p50" "p99" "GOPS" "kernel path"; do grep -q "$want" "$tmp/b.txt" || fail "bench model lacks '$want'"; done
"$L" bench gemm --rows 64 --depth 64 --cols 8 --iterations 200 >"$tmp/g.txt"
grep -q "MACs/cycle" "$tmp/g.txt" || fail "bench gemm output: $(cat "$tmp/g.txt")"
for d in "$LEDGE_ROOT"/models/*/; do
  [ -f "$d/model.tflite" ] || continue
  "$L" model inspect "$d/model.tflite" >/dev/null || fail "inspect of shipped model $d failed"
done
say "model-cli: inspect, run, verify, bench all behave"
