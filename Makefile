# Paddock's everyday commands. The README and CONTRIBUTING mirror them.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.buildVersion=$(VERSION)
GO ?= go

.PHONY: build assets run test generate lint bench clean

## build: a static binary without cgo at bin/paddock, dashboard assets embedded
build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/paddock .
	@touch bin/.data-placeholder

## assets: fetch the dashboard's pinned browser assets into ui/static/vendor
assets:
	scripts/assets.sh

## run: start Paddock on its embedded defaults (SQLite + local artifacts)
run:
	$(GO) run . serve

## test: the whole suite, installing and starting what it needs (MinIO, Debian packages)
test:
	scripts/test.sh

## generate: regenerate templ components (commit the *_templ.go files)
generate:
	$(GO) generate ./ui/...

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'))" || (gofmt -l . ; exit 1)
	$(GO) vet ./...

## bench: the benchmarks under bench/ (Paddock and its peers side by side)
bench:
	scripts/bench.sh

clean:
	rm -rf bin
