#!/usr/bin/env bash
# assets.sh fetches the dashboard's third-party browser assets at pinned
# versions from the npm registry, checks each tarball against its pinned
# sha512 integrity (the same value npm records in a lockfile) and extracts
# the few files the dashboard serves into ui/static/vendor/ (gitignored),
# where go:embed picks them up. A binary built without them still works:
# pages then fall back to plain links and server-rendered SVG.
#   npm_config_registry  the registry npm pack downloads from (npm's own
#                        setting; default: npm's default registry)
#   PADDOCK_ASSET_CACHE  where tarballs are cached (default ~/.cache/paddock/npm)
set -euo pipefail
cd "$(dirname "$0")/.."

# npm itself fetches the tarballs (npm pack), from the registry npm is
# configured with; Debian's npm is installed when missing.
command -v npm >/dev/null || PADDOCK_DEPS_EXTRA=npm scripts/deps.sh
CACHE=${PADDOCK_ASSET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paddock/npm}
DEST=ui/static/vendor

# name version integrity file-in-package...
ASSETS=(
	"htmx.org 2.0.4 sha512-HLxMCdfXDOJirs3vBZl/ZLoY+c7PfM4Ahr2Ad4YXh6d22T5ltbTXFFkpx9Tgb2vvmWFMbIc3LqN2ToNkZJvyYQ== dist/htmx.min.js"
	"uplot 1.6.31 sha512-sQZqSwVCbJGnFB4IQjQYopzj5CoTZJ4Br1fG/xdONimqgHmsacvCjNesdGDypNKFbrhLGIeshYhy89FxPF+H+w== dist/uPlot.iife.min.js dist/uPlot.min.css"
)

integrity() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

mkdir -p "$CACHE" "$DEST"
for entry in "${ASSETS[@]}"; do
	read -r name version want files <<<"$entry"
	read -r -a files <<<"$files"
	tgz=$CACHE/$name-$version.tgz
	if [[ ! -f $tgz || $(integrity "$tgz") != "$want" ]]; then
		packed=$(cd "$CACHE" && npm pack --silent "$name@$version")
		[[ $CACHE/$packed == "$tgz" ]] || mv "$CACHE/$packed" "$tgz"
	fi
	got=$(integrity "$tgz")
	if [[ $got != "$want" ]]; then
		rm -f "$tgz"
		echo "assets.sh: $name@$version integrity mismatch: got $got, want $want" >&2
		exit 1
	fi
	tmp=$(mktemp -d)
	tar -xzf "$tgz" -C "$tmp" "${files[@]/#/package/}"
	for f in "${files[@]}"; do
		install -m 0644 "$tmp/package/$f" "$DEST/$(basename "$f")"
	done
	rm -rf "$tmp"
	echo "assets.sh: $name@$version -> ${files[*]##*/}" >&2
done
