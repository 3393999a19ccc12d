# C-MAPSS FD001 data: loading, feature selection, RUL targets, z-score, 30-cycle windows with edge padding, metrics.
import os

import numpy as np

from .common import TrainingError

COLUMNS = ["unit", "cycle", "op1", "op2", "op3"] + [f"s{i}" for i in range(1, 22)]
# The 14 informative sensors: s1, s5, s6, s10, s16, s18, s19 are constant in FD001, op1..op3 are dropped.
FEATURES = ["s2", "s3", "s4", "s7", "s8", "s9", "s11", "s12", "s13", "s14", "s15", "s17", "s20", "s21"]
FEATURE_COLS = [COLUMNS.index(f) for f in FEATURES]
WINDOW = 30
CAP = 125.0


def load_table(path):
    """Reads one C-MAPSS text file into a float64 array (rows, 26); clear errors on bad files."""
    if not os.path.isfile(path):
        raise TrainingError(f"{path}: file not found (set LEDGE_DATA_DIR to the shared data folder)")
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != len(COLUMNS):
                raise TrainingError(f"{path}:{n}: expected {len(COLUMNS)} columns, found {len(parts)}")
            try:
                rows.append([float(p) for p in parts])
            except ValueError as e:
                raise TrainingError(f"{path}:{n}: not a number ({e})") from None
    if not rows:
        raise TrainingError(f"{path}: no rows")
    return np.asarray(rows, dtype=np.float64)


def load_rul(path):
    if not os.path.isfile(path):
        raise TrainingError(f"{path}: file not found (set LEDGE_DATA_DIR to the shared data folder)")
    vals = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s:
                continue
            try:
                vals.append(float(s))
            except ValueError:
                raise TrainingError(f"{path}:{n}: not a number: {s!r}") from None
    return np.asarray(vals, dtype=np.float64)


def split_units(table):
    """{unit: rows of that unit in cycle order}, units in ascending order."""
    out = {}
    for u in np.unique(table[:, 0]).astype(int):
        rows = table[table[:, 0] == u]
        out[int(u)] = rows[np.argsort(rows[:, 1], kind="stable")]
    return out


def train_targets(rows):
    """Piecewise-linear RUL target of a run-to-failure engine: cycles left, capped at CAP."""
    n = len(rows)
    return np.minimum(np.arange(n - 1, -1, -1, dtype=np.float64), CAP)


def edge_pad(x, window=WINDOW):
    """Pads a (n, f) sequence shorter than `window` by repeating its first row at the front."""
    if len(x) >= window:
        return x
    return np.concatenate([np.repeat(x[:1], window - len(x), axis=0), x], axis=0)


def windows(x, y, window=WINDOW):
    """All windows of `window` cycles of one engine ending at each cycle ≥ window (one window if shorter)."""
    x = edge_pad(x, window)
    y = np.concatenate([np.repeat(y[:1], len(x) - len(y)), y]) if len(y) < len(x) else y
    n = len(x) - window + 1
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    return x[idx], y[window - 1:]


def last_window(x, window=WINDOW):
    return edge_pad(x, window)[-window:]


def rmse(pred, true):
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(true)) ** 2)))


def phm08(pred, true):
    """PHM08 score: d = pred − true; e^(−d/13) − 1 for d < 0, e^(d/10) − 1 otherwise, summed."""
    d = np.asarray(pred, dtype=np.float64) - np.asarray(true, dtype=np.float64)
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))
