#!/usr/bin/env bash
# minio.sh installs and runs a throwaway MinIO server on loopback for Paddock's
# S3 tests (package artifact/s3store).
#
# Usage:
#   scripts/minio.sh install        build MinIO once into the tool cache, print the binary path
#   scripts/minio.sh start [PORT]   start a server on 127.0.0.1 (free port unless PORT is given),
#                                   wait until it is live, print `export NAME=value` lines to eval
#   scripts/minio.sh stop [DIR]     stop the server started by `start` and remove its data
#                                   (DIR defaults to $PADDOCK_TEST_MINIO_DIR)
#
# Typical use in a test script:
#   eval "$(scripts/minio.sh start)"
#   trap 'scripts/minio.sh stop' EXIT
#   go test ./...
#
# `start` exports PADDOCK_TEST_S3_ENDPOINT, PADDOCK_TEST_S3_ACCESS_KEY, PADDOCK_TEST_S3_SECRET_KEY,
# PADDOCK_TEST_MINIO_BIN and PADDOCK_TEST_MINIO_DIR; the same lines are written to
# $PADDOCK_TEST_MINIO_DIR/env for `source`. Each `start` gets its own state directory under
# ${TMPDIR:-/tmp}, so several servers (one per engineer or CI job) can run side by side.
# Only stdout carries the export lines; progress and errors go to stderr.
set -euo pipefail

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
TOOLS_DIR=${PADDOCK_TOOLS:-$HOME/.cache/paddock/tools}
MINIO_BIN_DIR=$TOOLS_DIR/minio-$MINIO_VERSION
MINIO_BIN=$MINIO_BIN_DIR/minio

log() { printf 'minio.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

cmd_install() {
	if [[ ! -x $MINIO_BIN ]]; then
		command -v go >/dev/null || die "go is not on PATH; it is needed to build MinIO"
		log "building MinIO $MINIO_VERSION into $MINIO_BIN_DIR (about 5 minutes the first time)"
		mkdir -p "$MINIO_BIN_DIR"
		# Build outside any module so the project's go.mod plays no part.
		(cd "${TMPDIR:-/tmp}" && GOBIN=$MINIO_BIN_DIR CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
			go install "$MINIO_MODULE@$MINIO_VERSION") >&2
	fi
	echo "$MINIO_BIN"
}

# port_in_use reports whether something accepts connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port prints a port in 20000-59999 that nothing listens on right now.
pick_port() {
	local port
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		if ! port_in_use "$port"; then
			echo "$port"
			return 0
		fi
	done
	die "no free port found"
}

# is_live reports whether the MinIO at 127.0.0.1:$1 answers its liveness probe.
is_live() { curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$1/minio/health/live" 2>/dev/null; }

# launch starts MinIO in the background on $port with the state in $dir and waits up to
# 30 s for it to be live. It fails (leaving no process behind) when the server exits early,
# e.g. because another process took the port.
launch() {
	local dir=$1 port=$2 user=$3 password=$4 pid
	MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_BROWSER=off \
		MINIO_UPDATE=off MINIO_CI_CD=1 \
		nohup "$MINIO_BIN" server --quiet --address "127.0.0.1:$port" \
		--certs-dir "$dir/certs" "$dir/data" >>"$dir/minio.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$dir/pid"
	for _ in $(seq 300); do
		if ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		if is_live "$port"; then
			return 0
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	return 1
}

cmd_start() {
	local want_port=${1:-} dir user password port
	command -v curl >/dev/null || die "curl is needed to probe MinIO"
	cmd_install >/dev/null
	dir=$(mktemp -d "${TMPDIR:-/tmp}/paddock-minio.XXXXXX")
	touch "$dir/.paddock-minio" # marks the directory as ours for `stop`
	mkdir -p "$dir/data" "$dir/certs"
	user=paddock
	password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	for attempt in 1 2 3 4 5; do
		port=${want_port:-$(pick_port)}
		if launch "$dir" "$port" "$user" "$password"; then
			write_env "$dir" "$port" "$user" "$password"
			log "MinIO is live on 127.0.0.1:$port (state in $dir)"
			cat "$dir/env"
			return 0
		fi
		[[ -z $want_port ]] || break
		log "start attempt $attempt on port $port failed; retrying on another port"
	done
	log "MinIO did not start; its log follows"
	cat "$dir/minio.log" >&2 || true
	rm -rf "$dir"
	exit 1
}

write_env() {
	local dir=$1 port=$2 user=$3 password=$4
	cat >"$dir/env" <<EOF
export PADDOCK_TEST_S3_ENDPOINT=127.0.0.1:$port
export PADDOCK_TEST_S3_ACCESS_KEY=$user
export PADDOCK_TEST_S3_SECRET_KEY=$password
export PADDOCK_TEST_MINIO_BIN=$MINIO_BIN
export PADDOCK_TEST_MINIO_DIR=$dir
EOF
}

cmd_stop() {
	local dir=${1:-${PADDOCK_TEST_MINIO_DIR:-}} pid
	[[ -n $dir ]] || die "stop: no state directory: pass it or set PADDOCK_TEST_MINIO_DIR"
	[[ -f $dir/.paddock-minio ]] || die "stop: $dir was not made by scripts/minio.sh start"
	if [[ -f $dir/pid ]]; then
		pid=$(cat "$dir/pid")
		if kill "$pid" 2>/dev/null; then
			for _ in $(seq 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then
				kill -9 "$pid" 2>/dev/null || true
			fi
		fi
	fi
	rm -rf "$dir"
	log "stopped MinIO and removed $dir"
}

case ${1:-} in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
*)
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
