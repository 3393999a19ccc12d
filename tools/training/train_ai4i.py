# Trains the AI4I 2020 machine-failure classifier and writes models/ai4i-failure: gradient-boosted decision trees
# (scikit-learn) on the process features, product type and three derived physical features, compiled exactly
# into a small int8 TFLite network (steps → leaves → sum → sigmoid) that LedgeML runs.
#
# Inputs: the five process features and the product type one-hot, never TWF/HDF/PWF/OSF/RNF. Derived inside the
# graph: temperature difference (process − air), power (torque × speed in rad/s), strain (tool wear × torque).
# Split: stratified 80/20 with a fixed seed; the held-out UDIs are written to the model folder. The decision
# threshold maximises F1 on 5-fold out-of-fold probabilities of the training side. The held-out 20 % is only
# evaluated.
#
# Compilation: every distinct split (feature f, threshold t) becomes a unit relu6(K·(x_f − t)) / 6 ∈ [0, 1], a
# step one input quantum wide; every leaf becomes relu(Σ path conditions − (depth − 1)) ∈ {0, 1}; the logit is
# Σ leaf value · leaf + prior. The weights of the first two layers all have one magnitude, so int8 holds them
# exactly.
import argparse
import os
import time

import numpy as np

from . import ai4i as A
from .common import (TrainingError, check_ops, convert_int8, count_macs, feature_stats, interpreter, log, normalize_f32, rounded,
                     run_int8, setup_tf, sha256_hex, tensor_spec, write_json, write_outputs, training_command)


def build_parser():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = argparse.ArgumentParser(prog="tools/train-ai4i",
                                description="Trains the AI4I 2020 machine-failure classifier and writes models/ai4i-failure.")
    p.add_argument("--data", default=os.path.join(os.environ.get("LEDGE_DATA_DIR", os.path.join(root, "..", "shared", "data")),
                                                  "ai4i2020", "ai4i2020.csv"))
    p.add_argument("--out", default=os.path.join(root, "models", "ai4i-failure"))
    p.add_argument("--seed", type=int, default=42, help="seed of the split, the folds and the trees")
    p.add_argument("--trees", type=int, default=100)
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--learning-rate", type=float, default=0.1)
    p.add_argument("--pos-weight", type=float, default=1.0,
                   help="sample weight of a failure row (class imbalance; the F1-optimal threshold also handles it)")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--report")
    return p


def parse_args():
    return build_parser().parse_args()


AIR, PROC, SPEED, TORQUE, WEAR = 0, 1, 2, 3, 4
DERIVED = ["temperature_difference_k", "power_w", "strain_min_nm"]


def derive(raw):
    """The three derived features from raw inputs (N, 8): process − air, torque × speed × 2π/60, wear × torque."""
    return np.stack([raw[:, PROC] - raw[:, AIR], raw[:, TORQUE] * raw[:, SPEED] * (2 * np.pi / 60),
                     raw[:, WEAR] * raw[:, TORQUE]], axis=1)


def build_graph(tf, c_in, h_in, c_der, h_der, splits, leaves, leaf_values, prior, width):
    """Keras graph (batch 1): normalised inputs → derived features → steps → leaves → logit → sigmoid."""
    L = tf.keras.layers
    c_in, h_in, c_der, h_der = (np.asarray(v, np.float32) for v in (c_in, h_in, c_der, h_der))

    class Features(L.Layer):
        """Appends the derived physical features scaled to [−1, 1], expanded in the normalised inputs so every
        intermediate tensor stays near zero (int8 ranges include 0: an offset like 300 K would eat the resolution):
        (h_i z_i + c_i)(h_j z_j + c_j) = h_i h_j z_i z_j + h_i c_j z_i + c_i h_j z_j + c_i c_j.
        In TFLite: STRIDED_SLICE, MUL, ADD, CONCATENATION."""

        def call(self, z):
            col = [z[:, i:i + 1] for i in range(5)]
            h, c = [float(v) for v in h_in[:5]], [float(v) for v in c_in[:5]]
            dc, dh = [float(v) for v in c_der], [float(v) for v in h_der]
            # process − air
            dt = col[PROC] * (h[PROC] / dh[0]) - col[AIR] * (h[AIR] / dh[0]) + (c[PROC] - c[AIR] - dc[0]) / dh[0]

            def product(i, j, k, n):
                a = k / dh[n]
                return (col[i] * col[j] * (a * h[i] * h[j]) + col[i] * (a * h[i] * c[j]) + col[j] * (a * c[i] * h[j])
                        + (a * c[i] * c[j] - dc[n] / dh[n]))
            power = product(TORQUE, SPEED, 2 * np.pi / 60, 1)
            strain = product(WEAR, TORQUE, 1.0, 2)
            return tf.concat([z, dt, power, strain], axis=1)

    nf = len(c_in) + len(c_der)
    k = 6.0 / width
    w1 = np.zeros((nf, len(splits)), np.float32)
    b1 = np.zeros(len(splits), np.float32)
    for s, (f, t) in enumerate(splits):
        w1[f, s] = k
        b1[s] = -k * t
    w2 = np.zeros((len(splits), len(leaves)), np.float32)
    b2 = np.zeros(len(leaves), np.float32)
    for l, path in enumerate(leaves):  # path: [(split index, went right?)]
        for s, right in path:
            w2[s, l] = (1 / 6) if right else -(1 / 6)
        b2[l] = sum(1 for _, r in path if not r) - (len(path) - 1)
    inp = tf.keras.Input(batch_shape=(1, len(c_in)), name="features")
    x = Features(name="derived")(inp)
    x = L.Dense(len(splits), activation="relu6", name="steps")(x)
    x = L.Dense(len(leaves), activation="relu", name="leaves")(x)
    x = L.Dense(1, name="logit")(x)
    out = L.Activation("sigmoid", name="failure")(x)
    m = tf.keras.Model(inp, out)
    m.get_layer("steps").set_weights([w1, b1])
    m.get_layer("leaves").set_weights([w2, b2])
    m.get_layer("logit").set_weights([np.asarray(leaf_values, np.float32)[:, None], np.asarray([prior], np.float32)])
    return m


