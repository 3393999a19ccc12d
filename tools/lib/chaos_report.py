"""Report of tools/chaos: compares the predictions the consumer recorded with the events the replay sent
(the first N rows of the C-MAPSS file, interleaved cycle by cycle as `ledge replay` sends them).
Prints `sent N, predicted P, lost L, duplicates D` and the node's disk writes per 1,000 events; exits 1
when anything was lost. Usage: chaos_report.py --data F --events N --sent N --recorded F --io-bytes B
--seconds S [--json OUT]"""
import argparse
import collections
import json
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--events", type=int, required=True)
ap.add_argument("--sent", type=int, required=True)
ap.add_argument("--recorded", required=True)
ap.add_argument("--io-bytes", type=int, required=True)
ap.add_argument("--wchar", type=int, default=0)
ap.add_argument("--seconds", type=float, required=True)
ap.add_argument("--json")
a = ap.parse_args()

by_unit = collections.OrderedDict()
for line in open(a.data):
    f = line.split()
    if len(f) != 26:
        continue
    by_unit.setdefault(int(f[0]), []).append(int(f[1]))
rows, step = [], 0
total = sum(len(v) for v in by_unit.values())
while len(rows) < total:
    for u, cycles in by_unit.items():
        if step < len(cycles):
            rows.append((u, cycles[step]))
    step += 1
expected = rows[: a.events]

seen = collections.Counter()
bad = 0
for line in open(a.recorded):
    line = line.strip()
    if not line or line == "consumer-ready":
        continue
    try:
        doc = json.loads(line)
        seen[(int(doc["unit"]), int(doc["cycle"]))] += 1
    except (ValueError, KeyError, TypeError):
        bad += 1
exp = set(expected)
lost = sorted(exp - set(seen))
dups = sum(n - 1 for k, n in seen.items() if k in exp)
unexpected = sum(n for k, n in seen.items() if k not in exp)
predicted = len(exp & set(seen))
per_k = a.io_bytes * 1000.0 / max(1, len(expected))
print(f"sent {a.sent}, predicted {predicted}, lost {len(lost)}, duplicates {dups}")
print(f"node disk writes: {a.io_bytes} bytes (write_bytes in /proc/<pid>/io) = {per_k:.0f} bytes per 1,000 events"
      + (f"; write() calls: {a.wchar * 1000.0 / max(1, len(expected)):.0f} bytes per 1,000 events" if a.wchar else ""))
print(f"throughput: {len(expected) / a.seconds:.0f} events/s end to end ({len(expected)} events in {a.seconds:.1f} s, outages included)")
if lost:
    print("lost (unit, cycle), first 20: " + ", ".join(f"({u},{c})" for u, c in lost[:20]))
if unexpected or bad:
    print(f"also recorded: {unexpected} predictions for events not sent, {bad} unreadable payloads")
if a.json:
    json.dump({"sent": a.sent, "expected": len(expected), "predicted": predicted, "lost": len(lost), "duplicates": dups,
               "io_write_bytes": a.io_bytes, "bytes_per_1000_events": per_k, "seconds": a.seconds}, open(a.json, "w"))
sys.exit(1 if lost or a.sent < len(expected) else 0)
