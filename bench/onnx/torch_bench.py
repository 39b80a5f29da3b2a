#!/usr/bin/python3
"""PyTorch side of `go run ./bench/onnx`.

Rebuilds the MLP fixture as an eager torch module from the ONNX file's own
initializers (Linear-ReLU-Linear-ReLU-Linear-Softmax, the graph's node
sequence), checks that it reproduces the fixture's expected.json, then
times forward() on the inputs the Go program wrote.

usage: torch_bench.py MODEL_DIR INPUTS_JSON ITERATIONS
prints one JSON object on stdout.
"""
import json
import os
import sys
import time

import onnx
import torch
from onnx import numpy_helper


def build(model_dir):
    graph = onnx.load(os.path.join(model_dir, "model.onnx")).graph
    ops = [n.op_type for n in graph.node]
    if ops != ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]:
        sys.exit(f"unexpected graph {ops}: this script rebuilds the 3-layer MLP only")
    w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    layers = []
    for node in graph.node:
        if node.op_type == "Gemm":
            weight, bias = w[node.input[1]], w[node.input[2]]
            lin = torch.nn.Linear(weight.shape[1], weight.shape[0])
            lin.weight.data.copy_(weight)
            lin.bias.data.copy_(bias)
            layers.append(lin)
        elif node.op_type == "Relu":
            layers.append(torch.nn.ReLU())
        else:
            layers.append(torch.nn.Softmax(dim=-1))
    return torch.nn.Sequential(*layers).eval()


def check(net, model_dir):
    """The rebuilt module must give the fixture's recorded PyTorch output."""
    with open(os.path.join(model_dir, "inputs.json")) as f:
        x = torch.tensor(json.load(f), dtype=torch.float32)
    with open(os.path.join(model_dir, "expected.json")) as f:
        want = torch.tensor(json.load(f), dtype=torch.float32)
    with torch.inference_mode():
        diff = (net(x) - want).abs().max().item()
    if diff > 1e-6:
        sys.exit(f"rebuilt module differs from expected.json by {diff}")
    return diff


def time_forward(net, x, iterations):
    """Median over 5 runs of the mean time per forward() call, in ns."""
    runs = []
    with torch.inference_mode():
        for _ in range(max(iterations // 10, 10)):
            net(x)
        for _ in range(5):
            start = time.perf_counter_ns()
            for _ in range(iterations):
                net(x)
            runs.append((time.perf_counter_ns() - start) / iterations)
    runs.sort()
    return runs[len(runs) // 2]


def main():
    model_dir, inputs_path, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
    net = build(model_dir)
    drift = check(net, model_dir)
    with open(inputs_path) as f:
        batches = {k: torch.tensor(v, dtype=torch.float32) for k, v in json.load(f).items()}
    default_threads = torch.get_num_threads()
    result = {"torch": torch.__version__, "default_threads": default_threads,
              "threads": sorted({1, default_threads, os.cpu_count() or 1}),
              "expected_drift": drift, "ns_per_call": {}, "outputs": {}}
    for threads in sorted({1, default_threads, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        for name, x in batches.items():
            key = f"{name}/threads={threads}"
            result["ns_per_call"][key] = time_forward(net, x, iterations)
    with torch.inference_mode():
        for name, x in batches.items():
            result["outputs"][name] = net(x).flatten().tolist()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
