#!/usr/bin/env bash
# The plan dashboard's benchmark (issue 16): builds Ketnoi (release), seeds the demo data
# plus fictional cooperatives up to COOPS HTX/THT with eight periods of reports each
# (2023–2026), serves it with the page cache off, signs in as the demo administrator (the
# city's scope) and measures:
#   1. the city dashboard, warm: wrk at CONNECTIONS connections (the target: p99 ≤ 50 ms at 10);
#   2. a ward's dashboard, warm;
#   3. the first view of each period × type filter (tallies computed, as after a change): curl;
#   4. the 126-unit XLSX export (the target: ≤ 2 s): curl, EXPORTS times.
#
# Usage: infra/bench/plan.sh                       (SQLite in a temporary directory)
#        DATABASE_URL=postgres://…/empty_db infra/bench/plan.sh
# Settings: KETNOI_BIN, COOPS (5000), CONNECTIONS (10), THREADS (2), DURATION (20s),
#           WARMUP (5s), EXPORTS (10).
# Needs: curl, python3, wrk. Only loopback is loaded. Results to stdout, progress to stderr.
set -euo pipefail

COOPS="${COOPS:-5000}"
CONNECTIONS="${CONNECTIONS:-10}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-5s}"
EXPORTS="${EXPORTS:-10}"

say() { printf '%s %s\n' "$(date -u +%T)" "$*" >&2; }
die() { say "plan.sh: $*"; exit 1; }
for tool in curl python3 wrk; do command -v "$tool" >/dev/null || die "$tool is required"; done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
commit="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-plan.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${KETNOI_BIN:-}" ]]; then
    bin="$KETNOI_BIN"
else
    say "building ketnoi (release) ..."
    (cd "$repo" && cargo build --release -p ketnoi >&2)
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/ketnoi"
fi
[[ -x "$bin" ]] || die "no binary at $bin"

export DATA_DIR="$work/data"
mkdir -p "$DATA_DIR"
if [[ -n "${DATABASE_URL:-}" ]]; then engine="PostgreSQL"; else
    engine="SQLite"; export DATABASE_URL="sqlite:$DATA_DIR/k.db"; fi
export RUST_LOG="${RUST_LOG:-warn}" PAGE_CACHE_SECONDS=0

say "seeding the demo data and $COOPS cooperatives with 8 periods of reports ($engine) ..."
t0=$(date +%s)
RUST_LOG=info "$bin" seed --demo --plan-cooperatives "$COOPS" >&2
say "seeded in $(( $(date +%s) - t0 )) s"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
BIND="127.0.0.1:$port" "$bin" serve --no-worker >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited"; }
    sleep 0.5
done

jar="$work/cookies.txt"
csrf="$(curl -fsS -c "$jar" "$base/signin" |
    python3 -c 'import re,sys; m=re.search(r"name=\"csrf\" value=\"([^\"]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')"
code="$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$csrf" \
    --data-urlencode "login=admin@example.com" --data-urlencode "password=ketnoi-demo" \
    --data-urlencode "next=/" "$base/signin")"
[[ "$code" == 303 ]] || die "signing in answered $code"
cookie="$(awk '$6 == "kn_session" || $6 == "kn_csrf" {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")"
auth=(-H "Cookie: $cookie")

city="$base/union/plan?period=2026-y"
curl -fsS "${auth[@]}" -o "$work/city.html" "$city"
coops="$(python3 -c 'import re,sys; m=re.search(r"Báo cáo đã duyệt: (\d+) / (\d+)", open(sys.argv[1]).read()); print(m.group(2) if m else "?")' "$work/city.html")"
say "the city dashboard counts $coops cooperatives"

to_ms() {
    python3 - "$1" <<'PY'
import re, sys
m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", sys.argv[1])
v, u = (float(m.group(1)), m.group(2)) if m else (0, "ms")
print(f"{v * {'us': 0.001, 'ms': 1, 's': 1000, 'm': 60000}[u]:.2f}")
PY
}
rows=()
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for entry in "city dashboard|$city" "ward dashboard (Bát Tràng)|$base/union/plan?period=2026-y&unit=00577"; do
    name="${entry%%|*}"; url="${entry#*|}"
    status="$(curl -s "${auth[@]}" -o "$work/page.html" -w '%{http_code}' "$url")"
    bytes="$(wc -c <"$work/page.html" | tr -d ' ')"
    say "warming up $name ..."
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${auth[@]}" "$url" >/dev/null
    say "measuring $name ..."
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${auth[@]}" "$url")"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    errors="$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i} END {print n + 0}' <<<"$out")"
    rows+=("| $name | $status | $bytes | $rps | $p50 | $p99 | $errors |")
done

say "first views of each period × type (tallies computed) ..."
cold=()
for period in 2026-y 2026-h1 2025-y 2025-h1; do
    for kind in "" htx tht; do
        cold+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}' "$base/union/plan?period=$period&kind=$kind")")
    done
done
say "the 126-unit XLSX export, $EXPORTS times ..."
xlsx=()
for _ in $(seq 1 "$EXPORTS"); do
    xlsx+=("$(curl -s "${auth[@]}" -o "$work/plan.xlsx" -w '%{time_total}' "$base/union/plan/export?period=2026-y&format=xlsx")")
done
xlsx_bytes="$(wc -c <"$work/plan.xlsx" | tr -d ' ')"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

stats() { python3 -c 'import sys,statistics as s; v=[float(x)*1000 for x in sys.argv[1:]]; print(f"median {s.median(v):.1f} ms, max {max(v):.1f} ms (n={len(v)})")' "$@"; }
echo
echo "$engine, $coops cooperatives × 8 periods, page cache off, signed in as the city (admin), commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC'); wrk -t$THREADS -c$CONNECTIONS -d$DURATION after a $WARMUP warm-up; load average before $load_before, after $load_after"
echo
echo "| view | status | HTML bytes | requests/s | p50 ms | p99 ms | errors |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "- first view of a period × type (12 combinations, tallies computed): $(stats "${cold[@]}")"
echo "- 126-unit XLSX export ($xlsx_bytes bytes): $(stats "${xlsx[@]}")"
