"""Times the benchmark model's predict in-process: the floor that any
out-of-process serving can approach. Prints one JSON object:
{"<rows>": {"ns_per_call": ..., "checksum": ...}, ...}."""
import importlib.util
import json
import sys
import time

import numpy as np

FEATURES = 16


def inputs(rows):
    i = np.arange(rows * FEATURES, dtype=np.float64).reshape(rows, FEATURES)
    return (i % 97) / 8 - 6


def main():
    model_path, iters, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    spec = importlib.util.spec_from_file_location("paddock_model", model_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load(None)
    out = {}
    for rows in map(int, sys.argv[4:]):
        x = {"x": inputs(rows)}
        n = max(1, iters // rows)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter_ns()
            for _ in range(n):
                y = model.predict(x)
            best = min(best, (time.perf_counter_ns() - start) / n)
        out[str(rows)] = {"ns_per_call": best, "checksum": float(np.sum(y))}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
