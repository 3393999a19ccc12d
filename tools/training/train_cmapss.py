# Trains the C-MAPSS FD001 remaining-useful-life model (1-D CNN), converts it to int8 TFLite, writes models/cmapss-rul.
import argparse
import os
import time

import numpy as np

from . import cmapss as C
from .common import (TrainingError, check_ops, convert_int8, count_macs, histogram, interpreter, log, rounded,
                     run_int8, setup_tf, sha256_hex, tensor_spec, write_json)


def parse_args():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = argparse.ArgumentParser(prog="tools/train-cmapss", description=__doc__)
    p.add_argument("--data", default=os.path.join(os.environ.get("LEDGE_DATA_DIR", os.path.join(root, "..", "shared", "data")), "cmapss"))
    p.add_argument("--out", default=os.path.join(root, "models", "cmapss-rul"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--epochs", type=int, default=60, help="maximum epochs of the validation run")
    p.add_argument("--val-units", type=int, default=20, help="engines held out for validation")
    p.add_argument("--no-refit", action="store_true", help="keep the validation-run model instead of refitting on all engines")
    p.add_argument("--version", default="1.0.0")
    return p.parse_args()


def build_model(tf, window, nfeat, batch=None):
    L = tf.keras.layers
    inp = tf.keras.Input(batch_shape=(batch, window, nfeat), name="window")
    x = inp
    for filters, k in ((32, 5), (32, 5), (32, 5), (8, 3)):
        x = L.Conv1D(filters, k, padding="same", activation="relu")(x)
    x = L.Flatten()(x)
    x = L.Dropout(0.3)(x)
    x = L.Dense(64, activation="relu")(x)
    out = L.Dense(1, name="rul")(x)
    return tf.keras.Model(inp, out)


def make_windows(units, ids, mean, std):
    xs, ys = [], []
    for u in ids:
        rows = units[u]
        x = (rows[:, C.FEATURE_COLS] - mean) / std
        wx, wy = C.windows(x, C.train_targets(rows))
        xs.append(wx)
        ys.append(wy)
    return np.concatenate(xs).astype(np.float32), (np.concatenate(ys) / C.CAP).astype(np.float32)


def fit(tf, seed, x, y, epochs, val=None):
    tf.keras.utils.set_random_seed(seed)
    model = build_model(tf, C.WINDOW, len(C.FEATURES))
    steps = int(np.ceil(len(x) / 256)) * epochs
    lr = tf.keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.05)
    model.compile(optimizer=tf.keras.optimizers.Adam(lr), loss="mse")
    history = {"val": []}
    cbs = []
    if val is not None:
        vx, vy = val

        class Track(tf.keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                p = self.model.predict(vx, verbose=0, batch_size=1024)[:, 0] * C.CAP
                history["val"].append(C.rmse(p, vy * C.CAP))
        cbs.append(Track())
    model.fit(x, y, batch_size=256, epochs=epochs, shuffle=True, verbose=0, callbacks=cbs)
    return model, history


def main():
    args = parse_args()
    t0 = time.time()
    tf = setup_tf(args.seed)
    train = C.load_table(os.path.join(args.data, "train_FD001.txt"))
    test = C.load_table(os.path.join(args.data, "test_FD001.txt"))
    rul = C.load_rul(os.path.join(args.data, "RUL_FD001.txt"))
    units = C.split_units(train)
    tunits = C.split_units(test)
    if len(rul) != len(tunits):
        raise TrainingError(f"RUL_FD001.txt has {len(rul)} values for {len(tunits)} test engines")

    # Split by engine unit, never by row.
    ids = sorted(units)
    rng = np.random.default_rng(args.seed)
    val_ids = sorted(int(u) for u in rng.choice(ids, size=args.val_units, replace=False))
    fit_ids = [u for u in ids if u not in val_ids]

    def stats(which):
        raw = np.concatenate([units[u][:, C.FEATURE_COLS] for u in which])
        return raw.mean(axis=0), raw.std(axis=0)

    mean, std = stats(fit_ids)
    x, y = make_windows(units, fit_ids, mean, std)
    vx, vy = make_windows(units, val_ids, mean, std)
    log(f"validation run: {len(fit_ids)} engines ({len(x)} windows), {len(val_ids)} held out ({len(vx)} windows)")
    model, hist = fit(tf, args.seed, x, y, args.epochs, val=(vx, vy))
    best_epoch = int(np.argmin(hist["val"])) + 1
    val_rmse = min(hist["val"])
    log(f"validation RMSE (all windows, held-out engines): best {val_rmse:.2f} at epoch {best_epoch}, "
        f"last {hist['val'][-1]:.2f}  [{time.time() - t0:.0f}s]")

    epochs = args.epochs
    if not args.no_refit:
        # Refit on all 100 engines for the same schedule; normalisation refitted on all training engines.
        mean, std = stats(ids)
        x, y = make_windows(units, ids, mean, std)
        model, _ = fit(tf, args.seed, x, y, epochs)
        log(f"refit on all {len(ids)} engines ({len(x)} windows)  [{time.time() - t0:.0f}s]")

    # Test set: each engine's last window (edge-padded when shorter than the window), true RUL capped.
    tx = np.stack([C.last_window((tunits[u][:, C.FEATURE_COLS] - mean) / std) for u in sorted(tunits)]).astype(np.float32)
    ty = np.minimum(rul, C.CAP)
    pf = model.predict(tx, verbose=0)[:, 0] * C.CAP
    f_rmse, f_phm = C.rmse(pf, ty), C.phm08(pf, ty)

    rep_idx = np.random.default_rng(args.seed).choice(len(x), size=min(1000, len(x)), replace=False)
    export = build_model(tf, C.WINDOW, len(C.FEATURES), batch=1)  # fixed batch 1: static shapes, no SHAPE/PACK ops
    export.set_weights(model.get_weights())
    tfl = convert_int8(tf, export, x[np.sort(rep_idx)])
    it = interpreter(tfl)
    ops = check_ops(it, "cmapss-rul")
    macs = count_macs(it)
    pq = run_int8(it, tx)[:, 0] * C.CAP
    q_rmse, q_phm = C.rmse(pq, ty), C.phm08(pq, ty)
    params = int(model.count_params())
    log(f"test_FD001 last cycle: float RMSE {f_rmse:.3f} PHM08 {f_phm:.1f} | int8 RMSE {q_rmse:.3f} PHM08 {q_phm:.1f}")
    log(f"params {params}, MACs {macs}, tflite {len(tfl)} bytes, ops {ops}")
    if params > 100_000 or macs > 3_000_000:
        raise TrainingError(f"model too big: {params} params (limit 100k), {macs} MACs (limit 3M)")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.tflite"), "wb") as f:
        f.write(tfl)
    raw_all = np.concatenate([units[u][:, C.FEATURE_COLS] for u in ids])
    feature_stats = []
    for j, name in enumerate(C.FEATURES):
        edges, counts = histogram(raw_all[:, j])
        feature_stats.append({"name": name, "mean": float(raw_all[:, j].mean()), "std": float(raw_all[:, j].std()),
                              "bins": edges, "counts": counts})
    manifest = {
        "name": "cmapss-rul", "version": args.version, "kind": "model", "task": "regression",
        "file": "model.tflite", "sha256": sha256_hex(tfl), "bytes": len(tfl),
        "inputs": [tensor_spec(it.get_input_details()[0], "window")],
        "outputs": [tensor_spec(it.get_output_details()[0], "rul")],
        "window": C.WINDOW, "padding": "edge",
        "features": C.FEATURES,
        "normalization": {"kind": "zscore", "mean": [float(v) for v in mean], "std": [float(v) for v in std]},
        "output_transform": {"scale": C.CAP, "offset": 0.0},
        "target_cap": int(C.CAP),
        "feature_stats": feature_stats,
        "metrics": {"float": {"rmse": rounded(f_rmse), "phm08": rounded(f_phm, 2)},
                    "int8": {"rmse": rounded(q_rmse), "phm08": rounded(q_phm, 2)},
                    "validation": {"rmse_all_windows": rounded(val_rmse), "best_epoch": best_epoch,
                                   "units": val_ids},
                    "evaluated_on": "test_FD001.txt last cycle of each of 100 engines, RUL_FD001.txt capped at 125; "
                                    "int8 with LiteRT reference kernels"},
        "params": params, "macs": macs, "ops": ops,
        "training": {"command": "tools/train-cmapss", "seed": args.seed, "data": "train_FD001.txt",
                     "epochs": epochs, "refit_all_engines": not args.no_refit,
                     "seconds": round(time.time() - t0, 1)},
    }
    write_json(os.path.join(args.out, "manifest.json"), manifest)
    log(f"wrote {args.out}/model.tflite and manifest.json  [{time.time() - t0:.0f}s]")
    return manifest


if __name__ == "__main__":
    try:
        main()
    except TrainingError as e:
        log(f"error: {e}")
        raise SystemExit(1)
