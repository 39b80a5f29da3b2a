#!/usr/bin/python3
"""Time scikit-learn's own predict_proba (or predict) on a fixture, in-process.

Usage: peer.py <fixture dir> <iterations>

Prints one JSON object: microseconds per call for single rows (cycling
through inputs.json) and for the whole 64-row batch, plus the batch output
so the caller can check both sides computed the same thing. Python start-up
and unpickling are outside the timings.
"""

import json
import os
import pickle
import sys
import time

import numpy as np


def per_call(fn, iterations):
    """Best-of-5 mean seconds per call of fn(i) over iterations calls."""
    fn(0)  # warm up caches and lazy initialisation
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for i in range(iterations):
            fn(i)
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e6


def main():
    fixture, iterations = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(fixture, "model.pkl"), "rb") as f:
        model = pickle.load(f)
    with open(os.path.join(fixture, "inputs.json")) as f:
        x = np.array([[np.nan if v is None else v for v in row] for row in json.load(f)],
                     dtype=np.float64)
    predict = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    rows = [x[i:i + 1] for i in range(len(x))]
    result = {
        "method": predict.__name__,
        "single_us": per_call(lambda i: predict(rows[i % len(rows)]), iterations),
        "batch_us": per_call(lambda i: predict(x), max(1, iterations // 8)),
        "rows": len(x),
        "output": np.asarray(predict(x), dtype=np.float64).ravel().tolist(),
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
