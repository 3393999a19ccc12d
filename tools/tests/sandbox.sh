#!/usr/bin/env bash
# `ledge fn invoke` on every hostile module (Tests/Fixtures/functions): checks the exit code (0 ran, 3 trapped,
# 2 refused at load) and that the printed reason names the limit or the import; plus the worked examples
# (C and Embedded Swift) and both `ledge fn new` scaffolds built with `ledge fn build` and invoked.
# Usage: tools/tests/sandbox.sh   (the release binary tools/setup builds, built if missing; LEDGE_BIN=… overrides)
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

ledge="${LEDGE_BIN:-$(ledge_bin)}"
[ -x "$ledge" ] || (cd "$LEDGE_ROOT" && swift build -c release --product ledge >/dev/null)
fx="$LEDGE_ROOT/Tests/Fixtures/functions"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

for c in "$fx"/*.c; do "$ledge" fn build "$c" -o "$tmp/$(basename "${c%.c}").wasm" >/dev/null; done
for w in "$fx"/*.wat; do wat2wasm "$w" -o "$tmp/$(basename "${w%.wat}").wasm"; done
# A huge data segment: 8 MiB of data in a module whose memory starts at 130 pages.
{ printf '(module (memory (export "memory") 130) (data (i32.const 0) "'
  head -c 8388608 /dev/zero | tr '\0' 'A'
  printf '")\n (func (export "ledge_alloc") (param i32) (result i32) (i32.const 8388608))\n'
  printf ' (func (export "ledge_on_event") (param i32 i32 i32 i32) (result i32) (i32.const 0)))\n'; } > "$tmp/bigdata.wat"
wat2wasm "$tmp/bigdata.wat" -o "$tmp/hostile_bigdata.wasm"
printf 'not a wasm module' > "$tmp/garbage.wasm"

# expect CODE TEXT MODULE ARGS…: runs `ledge fn invoke`, bounded by a timeout, and checks code and text.
expect() {
  local want="$1" text="$2" module="$3"; shift 3
  local out rc=0
  out="$(timeout 60 "$ledge" fn invoke "$tmp/$module.wasm" "$@" 2>&1)" || rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qF -- "$text" <<<"$out"; then
    say "FAIL: $module $* → exit $rc (want $want), output:"; say "$out"; failures=$((failures + 1))
  else
    say "ok   $module $* → exit $rc: $(grep -F -- "$text" <<<"$out" | head -1 | cut -c1-140)"
  fi
}

expect 0 "returned 0" empty --event '{}'
expect 0 'publish out/echo {"n":7,"count":1}' well_behaved --event '{"n":7}' --allow-publish 'out/#'
expect 0 "log info echo n=7" well_behaved --event '{"n":7}' --allow-publish 'out/#'
expect 3 "trapped: out of fuel" hostile_loop --event '{}' --fuel 1000000
expect 3 "trapped: deadline exceeded: ran longer than timeout_ms 50" hostile_loop --event '{}' --fuel 1000000000000 --timeout-ms 50
expect 3 "trapped: memory limit: memory.grow beyond memory_pages 32" hostile_memory --event '{}' --memory-pages 32
expect 3 "trapped: call stack exhausted: deeper than call_depth 300" hostile_recursion --event '{}' --call-depth 300
expect 3 "trapped: table limit: table minimum of 50000000 elements" hostile_table --event '{}'
expect 3 "trapped: table limit: table.grow beyond" hostile_tablegrow --event '{}'
expect 3 "trapped: memory limit: memory minimum of 130 pages exceeds the limit of 64 pages" hostile_bigdata --event '{}' --memory-pages 64
expect 0 "returned 0" hostile_bigdata --event '{}' --memory-pages 256
expect 3 "trapped: publish limit: more than max_publishes 5" hostile_flood --event '{}' --allow-publish 'out/#' --max-publishes 5
expect 3 "trapped: publish payload limit: 23 bytes > max_publish_bytes 16" well_behaved --event '{"n":1234567}' --allow-publish 'out/#' --max-publish-bytes 16
expect 3 'trapped: publish denied: topic "ledge/v1/nodes/x/desired"' hostile_topic --event '{"which":0}' --allow-publish '#'
expect 3 'trapped: publish denied: topic "plant/other/cmd" (outside allow_publish' hostile_topic --event '{"which":1}' --allow-publish 'plant/+/rul'
expect 3 "trapped: integer divide by zero" hostile_divzero --event '{}'
expect 3 "refused: event payload limit" well_behaved --event '{"n":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' --max-event-bytes 32
expect 2 "imports env.system, which the host does not provide" hostile_import --event '{}'
expect 2 "imports ledge.publish as (i32) -> i32, the host provides (i32, i32, i32, i32, i32) -> i32" hostile_badsig --event '{}'
expect 2 "malformed" garbage --event '{}'
calls=("publish topic" "publish payload" "kv_get key" "kv_get buf" "kv_set key" "kv_set value" "kv_delete key"
       "infer model" "infer in" "infer out" "log msg" "json_number json" "json_number key" "json_number out"
       "config key" "config buf" "model_floats model" "model_floats key" "model_floats out" "model_features model"
       "model_features json" "model_features out" "publish payload" "kv_set key")
for i in "${!calls[@]}"; do
  expect 3 "trapped: out-of-bounds pointer: ledge.${calls[$i]} " hostile_pointer --event "{\"call\":$i}" --allow-publish '#'
done

# Worked examples and scaffolds build with `ledge fn build` and run.
cd "$tmp"
"$ledge" fn build "$LEDGE_ROOT/edge-config/functions/spindle-watch" -o spindle.wasm >/dev/null
expect 0 'publish plant/a/machine/m1/alarm {"reason":"tool_wear"' spindle --topic plant/a/machine/m1/telemetry \
  --event '{"torque":40,"rpm":1500,"tool_wear":250}' --allow-publish 'plant/+/machine/+/#'
"$ledge" fn build "$LEDGE_ROOT/edge-config/functions/cmapss-rul" -o cmapss.wasm >/dev/null
expect 0 'publish plant/demo/engine/1/rul {"unit":1,"cycle":1,"rul":' cmapss --topic plant/demo/engine/1/telemetry \
  --event '{"unit":1,"cycle":1,"s2":642.0,"s3":1589.0,"s4":1400.0,"s7":554.0,"s8":2388.0,"s9":9050.0,"s11":47.4,"s12":522.0,"s13":2388.0,"s14":8130.0,"s15":8.4,"s17":392,"s20":38.9,"s21":23.3}' \
  --allow-publish 'plant/+/engine/+/#' --model "cmapss-rul=$LEDGE_ROOT/models/cmapss-rul"
for lang in swift c; do
  "$ledge" fn new "demo-$lang" --lang "$lang" >/dev/null
  "$ledge" fn build "demo-$lang" -o "demo-$lang.wasm" >/dev/null
  expect 0 "publish out/demo-$lang {\"doubled\":4.000}" "demo-$lang" --event '{"value":2}' --allow-publish 'out/#'
done

if [ "$failures" -ne 0 ]; then say "sandbox.sh: $failures failure(s)"; exit 1; fi
say "sandbox.sh: all passed"
