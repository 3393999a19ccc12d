"""Demo report: counts, event→prediction latency and RUL accuracy from what a subscriber saw on the broker.

Input: lines `<unix time with ns> <topic> <payload>` (mosquitto_sub -F '%U %t %p') holding telemetry,
rul and alert messages. Latency of a prediction = its arrival time − the arrival time of the telemetry event
with the same (unit, cycle), both seen by the same subscriber through the broker.
Accuracy: the prediction at each engine's last telemetry cycle against RUL_FD001.txt, truth capped at 125.
Python standard library only (no virtual environment needed).
"""
import argparse
import json
import math
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def phm08(d):
    return math.exp(-d / 13.0) - 1 if d < 0 else math.exp(d / 10.0) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--collected", required=True)
    ap.add_argument("--rul", required=True)
    ap.add_argument("--sent", type=int, required=True)
    ap.add_argument("--node-log")
    ap.add_argument("--summary")
    a = ap.parse_args()

    telemetry_at = {}
    last_cycle = {}
    predictions = {}
    prediction_count = 0
    alerts = 0
    bad = 0
    with open(a.collected, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) != 3:
                bad += 1
                continue
            t, topic, payload = float(parts[0]), parts[1], parts[2]
            try:
                doc = json.loads(payload)
                key = (int(doc["unit"]), int(doc["cycle"]))
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            if topic.endswith("/telemetry"):
                telemetry_at.setdefault(key, t)
                last_cycle[key[0]] = max(last_cycle.get(key[0], 0), key[1])
            elif topic.endswith("/rul"):
                prediction_count += 1
                predictions.setdefault(key, (t, float(doc["rul"])))
            elif topic.endswith("/alert"):
                alerts += 1

    latencies = sorted((predictions[k][0] - telemetry_at[k]) * 1000.0 for k in predictions if k in telemetry_at)
    truth = [int(x) for x in open(a.rul).read().split()]
    errors = []
    for unit, cycle in sorted(last_cycle.items()):
        p = predictions.get((unit, cycle))
        if p is None or unit < 1 or unit > len(truth):
            continue
        errors.append(p[1] - min(truth[unit - 1], 125))
    rmse = math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else None
    score = sum(phm08(e) for e in errors) if errors else None
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)

    summary = {
        "events": a.sent,
        "predictions": prediction_count,
        "engines_scored": len(errors),
        "rmse": round(rmse, 3) if rmse is not None else None,
        "phm08": round(score, 1) if score is not None else None,
        "alerts": alerts,
        "latency_ms": {"p50": round(p50, 3) if p50 is not None else None, "p99": round(p99, 3) if p99 is not None else None},
    }
    # Which model version served how many events: the node's shutdown line
    # "served by version: cmapss-rul 1.0.0: N, cmapss-rul 2.0.0: M" (inferences per version; one per event).
    versions = {}
    if a.node_log:
        try:
            with open(a.node_log, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if "served by version:" in line:
                        versions = {}
                        for part in line.split("served by version:", 1)[1].split(","):
                            words = part.split()
                            if len(words) == 3 and words[1].endswith(":") and words[2].isdigit():
                                versions[words[1][:-1]] = versions.get(words[1][:-1], 0) + int(words[2])
        except OSError:
            pass
    if versions:
        summary["versions"] = versions
    distinct = len(predictions)
    print()
    print("Ledge demo: C-MAPSS FD001 test set through MQTT → Wasm function (Embedded Swift) → int8 model")
    print(f"  events in            {a.sent}")
    print(f"  predictions out      {prediction_count}  ({distinct} distinct unit/cycle)")
    print(f"  alerts               {alerts}")
    if p50 is not None:
        print(f"  latency event→rul    p50 {p50:.2f} ms, p99 {p99:.2f} ms  (through the broker)")
    if rmse is not None:
        print(f"  accuracy             RMSE {rmse:.2f}, PHM08 score {score:.1f} over {len(errors)} engines (last cycle, cap 125)")
    if versions:
        text = ", ".join(f"{v}: {n}" for v, n in versions.items())
        print(f"  model versions       {text}  (sum {sum(versions.values())}; the update was hot-swapped between two events)")
    if bad:
        print(f"  unparsable messages  {bad}")
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
        print(f"  summary written to   {a.summary}")
    ok = a.sent > 0 and prediction_count >= a.sent and len(errors) == len(last_cycle) and len(errors) > 0
    if not ok:
        print("demo FAILED: not every event got a prediction", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
