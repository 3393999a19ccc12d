# Trains the C-MAPSS FD001 remaining-useful-life model (window features + a cross-fitted ensemble of small MLP
# heads averaged inside one graph), converts it to full-integer int8 TFLite and writes models/cmapss-rul.
#
# Model: a fixed (not trained) feature layer turns the 30 × 14 window into 5 numbers per sensor: the mean over the
# last 30, 10 and 5 cycles, the least-squares slope over the 30 cycles (× 30) and the newest value (one
# DEPTHWISE_CONV_2D with a 30-cycle kernel); K heads (FC relu → FC relu → FC) read those 70 features and their
# outputs are averaged.
# Recipe: the 100 training engines are split by engine unit into folds; head k trains on every engine except
# fold k mod F, each engine's full 30-cycle windows weighted equally (every test engine contributes one cut).
# Validation is out-of-fold: each held-out engine is scored by the heads that never saw it, on the test-like
# measure (full windows, engines weighted equally). The test set (test_FD001.txt + RUL_FD001.txt) is only
# evaluated at the end, never used to choose anything.
import argparse
import os
import time

import numpy as np

from . import cmapss as C
from .common import (TrainingError, check_ops, convert_int8, count_macs, feature_stats, interpreter, log, normalize_f32, rounded,
                     run_int8, setup_tf, sha256_hex, tensor_spec, write_json, write_outputs, training_command)


