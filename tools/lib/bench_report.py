"""Merges the per-suite outputs of tools/bench (DIR/<suite>.json, DIR/<suite>.md) into DIR/results.json and
DIR/results.md, with the machine the run happened on (CPU model, features, cores, memory, toolchain)."""
import argparse
import json
import os
import platform
import subprocess
import time

INTERESTING_FLAGS = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "asimd",
                     "asimddp", "bmi2"]


def machine():
    info = {"arch": platform.machine(), "kernel": platform.release(), "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        for line in text.splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key in ("model name", "Model") and "cpu_model" not in info:
                info["cpu_model"] = value
            if key in ("flags", "Features") and "features" not in info:
                have = set(value.split())
                info["features"] = [f for f in INTERESTING_FLAGS if f in have]
            if key == "cpu MHz" and "mhz" not in info:
                info["mhz"] = float(value)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["memory_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        v = subprocess.run(["swift", "--version"], capture_output=True, text=True, timeout=30)
        info["swift"] = (v.stdout or v.stderr).splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return info


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--mode", default="full")
    p.add_argument("--seconds", type=int, default=0)
    a = p.parse_args()

    statuses = {}
    tsv = os.path.join(a.out, "logs", "suites.tsv")
    if os.path.exists(tsv):
        with open(tsv) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:
                    statuses[parts[0]] = {"status": parts[1], "seconds": int(parts[2])}

    m = machine()
    suites = {}
    for name, st in statuses.items():
        entry = dict(st)
        path = os.path.join(a.out, name + ".json")
        if st["status"] == "ok" and os.path.exists(path):
            try:
                with open(path) as f:
                    entry["data"] = json.load(f)
            except (OSError, ValueError) as e:
                entry["status"] = "failed"
                entry["error"] = f"{name}.json unreadable: {e}"
        suites[name] = entry

    results = {"generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "mode": a.mode,
               "seconds": a.seconds, "machine": m, "suites": suites}
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    lines = ["# Ledge benchmarks", "",
             f"Run {results['generated']} ({a.mode} mode, {a.seconds} s) on {m.get('cpu_model', '?')}, "
             f"{m.get('cores', '?')} cores, {m.get('memory_gib', '?')} GiB, features "
             f"{' '.join(m.get('features', [])) or '?'}; {m.get('swift', '')}.", "",
             "Every figure is measured in this run; ratios compare Ledge with a peer measured side by side. "
             "The machine is a shared 2-vCPU VM: absolute times drift between runs, ratios much less.", ""]
    lines.append("| suite | status | seconds |")
    lines.append("|---|---|---|")
    for name, st in statuses.items():
        lines.append(f"| {name} | {st['status']} | {st['seconds']} |")
    lines.append("")
    for name, st in statuses.items():
        md = os.path.join(a.out, name + ".md")
        if st["status"] == "ok" and os.path.exists(md):
            with open(md) as f:
                body = f.read().strip()
            lines += [f"## {name}", "", body, ""]
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
