#!/usr/bin/env bash
# Idle connections (issue 14, item 2): serves the demo data from a release build, opens and
# holds IDLE_CONNECTIONS (5,000) connections that send nothing, and prints how long the
# server takes to close them all and how fast a signed-in request (the demo buyer) made
# meanwhile is answered. The server gets the review's soft open-file limit (4,096); it
# raises it to the hard limit at start, as in production.
# Usage: KETNOI_BIN=target/release/ketnoi IDLE_BIN=target/release/examples/idle infra/bench/idle.sh
# (build both: cargo build --release -p ketnoi --bin ketnoi --example idle)
set -euo pipefail
bin="${KETNOI_BIN:-target/release/ketnoi}"
idle="${IDLE_BIN:-target/release/examples/idle}"
n="${IDLE_CONNECTIONS:-5000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-idle.XXXXXX")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(
    # SERVER_HARD_NOFILE=4096 caps the hard limit too (then the connection limit is 3,072).
    ulimit -Sn "${SERVER_SOFT_NOFILE:-4096}"
    if [ -n "${SERVER_HARD_NOFILE:-}" ]; then ulimit -Hn "$SERVER_HARD_NOFILE"; fi
    DATA_DIR="$work" DATABASE_URL="sqlite:$work/k.db" BIND="127.0.0.1:$port" RUST_LOG=info \
        exec "$bin" serve --demo
) >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 600); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
grep -E "open-file limit|serving" "$work/server.log" | sed 's/^/server: /' || true
"$idle" "http://127.0.0.1:$port" "$n"
echo "server open files at the end: $(ls /proc/$pid/fd | wc -l)"
