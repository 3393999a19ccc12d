# Shared helpers for training: quiet deterministic TF set-up, int8 conversion, op allowlist, MAC count, manifests.
import hashlib
import json
import os
import random
import sys

# Ops the Swift TFLite reader (LedgeML) supports; any other op in a converted model is an error.
ALLOWED_OPS = frozenset("""
FULLY_CONNECTED CONV_2D DEPTHWISE_CONV_2D MAX_POOL_2D AVERAGE_POOL_2D MEAN RESHAPE SQUEEZE EXPAND_DIMS
CONCATENATION STRIDED_SLICE ADD SUB MUL LOGISTIC TANH SOFTMAX RELU RELU6 LEAKY_RELU QUANTIZE DEQUANTIZE
""".split())


class TrainingError(Exception):
    """A failure of a training tool, with a message that says what, where and why."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def setup_tf(seed, threads=2):
    """Imports TensorFlow quietly, seeds every generator and asks for deterministic ops on `threads` cores."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    os.environ["PYTHONHASHSEED"] = str(seed)
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # already initialised; keep what is set
    random.seed(seed)
    import numpy as np
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return tf


def convert_int8(tf, model, representative):
    """Full-integer int8 conversion of a Keras model built with a fixed batch-1 input shape.

    `representative` is a float32 array of example inputs, shape (N, *input_shape[1:]).
    Inputs and outputs of the converted model are int8.
    """
    import numpy as np

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]

    def rep():
        for i in range(len(representative)):
            yield [np.asarray(representative[i:i + 1], dtype=np.float32)]

    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def interpreter(model_bytes, reference=True):
    """A LiteRT interpreter; `reference` selects the reference kernels (what LedgeML matches)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kind = OpResolverType.BUILTIN_REF if reference else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    it = Interpreter(model_content=model_bytes, experimental_op_resolver_type=kind)
    it.allocate_tensors()
    return it


def check_ops(it, where):
    """Returns the sorted op names of the model; raises TrainingError when one is not in ALLOWED_OPS."""
    ops = sorted({d["op_name"] for d in it._get_ops_details()})
    bad = [o for o in ops if o not in ALLOWED_OPS]
    if bad:
        raise TrainingError(f"{where}: converted model uses ops the Swift reader does not support: {bad} "
                            f"(all ops: {ops})")
    return ops


def count_macs(it):
    """Multiply-accumulates of one inference, computed from the converted model's own tensors."""
    import numpy as np
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    macs = 0
    for op in it._get_ops_details():
        name = op["op_name"]
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        w = tensors[op["inputs"][1]]["shape"]
        out = int(np.prod(tensors[op["outputs"][0]]["shape"]))
        if name == "CONV_2D":          # weights [out_c, kh, kw, in_c]
            macs += out * int(w[1] * w[2] * w[3])
        elif name == "DEPTHWISE_CONV_2D":  # weights [1, kh, kw, out_c]
            macs += out * int(w[1] * w[2])
        else:                          # weights [out, in]
            macs += out * int(w[1])
    return macs


def quant_params(detail):
    scale, zp = detail["quantization"]
    return float(scale), int(zp)


def run_int8(it, x):
    """Runs the int8 interpreter on float inputs x (N, ...) one by one; returns float outputs (N, ...).

    Inputs are quantized like TFLite's QUANTIZE op and LedgeML: x / scale in float32, rounded half away from zero
    (numpy's round is half to even, which differs on ties, and min-max-normalised sensor grids hit ties often)."""
    import numpy as np
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    s_in, z_in = quant_params(inp)
    s_out, z_out = quant_params(out)
    res = []
    for i in range(len(x)):
        v = x[i:i + 1].astype(np.float32) / np.float32(s_in)  # float32, as LedgeML and TFLite's QUANTIZE do
        q = np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5) + z_in, -128, 127).astype(np.int8)  # half away from 0
        it.set_tensor(inp["index"], q)
        it.invoke()
        y = it.get_tensor(out["index"]).astype(np.float32)
        res.append((y - z_out) * s_out)
    return np.concatenate(res, axis=0)


def normalize_f32(raw, mean, std):
    """(raw − mean) / std in float32 arithmetic, exactly as the node's model_features and `ledge model eval` do
    (float64 would put some grid-aligned sensor values on the other side of an int8 rounding tie)."""
    import numpy as np
    f = np.float32
    return (np.asarray(raw).astype(f) - np.asarray(mean, dtype=np.float64).astype(f)) / np.asarray(std, dtype=np.float64).astype(f)


def tensor_spec(detail, name):
    scale, zp = quant_params(detail)
    return {"name": name, "shape": [int(v) for v in detail["shape"]], "dtype": "int8",
            "scale": scale, "zero_point": zp}


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def histogram(values, bins=20):
    """Edges and counts of `values` (raw units) for the drift watch."""
    import numpy as np
    counts, edges = np.histogram(values, bins=bins)
    return [float(e) for e in edges], [int(c) for c in counts]


def feature_stats(names, raw):
    """Per input column of `raw` (rows, len(names)), in raw units: mean, std, min, max and a histogram, as the
    manifest's `feature_stats` (what the node's drift watch compares live inputs with)."""
    out = []
    for j, name in enumerate(names):
        col = raw[:, j]
        edges, counts = histogram(col)
        out.append({"name": name, "mean": float(col.mean()), "std": float(col.std()), "min": float(col.min()),
                    "max": float(col.max()), "bins": edges, "counts": counts})
    return out


def write_outputs(a, tfl, metrics, params, macs, seconds):
    """Writes `--report` (when asked) and the model file into `--out`."""
    import os
    if a.report:
        write_json(a.report, {"args": {k: v for k, v in vars(a).items() if k not in ("data", "out", "report")},
                              "metrics": metrics, "params": params, "macs": macs, "bytes": len(tfl), "seconds": seconds})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "model.tflite"), "wb") as f:
        f.write(tfl)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def rounded(x, digits=4):
    return float(round(float(x), digits))


def training_command(prog, parser, args, skip):
    """The command that reproduces a run: `prog` plus every option whose value differs from its default
    (options in `skip`, such as paths, left out)."""
    return prog + "".join(f" --{k.replace('_', '-')} {v}" for k, v in sorted(vars(args).items())
                          if k not in skip and v != parser.get_default(k))
