#!/usr/bin/env bash
# test.sh runs Paddock's whole test suite on this machine: it installs
# what the tests need (Debian packages with chromium, a MinIO server built
# from source, the dashboard's pinned browser assets, all cached), starts
# MinIO on loopback, then runs formatting and vet checks, the
# generated-code check, every Go test with the race detector, and a short
# run of every fuzz target. `make test` and .ci/run call it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
# The dashboard's browser tests drive Debian's chromium.
PADDOCK_DEPS_EXTRA="${PADDOCK_DEPS_EXTRA:-} ${PADDOCK_BROWSER_PACKAGES:-chromium}" scripts/deps.sh
# Pinned, integrity-checked htmx and uPlot, embedded into the binary.
scripts/assets.sh
scripts/minio.sh install >/dev/null

step "MinIO on loopback"
eval "$(scripts/minio.sh start)"
trap 'scripts/minio.sh stop >/dev/null 2>&1 || true' EXIT

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '_templ.go$') 2>/dev/null || true)
if [[ -n $unformatted ]]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

step "generated templ code is up to date"
go generate ./ui/...
if ! git diff --quiet -- '*_templ.go'; then
	git --no-pager diff --stat -- '*_templ.go'
	echo "templ generate changed committed files: run 'make generate' and commit"; exit 1
fi

step "static build without cgo"
CGO_ENABLED=0 go build -o /dev/null .

step "tests (race detector)"
go test -race -count=1 -timeout 20m ./...

step "fuzz targets (${PADDOCK_FUZZTIME:=10s} each)"
# Every Fuzz* function in the tree gets a short run, so a new target is
# covered without editing this script.
git grep -l '^func Fuzz' -- '*_test.go' | while read -r file; do
	pkg=./$(dirname "$file")
	for fn in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "-- $pkg $fn"
		# Go 1.26's fuzz coordinator can end a duration-bounded run with a
		# bare "context deadline exceeded" when a worker is mid-call at the
		# deadline (go.dev/issue/75804, fixed in Go 1.27). A real finding
		# always writes a failing input under testdata/fuzz; only that, or
		# any other failure, fails the run. The seed corpus of every target
		# already ran as a plain test above.
		if ! go test -run='^$' -fuzz="^${fn}\$" -fuzztime="$PADDOCK_FUZZTIME" "$pkg" >/tmp/paddock-fuzz.log 2>&1; then
			if grep -q "Failing input written" /tmp/paddock-fuzz.log || ! grep -q "context deadline exceeded" /tmp/paddock-fuzz.log ||
				grep -qE "^\s+(panic|.*_test\.go:[0-9]+:)" /tmp/paddock-fuzz.log; then
				cat /tmp/paddock-fuzz.log; exit 1
			fi
			echo "   (Go fuzz coordinator deadline race, go.dev/issue/75804: no input failed)"
		fi
	done
done
echo "all checks passed"