def compile_trees(gb, c_all, h_all):
    """Distinct splits (feature, threshold in normalised units), leaf paths and leaf values (× learning rate)."""
    split_index = {}
    splits, leaves, values = [], [], []
    for est in gb.estimators_[:, 0]:
        t = est.tree_

        def walk(node, path):
            if t.children_left[node] == -1:
                leaves.append(list(path))
                values.append(gb.learning_rate * float(t.value[node][0][0]))
                return
            f = int(t.feature[node])
            thr = float((t.threshold[node] - c_all[f]) / h_all[f])
            key = (f, thr)
            if key not in split_index:
                split_index[key] = len(splits)
                splits.append(key)
            s = split_index[key]
            walk(t.children_left[node], path + [(s, False)])   # x ≤ threshold
            walk(t.children_right[node], path + [(s, True)])
        walk(0, [])
    return splits, leaves, values


def main():
    a = parse_args()
    t0 = time.time()
    tf = setup_tf(a.seed)
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    udi, raw, y = A.load(a.data)
    tr, te = A.split(y, a.seed)
    log(f"{len(y)} rows, {int(y.sum())} failures; train {len(tr)} ({int(y[tr].sum())} failures), "
        f"held out {len(te)} ({int(y[te].sum())} failures)")
    F = np.concatenate([raw, derive(raw)], axis=1)

    def model():
        return GradientBoostingClassifier(n_estimators=a.trees, max_depth=a.depth, learning_rate=a.learning_rate,
                                          random_state=a.seed)
    sw = np.where(y[tr] == 1, a.pos_weight, 1.0)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=a.seed)
    oof = np.zeros(len(tr))
    for fi, vi in cv.split(tr, y[tr]):
        m = model().fit(F[tr][fi], y[tr][fi], sample_weight=sw[fi])
        oof[vi] = m.predict_proba(F[tr][vi])[:, 1]
    thr, oof_f1 = A.best_threshold(oof, y[tr])
    oof_m = A.metrics(oof, y[tr], thr)
    log(f"out-of-fold (training side, 5 folds): threshold {thr:.4f}, F1 {oof_f1:.4f}, PR-AUC {oof_m['pr_auc']:.4f}")
    gb = model().fit(F[tr], y[tr], sample_weight=sw)
    pf = gb.predict_proba(F[te])[:, 1]
    fm = A.metrics(pf, y[te], thr)

    # Min-max normalisation to [−1, 1] fitted on the training side (one-hot stays 0/1), written as the
    # equivalent (x − centre) / half-range; the derived features are scaled the same way inside the graph.
    lo, hi = F[tr].min(axis=0), F[tr].max(axis=0)
    centre, half = (hi + lo) / 2, (hi - lo) / 2
    centre[5:8], half[5:8] = 0.0, 1.0
    if np.any(half <= 0):
        raise TrainingError("a feature is constant on the training side")
    splits, leaves, values = compile_trees(gb, centre, half)
    prior = float(np.mean(gb.decision_function(F[tr][:50]) -
                          sum(a.learning_rate * e.predict(F[tr][:50]) for e in gb.estimators_[:, 0])))
    width = 1.0 / 255  # half of one int8 step of a [−1, 1] tensor
    graph = build_graph(tf, centre[:8], half[:8], centre[8:], half[8:], splits, leaves, values, prior, width)
    Z = normalize_f32(raw, centre[:8], half[:8])
    pg = graph.predict(Z[te], verbose=0, batch_size=1)[:, 0]
    log(f"compiled graph: {len(splits)} splits, {len(leaves)} leaves; max |graph − trees| on held-out "
        f"{np.max(np.abs(pg - pf)):.4f}")

    rng = np.random.default_rng(a.seed)
    rep = np.sort(np.concatenate([rng.choice(tr, size=min(2000, len(tr)), replace=False), tr[y[tr] == 1]]))
    tfl = convert_int8(tf, graph, Z[rep])
    it = interpreter(tfl)
    ops = check_ops(it, "ai4i-failure")
    macs = count_macs(it)
    pq = run_int8(it, Z[te])[:, 0]
    qm = A.metrics(pq, y[te], thr)
    params = int(graph.count_params())
    seconds = round(time.time() - t0, 1)
    fmt = lambda m: f"P {m['precision']:.4f} R {m['recall']:.4f} F1 {m['f1']:.4f} PR-AUC {m['pr_auc']:.4f}"
    log(f"held-out float (trees): {fmt(fm)}")
    log(f"held-out int8:          {fmt(qm)}  (tp {qm['tp']} fp {qm['fp']} fn {qm['fn']})")
    log(f"params {params} (dense; {len(splits) + 2 * sum(len(p) for p in leaves) + len(leaves)} non-zero), MACs {macs}, "
        f"tflite {len(tfl)} bytes, ops {ops}  [{seconds:.0f}s]")

    def r(m):
        return {k: (rounded(v) if isinstance(v, float) else v) for k, v in m.items()}
    metrics = {"float": r(fm), "int8": r(qm),
               "validation": {"threshold_from": "5-fold out-of-fold probabilities of the training side (F1-optimal)",
                              "out_of_fold": r(oof_m)},
               "evaluated_on": f"held-out split: {len(te)} rows ({int(y[te].sum())} failures); float = the trees "
                               "(scikit-learn), int8 = the compiled TFLite model with LiteRT reference kernels; a row "
                               "is a failure when the probability ≥ threshold"}
    write_outputs(a, tfl, metrics, params, macs, seconds)
    held = "".join(f"{int(v)}\n" for v in udi[te])
    with open(os.path.join(a.out, "heldout-udi.txt"), "w") as f:
        f.write(held)
    stats = feature_stats(A.FEATURES, raw[tr])
    cmd = training_command("tools/train-ai4i", build_parser(), a, ("data", "out", "report"))
    manifest = {
        "name": "ai4i-failure", "version": a.version, "kind": "model", "task": "binary-classification",
        "description": "Probability that a milling machine fails (AI4I 2020 'Machine failure') from its process "
                       "readings and product type",
        "file": "model.tflite", "sha256": sha256_hex(tfl), "bytes": len(tfl),
        "inputs": [tensor_spec(it.get_input_details()[0], "features")],
        "outputs": [tensor_spec(it.get_output_details()[0], "failure_probability")],
        "features": A.FEATURES,
        "source_columns": A.PROCESS + ["Type"],
        "preprocessing": {
            "inputs": "x[0..4] = (column − mean) / std for the five process columns in `source_columns` order "
                      "(min-max to [−1, 1] of the training side, written as centre and half-range); x[5..7] = one-hot "
                      "of Type (L, M, H), 1 or 0 (mean 0, std 1: unchanged)",
            "derived_in_model": "the graph computes " + ", ".join(DERIVED) + " from the de-normalised inputs "
                                "(process − air; torque × speed × 2π/60; tool wear × torque); nothing to compute "
                                "outside the model",
            "derived_scaling": {"names": DERIVED, "centre": [float(v) for v in centre[8:]],
                                "half_range": [float(v) for v in half[8:]]},
            "never_used": A.LEAKS,
        },
        "normalization": {"kind": "zscore", "fitted_as": "minmax",
                          "mean": [float(v) for v in centre[:8]], "std": [float(v) for v in half[:8]]},
        "decision": {"threshold": float(thr), "rule": "failure when the output probability ≥ threshold"},
        "output_transform": {"scale": 1.0, "offset": 0.0},
        "split": {"seed": a.seed, "test_fraction": 0.2, "stratify": A.LABEL,
                  "method": "sklearn.model_selection.train_test_split(row indices in file order, test_size=0.2, "
                            "stratify=Machine failure, random_state=seed)",
                  "heldout_file": "heldout-udi.txt", "heldout_sha256": sha256_hex(held.encode()),
                  "heldout_rows": int(len(te)), "heldout_failures": int(y[te].sum()),
                  "train_rows": int(len(tr)), "train_failures": int(y[tr].sum())},
        "feature_stats": stats,
        "metrics": metrics,
        "params": params, "macs": macs, "ops": ops,
        "architecture": f"gradient-boosted trees ({a.trees} trees, depth {a.depth}, learning rate {a.learning_rate}) "
                        f"compiled into a network: derived features, {len(splits)} step units (relu6), "
                        f"{len(leaves)} leaf units (relu), a sum (logit), sigmoid",
        "training": {"command": cmd, "seed": a.seed, "data": "ai4i2020/ai4i2020.csv",
                     "imbalance": f"failure rows weighted {a.pos_weight}×; F1-optimal threshold on out-of-fold "
                                  "probabilities",
                     "seconds": seconds},
    }
    write_json(os.path.join(a.out, "manifest.json"), manifest)
    from ml.make_goldens import make as make_goldens  # tools/ml: golden vectors for `ledge model verify`
    make_goldens(os.path.join(a.out, "model.tflite"), 16)
    log(f"wrote {a.out}/model.tflite, heldout-udi.txt and manifest.json  [{time.time() - t0:.0f}s]")


if __name__ == "__main__":
    try:
        main()
    except TrainingError as e:
        log(f"error: {e}")
        raise SystemExit(1)