def build_parser():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = argparse.ArgumentParser(prog="tools/train-cmapss",
                                description="Trains the C-MAPSS FD001 RUL model and writes models/cmapss-rul.")
    p.add_argument("--data", default=os.path.join(os.environ.get("LEDGE_DATA_DIR", os.path.join(root, "..", "shared", "data")), "cmapss"))
    p.add_argument("--out", default=os.path.join(root, "models", "cmapss-rul"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--members", type=int, default=20, help="ensemble heads; head k is held out on fold k mod --folds")
    p.add_argument("--folds", type=int, default=5, help="folds of the training engines (split by engine unit)")
    p.add_argument("--hidden", default="48,24", help="hidden layer widths of each head (relu)")
    p.add_argument("--engine-weight", type=int, choices=[0, 1], default=1,
                   help="1: each engine's windows weigh 1 in total (test-like); 0: every window weighs 1")
    p.add_argument("--features", default="m30,m10,m5,slope30,last",
                   help="window features per sensor, among m30 m10 m5 (means), slope30 slope15 (slopes), last")
    p.add_argument("--slope-scale", type=float, default=30.0, help="factor on the per-cycle slope features")
    p.add_argument("--noise", type=float, default=0.0, help="Gaussian noise added to the inputs while training (normalised units)")
    p.add_argument("--feature-dropout", type=float, default=0.0, help="dropout on each head's input features while training")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--step-at", type=int, default=60, help="the learning rate drops to lr/10 from this epoch")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--screen", action="store_true",
                   help="validation only: no test set, no conversion, nothing written (for comparing recipes)")
    p.add_argument("--version", default="3.0.0")
    p.add_argument("--report", help="also write the metrics as JSON here (for comparing runs)")
    return p


def parse_args():
    return build_parser().parse_args()


FEATURE_KINDS = {  # name: what the feature is (its kernel over the window is built by feature_filters)
    "m30": "mean of the last 30 cycles", "m10": "mean of the last 10 cycles", "m5": "mean of the last 5 cycles",
    "slope30": "least-squares slope over the 30 cycles (per cycle, × slope scale)",
    "slope15": "least-squares slope over the last 15 cycles (per cycle, × slope scale)", "last": "newest value"}


def feature_kinds(a):
    kinds = [k.strip() for k in a.features.split(",") if k.strip()]
    bad = [k for k in kinds if k not in FEATURE_KINDS]
    if bad or not kinds or len(set(kinds)) != len(kinds):
        raise TrainingError(f"--features {a.features!r}: expected distinct names among {', '.join(FEATURE_KINDS)}")
    return kinds


def feature_filters(nfeat, kinds, slope_scale):
    """Depthwise kernel (window, nfeat, len(kinds)): for every sensor the linear window features `kinds`."""
    f = np.zeros((C.WINDOW, len(kinds)))
    for c, k in enumerate(kinds):
        if k.startswith("m"):
            n = int(k[1:])
            f[-n:, c] = 1 / n
        elif k.startswith("slope"):
            n = int(k[5:])
            t = np.arange(n) - (n - 1) / 2
            f[-n:, c] = slope_scale * t / np.sum(t * t)
        else:
            f[-1, c] = 1
    return np.repeat(f[:, None, :], nfeat, axis=1).astype(np.float32)


def build_model(tf, a, nfeat, export=False):
    """Fixed window features, then `members` heads: output (N, members) for training. For export (batch 1) the
    heads' last hidden layers are concatenated into one FC that holds every head's output weights / members,
    so the average of the heads is one op (CONCATENATION + FULLY_CONNECTED instead of K FCs, K−1 ADDs, a MUL)."""
    L = tf.keras.layers
    inp = (tf.keras.Input(batch_shape=(1, C.WINDOW, nfeat), name="window") if export
           else tf.keras.Input(shape=(C.WINDOW, nfeat), name="window"))
    x = inp
    if a.noise > 0 and not export:
        x = L.GaussianNoise(a.noise, name="noise")(x)  # training only
    kinds = feature_kinds(a)
    feat = L.DepthwiseConv1D(C.WINDOW, depth_multiplier=len(kinds), padding="valid", use_bias=False,
                             trainable=False, name="features")
    f = L.Flatten(name="flat")(feat(x))
    feat.set_weights([feature_filters(nfeat, kinds, a.slope_scale)])
    outs, last = [], []
    for k in range(a.members):
        h = L.Dropout(a.feature_dropout, name=f"m{k}_fdrop")(f) if a.feature_dropout > 0 and not export else f
        for j, width in enumerate(hidden_widths(a)):
            h = L.Dense(width, activation="relu", name=f"m{k}_fc{j}")(h)
        last.append(h)
        if not export:
            outs.append(L.Dense(1, name=f"m{k}_out")(h))
    if export:
        cat = L.Concatenate(name="heads")(last) if a.members > 1 else last[0]
        return tf.keras.Model(inp, L.Dense(1, name="rul")(cat))
    return tf.keras.Model(inp, L.Concatenate(name="members")(outs) if a.members > 1 else outs[0])


def copy_to_export(model, export, members):
    """Copies the trained weights into the export graph; its "rul" layer averages the heads' output layers."""
    for l in export.layers:
        if l.weights and l.name != "rul":
            l.set_weights(model.get_layer(l.name).get_weights())
    outs = [model.get_layer(f"m{k}_out").get_weights() for k in range(members)]
    kernel = np.concatenate([w for w, _ in outs], axis=0) / members
    bias = np.mean([b for _, b in outs], axis=0)
    export.get_layer("rul").set_weights([kernel.astype(np.float32), bias.astype(np.float32)])


def check_numbers(a):
    """Every numeric option in its range (a NaN learning rate trains garbage without a word otherwise)."""
    import math
    rules = [("seed", a.seed >= 0, "≥ 0"), ("batch", a.batch >= 1, "≥ 1"), ("lr", math.isfinite(a.lr) and a.lr > 0, "> 0"),
             ("slope-scale", math.isfinite(a.slope_scale) and a.slope_scale > 0, "> 0"),
             ("noise", math.isfinite(a.noise) and a.noise >= 0, "≥ 0"),
             ("feature-dropout", 0 <= a.feature_dropout < 1, "in [0, 1)")]
    for name, ok, want in rules:
        if not ok:
            raise TrainingError(f"--{name} {getattr(a, name.replace('-', '_'))}: must be {want}")


def writable_dir(path):
    """Creates the output folder up front, so a bad --out fails before the training, not after it."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise TrainingError(f"--out {path}: cannot create the folder ({e.strerror})") from None
    if not os.path.isdir(path) or not os.access(path, os.W_OK):
        raise TrainingError(f"--out {path}: not a writable folder")


def hidden_widths(a):
    try:
        w = [int(v) for v in a.hidden.split(",") if v.strip()]
    except ValueError:
        raise TrainingError(f"--hidden {a.hidden!r}: expected comma-separated layer widths such as 64,32") from None
    if not w or min(w) < 1:
        raise TrainingError(f"--hidden {a.hidden!r}: widths must be ≥ 1")
    return w


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
    def loss(y_true, y_pred):  # y_true = [targets (K) | weights (K)]; weight 0 = held out from that head
        t, m = y_true[:, :K], y_true[:, K:]
        return tf.reduce_sum(m * tf.square(y_pred - t)) / tf.maximum(tf.reduce_sum(m), 1e-6)
    return loss


def val_scores(p, t, w):
    """(RMSE over all windows, test-like RMSE, test-like PHM08 per 100 engines) of predictions p against t (cycles);
    w = test-like weights (full windows, each engine's summing to 1)."""
    d = p - t
    cut_rmse = float(np.sqrt(np.sum(w * d * d) / np.sum(w)))
    phm = np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)
    return C.rmse(p, t), cut_rmse, float(100.0 * np.sum(w * phm) / np.sum(w))


def out_of_fold(p, fold_of_window, head_fold):
    """Each window's prediction by the mean of the heads that never trained on its engine (NaN where none)."""
    oof = np.full(len(p), np.nan)
    for f in np.unique(head_fold):
        sel = fold_of_window == f
        oof[sel] = p[sel][:, head_fold == f].mean(axis=1)
    return oof


def main():
    a = parse_args()
    t0 = time.time()
    check_numbers(a)
    tf = setup_tf(a.seed)
    train = C.load_table(os.path.join(a.data, "train_FD001.txt"))
    test = C.load_table(os.path.join(a.data, "test_FD001.txt"))
    rul = C.load_rul(os.path.join(a.data, "RUL_FD001.txt"))
    units = C.split_units(train)
    tunits = C.split_units(test)
    if len(rul) != len(tunits):
        raise TrainingError(f"RUL_FD001.txt has {len(rul)} values for {len(tunits)} test engines")
    ids = sorted(units)
    K, nfold = a.members, a.folds
    if K < 1:
        raise TrainingError("--members must be ≥ 1")
    if not 2 <= nfold <= len(ids):
        raise TrainingError(f"--folds {nfold}: expected 2…{len(ids)} (folds of the {len(ids)} training engines)")
    if a.epochs < 1 or not 0 <= a.step_at <= a.epochs:
        raise TrainingError(f"--epochs {a.epochs} / --step-at {a.step_at}: expected epochs ≥ 1 and 0 ≤ step-at ≤ epochs")
    hidden_widths(a)
    feature_kinds(a)
    if not a.screen:
        writable_dir(a.out)

    # Folds by engine unit, never by row; head k never trains on fold k mod F.
    perm = np.random.default_rng(a.seed).permutation(ids)
    folds = [sorted(int(u) for u in perm[f::nfold]) for f in range(nfold)]
    head_fold = np.arange(K) % nfold

    # Normalisation fitted on the training engines only (train_FD001.txt): min-max to [−1, 1], written as the
    # equivalent affine (x − centre) / half-range, which the node applies as its "zscore" kind.
    raw = np.concatenate([units[u][:, C.FEATURE_COLS] for u in ids])
    lo_, hi_ = raw.min(axis=0), raw.max(axis=0)
    centre, span = (hi_ + lo_) / 2, (hi_ - lo_) / 2
    if np.any(span <= 0):
        raise TrainingError("a selected sensor is constant in train_FD001.txt")

    x, y, u, pos = make_windows(units, ids, centre, span)
    fold_of = {e: f for f, fs in enumerate(folds) for e in fs}
    wfold = np.array([fold_of[int(e)] for e in u])
    full = pos >= C.WINDOW - 1  # the window ends at cycle ≥ 30: no padding (every test engine's last window is full)
    # Test-like weights: full windows only, each engine's summing to 1 (one random cut per engine, as test_FD001).
    cnt = {int(e): int(np.sum(full & (u == e))) for e in ids}
    vw = np.where(full, 1.0 / np.array([max(cnt[int(e)], 1) for e in u]), 0.0)
    base = vw / vw[full].mean() if a.engine_weight else full.astype(np.float64)
    wk = np.repeat(base[:, None], K, axis=1)
    wk[wfold[:, None] == head_fold[None, :]] = 0.0
    keep = full
    xtr, ytr = x[keep], np.concatenate([np.repeat(y[:, None], K, axis=1), wk], axis=1)[keep].astype(np.float32)
    log(f"{len(ids)} engines, {int(full.sum())} full windows; {K} head(s) over {nfold} folds of "
        f"{[len(f) for f in folds]} engines")

    model = build_model(tf, a, len(C.FEATURES))
    model.compile(optimizer=tf.keras.optimizers.Adam(a.lr), loss=weighted_mse(tf, K))
    covered = np.isin(wfold, head_fold)
    vsel = covered & full

    def validate():
        p = model.predict(x, verbose=0, batch_size=4096).reshape(len(x), K) * C.CAP
        oof = out_of_fold(p, wfold, head_fold)
        ens = val_scores(oof[vsel], y[vsel] * C.CAP, vw[vsel])
        single = [val_scores(p[(wfold == head_fold[k]) & full, k], y[(wfold == head_fold[k]) & full] * C.CAP,
                             vw[(wfold == head_fold[k]) & full]) for k in range(K)]
        return ens, single, oof

    def by_true_rul(oof):
        """Test-like RMSE and bias (prediction − truth) of the out-of-fold predictions per range of true RUL."""
        t, d, w = y[vsel] * C.CAP, oof[vsel] - y[vsel] * C.CAP, vw[vsel]
        rows = []
        for lo, hi in ((0, 25), (25, 50), (50, 75), (75, 100), (100, 125), (125, 126)):
            b = (t >= lo) & (t < hi)
            rows.append({"true_rul": f"{lo}–{hi - 1}" if hi < 126 else "125 (capped)",
                         "share": rounded(np.sum(w[b]) / np.sum(w), 3),
                         "rmse": rounded(np.sqrt(np.sum(w[b] * d[b] ** 2) / np.sum(w[b])), 2),
                         "bias": rounded(np.sum(w[b] * d[b]) / np.sum(w[b]), 2)})
        return rows

    class Track(tf.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % 10 == 0:
                ens, _, _ = validate()
                log(f"  epoch {epoch + 1}: out-of-fold test-like RMSE {ens[1]:.2f} PHM08/100 {ens[2]:.0f}  "
                    f"[{time.time() - t0:.0f}s]")

    def schedule(epoch, lr):
        return float(a.lr if epoch < a.step_at else a.lr / 10)

    model.fit(xtr, ytr, batch_size=a.batch, epochs=a.epochs, shuffle=True, verbose=0,
              callbacks=[Track(), tf.keras.callbacks.LearningRateScheduler(schedule)])
    ens, single, oof = validate()
    bins = by_true_rul(oof)
    log("validation by true RUL: " + "; ".join(f"{b['true_rul']}: RMSE {b['rmse']} bias {b['bias']:+}" for b in bins))
    val_all, val_cut, val_phm = ens
    head_cut = float(np.mean([s[1] for s in single]))
    reps = int(np.min(np.bincount(head_fold, minlength=nfold)[np.unique(head_fold)]))
    log(f"validation (out-of-fold over {len(np.unique(u[vsel]))} engines, {reps}+ heads per engine): test-like "
        f"RMSE {val_cut:.3f} PHM08/100 engines {val_phm:.1f}; all windows RMSE {val_all:.3f}; one head alone "
        f"{head_cut:.3f}  [{time.time() - t0:.0f}s]")
    if a.screen:
        if a.report:
            write_json(a.report, {"args": {k: v for k, v in vars(a).items() if k not in ("data", "out", "report")},
                                  "validation": {"rmse_all": val_all, "rmse_cuts": val_cut, "phm08_cuts": val_phm,
                                                 "rmse_cuts_one_head": head_cut},
                                  "seconds": round(time.time() - t0, 1)})
        return None

    export = build_model(tf, a, len(C.FEATURES), export=True)
    copy_to_export(model, export, K)
    pe = export.predict(x[:512], verbose=0, batch_size=1)[:, 0]
    pt = model.predict(x[:512], verbose=0, batch_size=512).reshape(-1, K).mean(axis=1)
    if np.max(np.abs(pe - pt)) > 1e-4:
        raise TrainingError(f"export graph differs from the trained heads' mean by {np.max(np.abs(pe - pt)):.2e}")


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
                              "rmse_one_head_test_like": rounded(head_cut),
                              "heads_per_held_out_engine": reps,
                              "by_true_rul": bins,
                              "folds": folds},
               "evaluated_on": "test_FD001.txt last cycle of each of 100 engines (edge-padded to 30 cycles), "
                               "RUL_FD001.txt capped at 125; int8 with LiteRT reference kernels"}
    write_outputs(a, tfl, metrics, params, macs, seconds)
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
        "normalization": {"kind": "zscore", "fitted_as": "minmax",
                          "formula": "(x − mean) / std per feature; here mean = (min+max)/2 and std = (max−min)/2 "
                                     "of train_FD001.txt, i.e. min-max scaling to [−1, 1]",
                          "mean": [float(v) for v in centre], "std": [float(v) for v in span]},
        "output_transform": {"scale": C.CAP, "offset": 0.0, "formula": "rul = output × scale + offset"},
        "target_cap": int(C.CAP),
        "feature_stats": feature_stats(C.FEATURES, raw),
        "metrics": metrics,
        "params": params, "macs": macs, "ops": ops,
        "architecture": f"fixed window features per sensor ({'; '.join(FEATURE_KINDS[k] for k in feature_kinds(a))}: "
                        f"{len(feature_kinds(a)) * len(C.FEATURES)} features, one DEPTHWISE_CONV_2D), slope scale {a.slope_scale}, "
                        f"then {K} heads FC {' relu → FC '.join(str(w) for w in hidden_widths(a))} "
                        f"relu → FC 1, averaged in-graph (the heads' output layers merged into one FC over their "
                        f"concatenated hidden units)",
        "training": {"command": cmd, "seed": a.seed, "data": "train_FD001.txt", "heads": K, "folds": nfold,
                     "epochs": a.epochs, "batch": a.batch, "optimizer": f"Adam lr {a.lr}, lr/10 from epoch {a.step_at}",
                     "windows": "full 30-cycle windows only", "loss": "MSE on RUL/125",
                     "weighting": "each engine's windows weigh 1 in total" if a.engine_weight else "every window weighs 1",
                     "split": f"by engine unit: head k trains on every engine outside fold k mod {nfold}",
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
