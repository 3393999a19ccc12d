"""tools/bench-ml: the int8 models in models/* and two raw int8 kernels, in one run, in Ledge and its peers.

Rows (each measured --repeats times; the table gives the median of the per-repeat p50s and the spread
min–max of those p50s):
  model/<name>   Ledge (`ledge bench model --json`, raw int8 tensors, the dispatched kernel path),
                 LiteRT with XNNPACK on 1 thread (ai-edge-litert Interpreter, default resolver, num_threads=1),
                 LiteRT's built-in optimized kernels without XNNPACK (BUILTIN_WITHOUT_DEFAULT_DELEGATES, 1 thread),
                 ONNX Runtime on 1 thread from the same int8 weights (the .tflite converted by tf2onnx --tflite,
                 which gives a QDQ graph; ORT fuses what it can into QLinear ops).
  gemv 1024x1024 / gemm 256x256x256
                 Ledge (`ledge bench gemm --json`), ONNX Runtime MatMulInteger (int8 x int8 -> int32, weights as
                 an initializer, 1 thread), numpy int32 matmul (numpy has no int8 BLAS: operands pre-widened
                 to int32 outside the timing).
Peers are timed in Python around the call alone (time.perf_counter_ns), so each of their figures includes
about a microsecond of call overhead; Ledge is timed inside the process around invokeRaw.
Peak: int8 MACs/cycle of the dispatched path's instruction (AVX-512 VNNI vpdpbusd 64, AVX2 vpmaddwd 32,
NEON dot product sdot 32, NEON smlal 8) × the clock measured by `ledge bench gemm` (a chain of dependent adds).
"""
import argparse, hashlib, json, os, platform, subprocess, sys, tempfile, time

import numpy as np


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def stats(values):
    v = sorted(values)
    return {"median": float(np.median(v)), "min": float(v[0]), "max": float(v[-1]), "repeats": len(v)}


def time_calls(fn, seconds, warmup=50):
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    n0 = 0
    while time.perf_counter() - t0 < min(0.05, seconds):
        fn()
        n0 += 1
    per = max((time.perf_counter() - t0) / max(n0, 1), 1e-7)
    n = int(max(20, min(200000, seconds / per)))
    ts = np.empty(n, dtype=np.int64)
    for i in range(n):
        a = time.perf_counter_ns()
        fn()
        ts[i] = time.perf_counter_ns() - a
    return float(np.percentile(ts, 50)) / 1e3, float(np.percentile(ts, 99)) / 1e3


def ledge_json(ledge, args):
    out = subprocess.run([ledge] + args + ["--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def litert_interp(path, resolver):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kw = {"model_path": path, "num_threads": 1}
    if resolver == "builtin":
        kw["experimental_op_resolver_type"] = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(**kw)
    it.allocate_tensors()
    rng = np.random.default_rng(1)
    for d in it.get_input_details():
        if d["dtype"] == np.int8:
            it.set_tensor(d["index"], rng.integers(-128, 128, size=d["shape"]).astype(np.int8))
        else:
            it.set_tensor(d["index"], rng.normal(size=d["shape"]).astype(d["dtype"]))
    return it


def onnx_from_tflite(path, cache):
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
    dst = os.path.join(cache, digest + ".onnx")
    if not os.path.exists(dst):
        log(f"  converting {path} to ONNX (tf2onnx --tflite)")
        r = subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--tflite", path, "--output", dst + ".tmp",
                            "--opset", "17"], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("tf2onnx failed: " + r.stderr.strip().splitlines()[-1])
        os.replace(dst + ".tmp", dst)
    return dst


def ort_session(path_or_bytes):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path_or_bytes, so, providers=["CPUExecutionProvider"])


def ort_feed(sess):
    rng = np.random.default_rng(1)
    feed = {}
    types = {"tensor(int8)": np.int8, "tensor(uint8)": np.uint8, "tensor(float)": np.float32}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        t = types.get(i.type, np.float32)
        feed[i.name] = rng.integers(-128, 128, size=shape).astype(t) if t == np.int8 else rng.normal(size=shape).astype(t)
    return feed


