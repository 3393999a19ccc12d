#!/usr/bin/env python3
# Wasm bench driver: runs each bench program natively and in Ledge, WasmKit, wasm3 and wasmtime; checks the
# checksums against native; writes OUT/wasm.json and OUT/wasm.md. Called by ./run (see there for options).
import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
WASMKIT = "/opt/swift/usr/bin/wasmkit"


def programs():
    rows = []
    with open(os.path.join(HERE, "programs", "list.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, arg, test_arg, what = line.rstrip("\n").split("\t")
            rows.append({"name": name, "arg": arg, "test_arg": test_arg, "what": what})
    return rows


def run_process(cmd):
    """Runs cmd; returns (stdout, exit code, cpu seconds user+sys, wall seconds) from the child's rusage."""
    w0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - w0
    p.returncode = os.waitstatus_to_exitcode(status)
    return out.decode(errors="replace"), err.decode(errors="replace"), p.returncode, ru.ru_utime + ru.ru_stime, wall


def run_peer(python, engine, wasm, arg):
    out, err, code, cpu, wall = run_process([python, os.path.join(HERE, "peer.py"), engine, wasm, arg])
    try:
        info = json.loads(err.strip().splitlines()[-1])
        cpu, wall = info["cpu"], info["wall"]
    except (ValueError, IndexError, KeyError):
        pass
    return out, err, code, cpu, wall


def checksum(text):
    m = re.search(r"checksum ([0-9a-f]{8})", text)
    return m.group(1) if m else None


def versions(python, engines):
    v = {}
    def cmd(args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout.strip()
        except OSError:
            return None
    v["native"] = (cmd(["/opt/swift/usr/bin/clang", "--version"]) or "?").splitlines()[0] + " -O2"
    if "wasmkit" in engines:
        v["wasmkit"] = "wasmkit " + (cmd([WASMKIT, "--version"]) or "?") + " (shipped with the Swift toolchain)"
    py = cmd([python, "-c", "import importlib.metadata as m; print(m.version('pywasm3'), m.version('wasmtime'))"])
    if py:
        w3, wt = py.split()
        v["wasm3"] = f"pywasm3 {w3} (wasm3 interpreter)"
        v["wasmtime"] = f"wasmtime-py {wt} (Cranelift JIT)"
    git = cmd(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    v["ledge"] = f"ledge wasm run, release build, git {git}"
    return v


def machine():
    model, flags = "?", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "?":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    interesting = [f for f in flags if f in ("sse4_2", "avx", "avx2", "fma", "bmi2", "avx512f", "avx512vnni", "avx_vnni", "neon", "asimd")]
    return {"cpu": model, "flags": interesting, "cores": os.cpu_count(), "arch": platform.machine(),
            "kernel": platform.release(), "loadavg_at_start": os.getloadavg()}


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ledge", required=True)
    ap.add_argument("--build", required=True, help="folder with NAME.wasm / NAME.native")
    ap.add_argument("--python", required=True)
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--engines", default="native,ledge,wasmkit,wasm3,wasmtime")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    repeats = a.repeats or (3 if a.quick else 5)
    engines = a.engines.split(",")
    notes = []
    if "wasmkit" in engines and not os.access(WASMKIT, os.X_OK):
        engines.remove("wasmkit")
        notes.append("wasmkit is not in this toolchain (/opt/swift/usr/bin/wasmkit missing): skipped")
    progs = [p for p in programs() if not a.only or p["name"] in a.only.split(",")]

    def runner(engine, p):
        wasm = os.path.join(a.build, p["name"] + ".wasm")
        if engine == "native":
            return run_process([os.path.join(a.build, p["name"] + ".native"), p["arg"]])
        if engine == "ledge":
            return run_process([a.ledge, "wasm", "run", wasm, "--args", p["arg"]])
        if engine == "wasmkit":
            return run_process([WASMKIT, "run", wasm, p["arg"]])
        return run_peer(a.python, engine, wasm, p["arg"])

    results = []
    for p in progs:
        samples = {e: [] for e in engines}
        sums = {}
        failures = {}
        for rep in range(repeats):
            for e in engines:  # interleaved so that load drift hits every engine alike
                out, err, code, cpu, wall = runner(e, p)
                c = checksum(out)
                if code != 0 or c is None:
                    failures[e] = f"exit {code}: {(out + err).strip()[-300:]}"
                    continue
                sums.setdefault(e, set()).add(c)
                samples[e].append((cpu, wall))
        native_sum = next(iter(sums.get("native", {None})))
        for e in engines:
            cpus = sorted(s[0] for s in samples[e])
            walls = sorted(s[1] for s in samples[e])
            row = {"program": p["name"], "engine": e, "arg": p["arg"], "repeats": len(cpus)}
            if cpus:
                med = statistics.median(cpus)
                row.update({"cpu_s_median": med, "cpu_s_min": cpus[0], "cpu_s_max": cpus[-1],
                            "spread_pct": 100 * (cpus[-1] - cpus[0]) / med if med else 0,
                            "wall_s_median": statistics.median(walls),
                            "checksum": sorted(sums[e])[0] if len(sums[e]) == 1 else sorted(sums[e]),
                            "checksum_ok": sums[e] == {native_sum}})
            if e in failures:
                row["failure"] = failures[e]
            results.append(row)
        print(f"{p['name']}: " + ", ".join(f"{r['engine']} {r.get('cpu_s_median', float('nan')):.3f}s" for r in results if r["program"] == p["name"]), file=sys.stderr)

    # Ratios: each engine over native, and Ledge over each peer, per program; geometric means.
    med = {(r["program"], r["engine"]): r.get("cpu_s_median") for r in results}
    for r in results:
        n = med.get((r["program"], "native"))
        if r.get("cpu_s_median") and n:
            r["ratio_to_native"] = r["cpu_s_median"] / n
        l = med.get((r["program"], "ledge"))
        if r["engine"] not in ("ledge", "native") and r.get("cpu_s_median") and l:
            r["ledge_over_peer"] = l / r["cpu_s_median"]
    summary = {}
    for e in engines:
        rows = [r for r in results if r["engine"] == e]
        summary[e] = {"geomean_ratio_to_native": geomean([r.get("ratio_to_native") for r in rows]),
                      "geomean_ledge_over_engine": geomean([r.get("ledge_over_peer") for r in rows]) if e not in ("ledge", "native") else None,
                      "all_checksums_ok": all(r.get("checksum_ok") for r in rows)}
    notes += [
        "time = CPU seconds (user+sys) of the run, median of the repeats; spread = (max-min)/median. CPU time is used "
        "because the machine is shared (wall time is in the JSON too).",
        "native, ledge and wasmkit: whole process (start-up, decode, validation/translation included). wasm3 and "
        "wasmtime run inside a Python process (peer.py): load + compile + run, Python start-up excluded; wasmtime's "
        "figure includes its Cranelift compilation (possibly on helper threads).",
        "every checksum is compared with the native one; a mismatch shows as checksum_ok=false.",
    ]
    doc = {"suite": "wasm", "quick": a.quick, "repeats": repeats, "machine": machine(),
           "peers": versions(a.python, engines), "programs": {p["name"]: p["what"] for p in progs},
           "results": results, "summary": summary, "notes": notes}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "wasm.json"), "w") as f:
        json.dump(doc, f, indent=2)
    with open(os.path.join(a.out, "wasm.md"), "w") as f:
        f.write(markdown(doc, engines, progs))
    print(markdown(doc, engines, progs))
    bad = [r for r in results if not r.get("checksum_ok")]
    return 1 if bad else 0


def markdown(doc, engines, progs):
    m = doc["machine"]
    lines = ["## Wasm: CPU-bound programs, Ledge vs peers", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['arch']}, flags {' '.join(m['flags'])}; "
             f"load average at start {m['loadavg_at_start'][0]:.1f}. Repeats: {doc['repeats']} (median CPU seconds, spread in %).", ""]
    res = {(r["program"], r["engine"]): r for r in doc["results"]}
    head = "| program | " + " | ".join(engines) + " | Ledge/native | " + " | ".join(f"Ledge/{e}" for e in engines if e not in ("ledge", "native")) + " |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    for p in progs:
        cells = []
        for e in engines:
            r = res.get((p["name"], e), {})
            if "cpu_s_median" in r:
                ok = "" if r.get("checksum_ok") else " ✗"
                cells.append(f"{r['cpu_s_median']:.3f} ±{r['spread_pct']:.0f}%{ok}")
            else:
                cells.append("failed")
        lr = res.get((p["name"], "ledge"), {})
        cells.append(f"{lr['ratio_to_native']:.2f}×" if "ratio_to_native" in lr else "–")
        for e in engines:
            if e in ("ledge", "native"):
                continue
            r = res.get((p["name"], e), {})
            cells.append(f"{r['ledge_over_peer']:.2f}" if "ledge_over_peer" in r else "–")
        lines.append(f"| {p['name']} | " + " | ".join(cells) + " |")
    s = doc["summary"]
    gm = ["geomean ×native"] + [f"{s[e]['geomean_ratio_to_native']:.2f}×" if s[e]["geomean_ratio_to_native"] else "–" for e in engines]
    gm.append(f"{s['ledge']['geomean_ratio_to_native']:.2f}×" if "ledge" in s and s["ledge"]["geomean_ratio_to_native"] else "–")
    gm += [f"{s[e]['geomean_ledge_over_engine']:.2f}" if s[e]["geomean_ledge_over_engine"] else "–" for e in engines if e not in ("ledge", "native")]
    lines.append("| " + " | ".join(gm) + " |")
    lines += ["", "Ledge/peer < 1 means Ledge is faster. Peers: " + "; ".join(f"{k}: {v}" for k, v in doc["peers"].items()) + ".", ""]
    lines += [f"- {n}" for n in doc["notes"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
