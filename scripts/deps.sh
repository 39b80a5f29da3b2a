#!/usr/bin/env bash
# deps.sh installs the Debian packages Paddock's tests use, skipping those
# already present, so a fresh machine and a warm one run the same command.
#   python3-numpy        the python worker flavor's tests
#   python3-xgboost, python3-sklearn, python3-torch, python3-onnx, python3-pandas
#                        regenerating model fixtures and the peer side of benchmarks
# PADDOCK_DEPS_EXTRA adds packages; scripts/test.sh adds the browser ones
# (PADDOCK_BROWSER_PACKAGES, default chromium) for the dashboard's tests.
set -euo pipefail

packages=(python3-numpy python3-xgboost python3-sklearn python3-pandas)
[[ ${PADDOCK_DEPS_EXTRA:-} ]] && read -r -a extra <<<"$PADDOCK_DEPS_EXTRA" && packages+=("${extra[@]}")

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
echo "deps.sh: installing ${missing[*]}" >&2
SUDO=
[[ $(id -u) == 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
