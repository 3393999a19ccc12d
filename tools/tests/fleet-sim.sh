#!/usr/bin/env bash
# A small fleet in the suite: tools/fleet-sim with 6 real node processes, all five scenarios (about 40 s).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
LEDGE_BIN="${LEDGE_BIN:-$root/.build/release/ledge}" exec "$root/tools/fleet-sim" --nodes 6
