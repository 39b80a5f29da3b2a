#!/usr/bin/python3
"""Time XGBoost's own predictor on a fixture, in-process.

Usage: peer.py <fixture dir> <iterations>

Prints one JSON object: ns per row for single rows, 64-row batches and
6400-row batches (the 64 rows tiled; Python's per-call overhead vanishes
there, leaving XGBoost's C++ predictor), for
Booster.inplace_predict and for Booster.predict on a DMatrix (the DMatrix is
built inside the timed loop, as a caller with fresh rows must), each with
XGBoost's default thread count (every core) and with nthread=1, plus the
predictions so the caller can check both sides computed the same thing.
Python start-up and model loading are outside the timings.
"""

import json
import os
import sys
import time

import numpy as np
import xgboost as xgb

# The large batch is the 64 input rows repeated this many times.
LARGE_TILES = 100


def per_row(fn, rows, iterations):
    """Best-of-5 mean time per row of fn() over iterations calls."""
    fn()  # warm up caches and lazy initialisation
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e9 / rows


def main():
    fixture, iterations = sys.argv[1], int(sys.argv[2])
    booster = xgb.Booster()
    booster.load_model(os.path.join(fixture, "model.json"))
    with open(os.path.join(fixture, "inputs.json")) as f:
        x = np.array([[np.nan if v is None else v for v in row] for row in json.load(f)],
                     dtype=np.float64)
    one = x[:1]
    result = {"threads": os.cpu_count(), "timings": []}
    for nthread in (0, 1):  # 0: XGBoost's default, every core
        booster.set_param({"nthread": nthread})
        for mode, rows, n in (("single", one, iterations), ("batch", x, iterations),
                              ("large", np.tile(x, (LARGE_TILES, 1)), iterations // LARGE_TILES * 2)):
            calls = {
                "inplace_predict": lambda: booster.inplace_predict(rows),
                "DMatrix predict": lambda: booster.predict(xgb.DMatrix(rows)),
            }
            for how, fn in calls.items():
                result["timings"].append({
                    "mode": mode, "how": how, "nthread": nthread,
                    "ns_per_row": per_row(fn, len(rows), max(n, 1)),
                })
    result["predictions"] = booster.inplace_predict(x).astype(np.float64).tolist()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