def matmul_integer_model(w):
    """ONNX MatMulInteger: Y[int32] = X[int8, cols x depth] · W^T with W as an initializer [depth x rows]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rows, depth = w.shape
    b = numpy_helper.from_array(np.ascontiguousarray(w.T), name="W")
    g = helper.make_graph([helper.make_node("MatMulInteger", ["X", "W"], ["Y"])], "mmi",
                          [helper.make_tensor_value_info("X", TensorProto.INT8, [None, depth])],
                          [helper.make_tensor_value_info("Y", TensorProto.INT32, [None, rows])], [b])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ledge", required=True)
    ap.add_argument("--models", required=True, help="folder whose */model.tflite are benchmarked")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=0)
    ap.add_argument("--out", help="write ml.json and ml.md here")
    a = ap.parse_args()
    repeats = a.repeats or (3 if a.quick else 5)
    seconds = 0.25 if a.quick else 1.0
    cache = os.path.join(os.path.expanduser("~"), ".cache", "ledge", "bench-ml")
    os.makedirs(cache, exist_ok=True)

    import ai_edge_litert, onnxruntime
    peers = {"ai-edge-litert": getattr(ai_edge_litert, "__version__", "2.3.0"), "onnxruntime": onnxruntime.__version__,
             "numpy": np.__version__}
    try:
        import tf2onnx
        peers["tf2onnx"] = tf2onnx.__version__
    except Exception:
        pass
    results, notes = [], []

    models = sorted(d for d in os.listdir(a.models) if os.path.isfile(os.path.join(a.models, d, "model.tflite")))
    for name in models:
        path = os.path.join(a.models, name, "model.tflite")
        log(f"model {name}")
        row = {"benchmark": f"model/{name}", "unit": "us"}
        led = [ledge_json(a.ledge, ["bench", "model", path, "--seconds", str(seconds)]) for _ in range(repeats)]
        row["macs"] = led[0]["macs"]
        row["ledge"] = stats([r["p50_us"] for r in led])
        row["ledge_p99"] = stats([r["p99_us"] for r in led])
        row["ledge_path"] = led[0]["kernelPath"]
        for key, resolver in (("litert_xnnpack", "auto"), ("litert_builtin", "builtin")):
            try:
                it = litert_interp(path, resolver)
                row[key] = stats([time_calls(it.invoke, seconds)[0] for _ in range(repeats)])
            except Exception as e:  # a peer that cannot run the model is reported, not fatal
                notes.append(f"{name}: LiteRT ({resolver}) failed: {e}")
        try:
            sess = ort_session(onnx_from_tflite(path, cache))
            feed = ort_feed(sess)
            row["onnxruntime"] = stats([time_calls(lambda: sess.run(None, feed), seconds)[0] for _ in range(repeats)])
        except Exception as e:
            notes.append(f"{name}: ONNX Runtime failed: {e}")
        results.append(row)

    # The floor of a LiteRT invoke from Python: a model of one RELU on 51 values.
    floor_model = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Models", "relu_relu6_ops", "model.tflite")
    if os.path.isfile(floor_model):
        it = litert_interp(floor_model, "auto")
        floor = stats([time_calls(it.invoke, seconds)[0] for _ in range(repeats)])
        notes.append(f"LiteRT call floor (Python → invoke of a 2-op 51-value model, XNNPACK): {floor['median']:.2f} µs "
                     "(part of every LiteRT figure above; Ledge's figures have no such overhead)")

    rng = np.random.default_rng(3)
    for label, rows, depth, cols in (("gemv 1024x1024", 1024, 1024, 1), ("gemm 256x256x256", 256, 256, 256)):
        log(label)
        row = {"benchmark": label, "unit": "us", "macs": rows * depth * cols}
        led = [ledge_json(a.ledge, ["bench", "gemm", "--rows", str(rows), "--depth", str(depth), "--cols", str(cols),
                                    "--seconds", str(seconds)]) for _ in range(repeats)]
        row["ledge"] = stats([r["p50_us"] for r in led])
        row["ledge_path"] = led[0]["kernelPath"]
        clock = max(r["clock_ghz"] for r in led) * 1e9
        peak = led[0].get("path_peak_macs_per_cycle") or led[0].get("cpu_peak_macs_per_cycle") or 0
        row["clock_ghz"] = clock / 1e9
        row["peak_macs_per_cycle"] = peak
        if led[0].get("measured_peak_macs_per_cycle"):
            row["measured_peak_macs_per_cycle"] = max(r["measured_peak_macs_per_cycle"] for r in led)
        w = rng.integers(-127, 128, size=(rows, depth)).astype(np.int8)
        x = rng.integers(-128, 128, size=(cols, depth)).astype(np.int8)
        try:
            sess = ort_session(matmul_integer_model(w))
            feed = {"X": x}
            ref = sess.run(None, feed)[0]
            if not np.array_equal(ref, x.astype(np.int64) @ w.T.astype(np.int64)):
                notes.append(f"{label}: ONNX Runtime MatMulInteger result differs from exact int arithmetic")
            row["onnxruntime"] = stats([time_calls(lambda: sess.run(None, feed), seconds)[0] for _ in range(repeats)])
        except Exception as e:
            notes.append(f"{label}: ONNX Runtime MatMulInteger failed: {e}")
        w32, x32 = w.astype(np.int32), x.astype(np.int32)
        wt = np.ascontiguousarray(w32.T)
        row["numpy"] = stats([time_calls(lambda: x32 @ wt, min(seconds, 0.5), warmup=3)[0] for _ in range(repeats)])
        for impl in ("ledge", "onnxruntime", "numpy"):
            if impl in row and peak and clock:
                row[f"{impl}_fraction_of_peak"] = row["macs"] / (row[impl]["median"] * 1e-6) / (peak * clock)
        results.append(row)

    notes.append("Latencies: median over repeats of each repeat's p50 (µs); spread = min–max of those p50s.")
    notes.append("Peak = MACs/cycle of the dispatched path's instruction × measured clock (dependent-add chain); "
                 "a register-only probe of the instruction is reported as measured peak.")
    notes.append("ONNX Runtime runs the .tflite converted by tf2onnx --tflite: a QDQ graph (int8 weights with "
                 "DequantizeLinear/QuantizeLinear); ORT fuses part of it into QLinear ops. No float Keras export is used.")
    notes.append(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, shared with other "
                 "jobs while measured: absolute figures are noisy, ratios within one run are the ones to compare.")

    md = render(results, notes)
    print(md)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "ml.json"), "w") as f:
            json.dump({"suite": "ml", "peers": peers, "results": results, "notes": notes}, f, indent=1)
            f.write("\n")
        with open(os.path.join(a.out, "ml.md"), "w") as f:
            f.write(md + "\n")


def fmt(s):
    if not s:
        return "–"
    return f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})"


def render(results, notes):
    lines = ["| benchmark | Ledge µs | LiteRT XNNPACK 1T µs | LiteRT builtin 1T µs | ONNX Runtime 1T µs | numpy µs | "
             "XNNPACK / Ledge | ORT / Ledge | Ledge % of peak |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        led = r["ledge"]["median"]
        def ratio(k):
            return f"{r[k]['median'] / led:.2f}×" if k in r else "–"
        frac = f"{100 * r['ledge_fraction_of_peak']:.0f}%" if "ledge_fraction_of_peak" in r else "–"
        lines.append(f"| {r['benchmark']} ({r.get('ledge_path', '')}) | {fmt(r['ledge'])} | {fmt(r.get('litert_xnnpack'))} | "
                     f"{fmt(r.get('litert_builtin'))} | {fmt(r.get('onnxruntime'))} | {fmt(r.get('numpy'))} | "
                     f"{ratio('litert_xnnpack')} | {ratio('onnxruntime')} | {frac} |")
    extra = []
    for r in results:
        if "peak_macs_per_cycle" in r:
            m = f", measured instruction peak {r['measured_peak_macs_per_cycle']:.1f} MACs/cycle" if "measured_peak_macs_per_cycle" in r else ""
            peers = ", ".join(f"{k} {100 * r[k + '_fraction_of_peak']:.1f}%" for k in ("onnxruntime", "numpy")
                              if k + "_fraction_of_peak" in r)
            extra.append(f"- {r['benchmark']}: peak {r['peak_macs_per_cycle']:.0f} int8 MACs/cycle × {r['clock_ghz']:.2f} GHz"
                         f"{m}; peers: {peers}")
    return "\n".join(lines + [""] + extra + [""] + [f"- {n}" for n in notes])


if __name__ == "__main__":
    main()
