#!/usr/bin/env bash
# Short chaos run for tools/test: 1,500 events, three broker restarts (one of 3 s), one kill -9 of the
# node; fails if any prediction is lost.
set -euo pipefail
exec "$(dirname "$0")/../chaos" --events 1500 --rate 100 --long-outage 3 --short-outage 0.5
