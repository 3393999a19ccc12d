"""Golden vectors for LedgeML: run each model with LiteRT's reference kernels on fixed seeded inputs.

Writes, beside each model.tflite: golden/inputs.bin and golden/outputs.bin (per sample, every input
(output) tensor's raw bytes in its own type, concatenated, samples back to back) and golden/goldens.json
describing them. The Swift side needs only the .bin files and the model.
"""
import argparse, json, os, sys, zlib
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
import ai_edge_litert


def find_models(d):
    if os.path.isfile(d) and d.endswith(".tflite"):
        return [d]
    direct = os.path.join(d, "model.tflite")
    if os.path.isfile(direct):
        return [direct]
    found = []
    for root, dirs, files in os.walk(d):
        dirs[:] = sorted(x for x in dirs if x != "unsupported")  # models LedgeML must reject, no goldens
        if "model.tflite" in files:
            found.append(os.path.join(root, "model.tflite"))
    return found


def input_quant(interp, idx):
    """Quantization (scale, zp) that float input `idx` is quantized with inside the graph, if any."""
    try:
        for op in interp._get_ops_details():
            if op["op_name"] == "QUANTIZE" and len(op["inputs"]) and op["inputs"][0] == idx:
                q = interp.get_tensor_details()[op["outputs"][0]]["quantization"]
                if q[0] > 0:
                    return q
    except Exception:
        pass
    return None


def make_inputs(interp, rng, s):
    """One sample: sample 0 is all minimum, 1 all maximum, the rest seeded random over the int8 range."""
    arrays = []
    for det in interp.get_input_details():
        shape, dtype = det["shape"], det["dtype"]
        if dtype == np.int8:
            if s == 0:
                a = np.full(shape, -128, np.int8)
            elif s == 1:
                a = np.full(shape, 127, np.int8)
            else:
                a = rng.integers(-128, 128, size=shape, dtype=np.int16).astype(np.int8)
        elif dtype == np.float32:
            q = input_quant(interp, det["index"])
            scale, zp = q if q else (1.0 / 32, 0)
            if s == 0:
                a = np.full(shape, (-140 - zp) * scale, np.float32)
            elif s == 1:
                a = np.full(shape, (140 - zp) * scale, np.float32)
            else:
                qv = rng.integers(-128, 128, size=shape).astype(np.float32)
                noise = rng.uniform(-0.5, 0.5, size=shape).astype(np.float32)
                a = ((qv - zp + noise) * scale).astype(np.float32)
                # A few exact half-way points exercise round-half-away-from-zero.
                flat = a.reshape(-1)
                flat[: max(1, flat.size // 8)] = ((qv.reshape(-1)[: max(1, flat.size // 8)] - zp + 0.5) * scale).astype(np.float32)
        else:
            raise SystemExit(f"unsupported input type {dtype}")
        arrays.append(a)
    return arrays


def make(path, count):
    interp = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    seed = zlib.crc32(os.path.relpath(path, os.path.dirname(os.path.dirname(path))).encode()) & 0xFFFFFFFF
    rng = np.random.default_rng(seed)
    ins, outs = bytearray(), bytearray()
    for s in range(count):
        arrays = make_inputs(interp, rng, s)
        for det, a in zip(interp.get_input_details(), arrays):
            interp.set_tensor(det["index"], a)
            ins += a.tobytes()
        interp.invoke()
        for det in interp.get_output_details():
            outs += interp.get_tensor(det["index"]).tobytes()
    gdir = os.path.join(os.path.dirname(path), "golden")
    os.makedirs(gdir, exist_ok=True)
    open(os.path.join(gdir, "inputs.bin"), "wb").write(bytes(ins))
    open(os.path.join(gdir, "outputs.bin"), "wb").write(bytes(outs))

    def describe(dets):
        return [{"name": d["name"], "shape": [int(x) for x in d["shape"]], "dtype": np.dtype(d["dtype"]).name,
                 "scale": float(d["quantization"][0]), "zero_point": int(d["quantization"][1])} for d in dets]

    meta = {"model": os.path.basename(path), "count": count, "seed": seed,
            "resolver": "BUILTIN_REF", "litert": getattr(ai_edge_litert, "__version__", "2.3.0"),
            "inputs": describe(interp.get_input_details()), "outputs": describe(interp.get_output_details()),
            "layout": "per sample: each tensor's raw little-endian bytes in order, samples back to back"}
    with open(os.path.join(gdir, "goldens.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"{path}: {count} samples, {len(ins)} input bytes, {len(outs)} output bytes", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    models = [m for d in a.dirs for m in find_models(d)]
    if not models:
        raise SystemExit("no model.tflite found under " + " ".join(a.dirs))
    for m in models:
        make(m, a.count)


if __name__ == "__main__":
    main()
