#!/usr/bin/env bash
# bench.sh runs every benchmark under bench/, each of which runs Paddock and
# its peer side by side and prints the ratio (see docs/benchmarks.md for
# the figures of record and what each one measures). The model benchmarks
# need Debian's python3-xgboost, python3-sklearn and python3-torch.
# Pass names to run a subset: scripts/bench.sh tracking xgboost
set -euo pipefail
cd "$(dirname "$0")/.."
PADDOCK_DEPS_EXTRA="python3-torch wrk python3-flask gunicorn" scripts/deps.sh
all=(startup tracking dashboard xgboost sklearn onnx pyworker serving)
for name in "${@:-${all[@]}}"; do
	printf '\n== bench/%s\n' "$name"
	go run "./bench/$name"
done
