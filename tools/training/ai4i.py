# AI4I 2020 predictive-maintenance data: loading (UTF-8 BOM), the model's inputs, the held-out split, metrics.
import csv
import os

import numpy as np

from .common import TrainingError

# The five process features, in model input order, then the product type one-hot.
PROCESS = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]", "Torque [Nm]",
           "Tool wear [min]"]
TYPES = ["L", "M", "H"]
FEATURES = ["air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm", "tool_wear_min",
            "type_L", "type_M", "type_H"]
LABEL = "Machine failure"
# Never used as inputs: they are the failure modes of the label itself.
LEAKS = ["TWF", "HDF", "PWF", "OSF", "RNF"]


def load(path):
    """(udi int array, X raw float (N, 8) with one-hot type, y int array) from ai4i2020.csv."""
    if not os.path.isfile(path):
        raise TrainingError(f"{path}: file not found (set LEDGE_DATA_DIR to the shared data folder)")
    with open(path, encoding="utf-8-sig", newline="") as f:  # utf-8-sig drops the byte-order mark
        r = csv.DictReader(f)
        need = ["UDI", "Type", LABEL] + PROCESS
        missing = [c for c in need if c not in (r.fieldnames or [])]
        if missing:
            raise TrainingError(f"{path}: missing columns {missing}")
        udi, xs, ys = [], [], []
        for n, row in enumerate(r, 2):
            try:
                t = row["Type"].strip()
                if t not in TYPES:
                    raise ValueError(f"unknown product type {t!r}")
                xs.append([float(row[c]) for c in PROCESS] + [1.0 if t == k else 0.0 for k in TYPES])
                ys.append(int(row[LABEL]))
                udi.append(int(row["UDI"]))
            except (ValueError, TypeError) as e:
                raise TrainingError(f"{path}:{n}: {e}") from None
    if not xs:
        raise TrainingError(f"{path}: no rows")
    return np.asarray(udi), np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.int64)


def split(y, seed, test_fraction=0.2):
    """Stratified split: (train indices, held-out indices), both sorted; sklearn's StratifiedShuffleSplit."""
    from sklearn.model_selection import train_test_split
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=test_fraction, stratify=y, random_state=seed)
    return np.sort(tr), np.sort(te)


def metrics(prob, y, threshold):
    """Precision, recall, F1 at `threshold` (prob ≥ threshold is a failure) and PR-AUC (average precision)."""
    from sklearn.metrics import average_precision_score
    pred = prob >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "pr_auc": float(average_precision_score(y, prob)),
            "tp": tp, "fp": fp, "fn": fn, "tn": int(len(y) - tp - fp - fn)}


def best_threshold(prob, y):
    """The threshold maximising F1 on (prob, y): midway between neighbouring distinct scores."""
    order = np.argsort(-prob, kind="stable")
    p, t = prob[order], y[order]
    tp = np.cumsum(t)
    fp = np.cumsum(1 - t)
    f1 = 2 * tp / (tp + fp + t.sum())
    # Only cut where the score changes.
    ok = np.r_[p[1:] < p[:-1], True]
    i = int(np.argmax(np.where(ok, f1, -1)))
    thr = float((p[i] + p[i + 1]) / 2) if i + 1 < len(p) else float(p[i])
    return thr, float(f1[i])
