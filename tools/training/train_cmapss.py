# Trains the C-MAPSS FD001 remaining-useful-life model (a cross-fitted ensemble of deep 1-D CNNs averaged
# inside one graph), converts it to full-integer int8 TFLite and writes models/cmapss-rul.
#
# Recipe: the 100 training engines are split by engine unit into K folds; ensemble member k trains on the
# other K−1 folds and is early-stopped on fold k (engines it never sees), on a test-like measure (full windows,
# engines weighted equally). By default only full 30-cycle windows are trained on (--pad-weight 0): every test
# engine's last window is full; shorter histories are edge-padded (first cycle repeated) at inference.
# The test set (test_FD001.txt + RUL_FD001.txt) is only evaluated, never used to choose anything.
import argparse
import os
import time

import numpy as np

from . import cmapss as C
from .common import (TrainingError, check_ops, convert_int8, count_macs, histogram, interpreter, log, normalize_f32, rounded,
                     run_int8, setup_tf, sha256_hex, tensor_spec, write_json, training_command)


def build_parser():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = argparse.ArgumentParser(prog="tools/train-cmapss",
                                description="Trains the C-MAPSS FD001 RUL model and writes models/cmapss-rul.")
    p.add_argument("--data", default=os.path.join(os.environ.get("LEDGE_DATA_DIR", os.path.join(root, "..", "shared", "data")), "cmapss"))
    p.add_argument("--out", default=os.path.join(root, "models", "cmapss-rul"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--members", type=int, default=5, help="ensemble members; member k is held out on fold k")
    p.add_argument("--folds", type=int, default=0, help="folds of the training engines (default: max(members, 5))")
    p.add_argument("--pad-weight", type=float, default=0.0,
                   help="loss weight of edge-padded (shorter than the window) training windows; 0 = full windows only")
    p.add_argument("--select", choices=["all", "cuts"], default="cuts",
                   help="early-stopping measure: all windows of the held-out engines, or their full windows with "
                        "each engine weighted equally (the expectation of scoring one random test-like cut per engine)")
    p.add_argument("--schedule", choices=["cosine", "step"], default="step",
                   help="cosine from lr to lr/50 over --epochs, or lr until --step-at then lr/10")
    p.add_argument("--step-at", type=int, default=60)
    p.add_argument("--screen", action="store_true",
                   help="validation only: no test set, no conversion, nothing written (for comparing recipes)")
    p.add_argument("--epochs", type=int, default=100, help="maximum epochs")
    p.add_argument("--patience", type=int, default=30, help="stop when no member improved for this many epochs")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--conv-layers", type=int, default=4, help="conv layers of `filters` before the 1-filter layer")
    p.add_argument("--filters", type=int, default=10)
    p.add_argument("--kernel", type=int, default=10)
    p.add_argument("--fc", type=int, default=100)
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--noise", type=float, default=0.0, help="Gaussian input noise while training (normalised units)")
    p.add_argument("--norm", choices=["minmax", "zscore"], default="minmax")
    p.add_argument("--version", default="2.1.0")
    p.add_argument("--report", help="also write the metrics as JSON here (for comparing runs)")
    return p


def parse_args():
    return build_parser().parse_args()


def branch(L, x, k, a):
    """One member: DCNN (Li et al. 2018 style) — conv layers, a 1-filter conv, flatten, dropout, FC, linear out."""
    if a.noise > 0:
        x = L.GaussianNoise(a.noise, name=f"m{k}_noise")(x)  # training only; identity in the exported graph
    for i in range(a.conv_layers):
        x = L.Conv1D(a.filters, a.kernel, padding="same", activation="tanh", name=f"m{k}_conv{i}")(x)
    x = L.Conv1D(1, 3, padding="same", activation="tanh", name=f"m{k}_conv_last")(x)
    x = L.Flatten(name=f"m{k}_flat")(x)
    x = L.Dropout(a.dropout, name=f"m{k}_drop")(x)
    x = L.Dense(a.fc, activation="tanh", name=f"m{k}_fc")(x)
    return L.Dense(1, name=f"m{k}_out")(x)


def build_train_model(tf, a, nfeat):
    """All members side by side: output (N, K), one column per member."""
    L = tf.keras.layers
    inp = tf.keras.Input(shape=(C.WINDOW, nfeat), name="window")
    outs = [branch(L, inp, k, a) for k in range(a.members)]
    out = L.Concatenate(name="members")(outs) if a.members > 1 else outs[0]
    return tf.keras.Model(inp, out)


def build_export_model(tf, a, nfeat):
    """Batch-1 graph for conversion: the members' outputs averaged (ADD + MUL in TFLite)."""
    L = tf.keras.layers
    inp = tf.keras.Input(batch_shape=(1, C.WINDOW, nfeat), name="window")
    outs = [branch(L, inp, k, a) for k in range(a.members)]
    out = L.Average(name="rul")(outs) if a.members > 1 else outs[0]
    return tf.keras.Model(inp, out)


def member_layers(model, k):
    return [l for l in model.layers if l.name.startswith(f"m{k}_") and l.weights]


def make_windows(units, ids, lo, span):
    """Every window of each engine (ending at each of its cycles), edge-padded; targets RUL/CAP; engine ids."""
    xs, ys, us, ps = [], [], [], []
    for u in ids:
        rows = units[u]
        x = (rows[:, C.FEATURE_COLS] - lo) / span
        x = np.concatenate([np.repeat(x[:1], C.WINDOW - 1, axis=0), x], axis=0)
        n = len(rows)
        idx = np.arange(C.WINDOW)[None, :] + np.arange(n)[:, None]
        xs.append(x[idx])
        ys.append(C.train_targets(rows))
        us.append(np.full(n, u))
        ps.append(np.arange(n))
    return (np.concatenate(xs).astype(np.float32), (np.concatenate(ys) / C.CAP).astype(np.float32),
            np.concatenate(us), np.concatenate(ps))


def weighted_mse(tf, K):
    def loss(y_true, y_pred):  # y_true = [targets (K) | weights (K)]; weight 0 = held out from that member
        t, m = y_true[:, :K], y_true[:, K:]
        return tf.reduce_sum(m * tf.square(y_pred - t)) / tf.maximum(tf.reduce_sum(m), 1.0)
    return loss


def val_scores(p, y, sel, vw):
    """(RMSE over all windows, test-like RMSE, test-like PHM08 per 100 engines) of predictions p (cycles) on sel."""
    t = y[sel] * C.CAP
    d = p - t
    w = vw[sel]
    cut_rmse = float(np.sqrt(np.sum(w * d * d) / np.sum(w)))
    phm = np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)
    return C.rmse(p, t), cut_rmse, float(100.0 * np.sum(w * phm) / np.sum(w))


def main():
    a = parse_args()
    t0 = time.time()
    tf = setup_tf(a.seed)
    train = C.load_table(os.path.join(a.data, "train_FD001.txt"))
    test = C.load_table(os.path.join(a.data, "test_FD001.txt"))
    rul = C.load_rul(os.path.join(a.data, "RUL_FD001.txt"))
    units = C.split_units(train)
    tunits = C.split_units(test)
    if len(rul) != len(tunits):
        raise TrainingError(f"RUL_FD001.txt has {len(rul)} values for {len(tunits)} test engines")
    ids = sorted(units)
    K = a.members
    if K < 1:
        raise TrainingError("--members must be ≥ 1")
    nfold = a.folds or max(K, 5)
    if nfold < K:
        raise TrainingError(f"--folds {nfold} is fewer than --members {K}")

    # Folds by engine unit, never by row; member k is early-stopped on fold k and trains on all other engines.
    perm = np.random.default_rng(a.seed).permutation(ids)
    folds = [sorted(int(u) for u in perm[f::nfold]) for f in range(nfold)][:K]

    # Normalisation fitted on the training engines only (train_FD001.txt); min-max to [−1, 1] is written as the
    # equivalent affine (x − centre) / half-range, which the node applies as its "zscore" kind.
    raw = np.concatenate([units[u][:, C.FEATURE_COLS] for u in ids])
    if a.norm == "minmax":
        lo_, hi_ = raw.min(axis=0), raw.max(axis=0)
        centre, span = (hi_ + lo_) / 2, (hi_ - lo_) / 2
    else:
        centre, span = raw.mean(axis=0), raw.std(axis=0)
    if np.any(span <= 0):
        raise TrainingError("a selected sensor is constant in train_FD001.txt")

    x, y, u, pos = make_windows(units, ids, centre, span)
    fold_of = {e: f for f, fs in enumerate(folds) for e in fs}
    member_of = np.array([fold_of.get(int(e), -1) for e in u])
    full = pos >= C.WINDOW - 1  # the window ends at cycle ≥ 30: no padding (every test engine's last window is)
    yk = np.repeat(y[:, None], K, axis=1)
    wk = np.repeat(np.where(full, 1.0, a.pad_weight)[:, None], K, axis=1)
    wk[member_of[:, None] == np.arange(K)[None, :]] = 0.0  # member k never trains on fold k
    keep = wk.sum(axis=1) > 0
    xtr, ytr = x[keep], np.concatenate([yk, wk], axis=1)[keep].astype(np.float32)
    # Test-like validation weights: full windows only, each engine's windows summing to 1.
    cnt = {int(e): int(np.sum(full & (u == e))) for e in ids}
    vw = np.where(full, 1.0 / np.array([max(cnt[int(e)], 1) for e in u]), 0.0)
    log(f"{len(ids)} engines, {len(x)} windows; {K} member(s), folds of {[len(f) for f in folds]} engines")

    model = build_train_model(tf, a, len(C.FEATURES))
    model.compile(optimizer=tf.keras.optimizers.Adam(a.lr), loss=weighted_mse(tf, K))
    best = [np.inf] * K
    best_epoch = [0] * K
    best_w = [None] * K
    best_scores = [None] * K
    history = []
    si = 0 if a.select == "all" else 1

    class Track(tf.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            p = self.model.predict(x, verbose=0, batch_size=4096).reshape(len(x), K)
            cur = []
            for k in range(K):
                sel = member_of == k
                sc = val_scores(p[sel, k] * C.CAP, y, sel, vw)
                r = sc[si]
                cur.append(r)
                if r < best[k]:
                    best[k], best_epoch[k], best_scores[k] = r, epoch + 1, sc
                    best_w[k] = [l.get_weights() for l in member_layers(self.model, k)]
            history.append(cur)
            if (epoch + 1) % 10 == 0:
                log(f"  epoch {epoch + 1}: held-out RMSE per member {[round(v, 2) for v in cur]} "
                    f"best {[round(v, 2) for v in best]}  [{time.time() - t0:.0f}s]")
            if epoch + 1 - max(best_epoch) >= a.patience:
                self.model.stop_training = True

    def schedule(epoch, lr):  # cosine from lr to lr/50 over the maximum epochs, or a step to lr/10
        if a.schedule == "step":
            return float(a.lr if epoch < a.step_at else a.lr / 10)
        return float(a.lr * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * epoch / a.epochs))))

    model.fit(xtr, ytr, batch_size=a.batch, epochs=a.epochs, shuffle=True, verbose=0,
              callbacks=[Track(), tf.keras.callbacks.LearningRateScheduler(schedule)])
    for k in range(K):
        for l, w in zip(member_layers(model, k), best_w[k]):
            l.set_weights(w)
    epochs_run = len(history)
    log(f"trained {epochs_run} epochs; held-out {a.select} RMSE per member {[round(v, 2) for v in best]} at epochs "
        f"{best_epoch}  [{time.time() - t0:.0f}s]")
    # Out-of-fold scores of the restored members: every window, and test-like (full windows, engines equal).
    p_all = model.predict(x, verbose=0, batch_size=4096).reshape(len(x), K)
    vsel = member_of >= 0
    oof = p_all[np.arange(len(x)), np.maximum(member_of, 0)] * C.CAP
    val_all, val_cut, val_phm = val_scores(oof[vsel], y, vsel, vw)
    log(f"validation (out-of-fold, {int(vsel.sum())} windows of {sum(len(f) for f in folds)} engines): RMSE all windows "
        f"{val_all:.3f}; test-like (full windows, engines equal) RMSE {val_cut:.3f} PHM08/100 engines {val_phm:.1f}")
    if a.screen:
        if a.report:
            write_json(a.report, {"args": {k: v for k, v in vars(a).items() if k not in ("data", "out", "report")},
                                  "validation": {"rmse_all": val_all, "rmse_cuts": val_cut, "phm08_cuts": val_phm,
                                                 "per_member": best_scores, "best_epoch": best_epoch},
                                  "seconds": round(time.time() - t0, 1)})
        return None

    export = build_export_model(tf, a, len(C.FEATURES))
    for l in export.layers:
        if l.weights:
            l.set_weights(model.get_layer(l.name).get_weights())


    # Test set: each engine's last window (edge-padded when shorter than the window), true RUL capped.
    tx = np.stack([C.last_window(normalize_f32(tunits[e][:, C.FEATURE_COLS], centre, span)) for e in sorted(tunits)])
    ty = np.minimum(rul, C.CAP)
    pf = export.predict(tx, verbose=0, batch_size=1)[:, 0] * C.CAP
    f_rmse, f_phm = C.rmse(pf, ty), C.phm08(pf, ty)

    rep_idx = np.sort(np.random.default_rng(a.seed).choice(len(x), size=min(2000, len(x)), replace=False))
    tfl = convert_int8(tf, export, x[rep_idx])
    it = interpreter(tfl)
    ops = check_ops(it, "cmapss-rul")
    macs = count_macs(it)
    pq = run_int8(it, tx)[:, 0] * C.CAP
    q_rmse, q_phm = C.rmse(pq, ty), C.phm08(pq, ty)
    params = int(export.count_params())
    seconds = round(time.time() - t0, 1)
    log(f"test_FD001 last cycle: float RMSE {f_rmse:.3f} PHM08 {f_phm:.1f} | int8 RMSE {q_rmse:.3f} PHM08 {q_phm:.1f}")
    log(f"params {params}, MACs {macs}, tflite {len(tfl)} bytes, ops {ops}  [{seconds:.0f}s]")
    if params > 100_000 or macs > 3_000_000:
        raise TrainingError(f"model too big: {params} params (limit 100k), {macs} MACs (limit 3M)")

    cmd = training_command("tools/train-cmapss", build_parser(), a, ("data", "out", "report", "screen"))
    metrics = {"float": {"rmse": rounded(f_rmse), "phm08": rounded(f_phm, 2)},
               "int8": {"rmse": rounded(q_rmse), "phm08": rounded(q_phm, 2)},
               "validation": {"rmse_out_of_fold_all_windows": rounded(val_all),
                              "rmse_out_of_fold_test_like": rounded(val_cut),
                              "phm08_out_of_fold_test_like_per_100_engines": rounded(val_phm, 2),
                              "test_like": "full 30-cycle windows of the held-out engines, each engine weighted "
                                           "equally (expected score of one random cut per engine, as the test set is built)",
                              "selected_by": a.select,
                              "rmse_per_member": [rounded(v) for v in best], "best_epoch_per_member": best_epoch,
                              "folds": folds},
               "evaluated_on": "test_FD001.txt last cycle of each of 100 engines (edge-padded to 30 cycles), "
                               "RUL_FD001.txt capped at 125; int8 with LiteRT reference kernels"}
    if a.report:
        write_json(a.report, {"args": {k: v for k, v in vars(a).items() if k not in ("data", "out", "report")},
                              "metrics": metrics, "params": params, "macs": macs, "bytes": len(tfl), "seconds": seconds})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "model.tflite"), "wb") as f:
        f.write(tfl)
    feature_stats = []
    for j, name in enumerate(C.FEATURES):
        edges, counts = histogram(raw[:, j])
        feature_stats.append({"name": name, "mean": float(raw[:, j].mean()), "std": float(raw[:, j].std()),
                              "min": float(raw[:, j].min()), "max": float(raw[:, j].max()),
                              "bins": edges, "counts": counts})
    manifest = {
        "name": "cmapss-rul", "version": a.version, "kind": "model", "task": "regression",
        "description": "Remaining useful life (cycles, capped at 125) of a C-MAPSS FD001 turbofan engine "
                       "from its last 30 cycles of 14 sensors",
        "file": "model.tflite", "sha256": sha256_hex(tfl), "bytes": len(tfl),
        "inputs": [tensor_spec(it.get_input_details()[0], "window")],
        "outputs": [tensor_spec(it.get_output_details()[0], "rul")],
        "window": C.WINDOW, "padding": "edge",
        "padding_rule": "a history shorter than the window is padded at the front by repeating its first cycle",
        "features": C.FEATURES,
        "input_layout": "window[t][f]: t = 0 oldest … window−1 newest cycle, f in `features` order",
        "normalization": {"kind": "zscore", "fitted_as": a.norm,
                          "formula": "(x − mean) / std per feature" + (
                              "; here mean = (min+max)/2 and std = (max−min)/2 of train_FD001.txt, i.e. min-max "
                              "scaling to [−1, 1]" if a.norm == "minmax" else " of train_FD001.txt"),
                          "mean": [float(v) for v in centre], "std": [float(v) for v in span]},
        "output_transform": {"scale": C.CAP, "offset": 0.0, "formula": "rul = output × scale + offset"},
        "target_cap": int(C.CAP),
        "feature_stats": feature_stats,
        "metrics": metrics,
        "params": params, "macs": macs, "ops": ops,
        "architecture": f"{K} × DCNN averaged in-graph: {a.conv_layers} × Conv1D({a.filters}, k={a.kernel}, same, "
                        f"tanh), Conv1D(1, k=3, tanh), flatten, dropout {a.dropout}, FC {a.fc} tanh, linear",
        "training": {"command": cmd, "seed": a.seed, "data": "train_FD001.txt", "members": K,
                     "max_epochs": a.epochs, "epochs_run": epochs_run, "patience": a.patience, "batch": a.batch,
                     "optimizer": f"Adam lr {a.lr}, " + ("cosine to lr/50" if a.schedule == "cosine" else
                                                          f"lr/10 from epoch {a.step_at}"),
                     "pad_weight": a.pad_weight, "loss": "MSE on RUL/125",
                     "split": "by engine unit: member k early-stopped on fold k, trained on the others",
                     "representative_dataset": f"{len(rep_idx)} training windows (seeded)",
                     "seconds": seconds},
    }
    write_json(os.path.join(a.out, "manifest.json"), manifest)
    from ml.make_goldens import make as make_goldens  # tools/ml: golden vectors for `ledge model verify`
    make_goldens(os.path.join(a.out, "model.tflite"), 16)
    log(f"wrote {a.out}/model.tflite and manifest.json  [{time.time() - t0:.0f}s]")
    return manifest


if __name__ == "__main__":
    try:
        main()
    except TrainingError as e:
        log(f"error: {e}")
        raise SystemExit(1)
