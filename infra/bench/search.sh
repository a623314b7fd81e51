#!/usr/bin/env bash
# Search API benchmark: seeds the demo data grown to LISTINGS listings (SQLite), rebuilds the
# search index (`ketnoi reindex`), serves it on a free loopback port and loads
# /api/v1/search with wrk, asking every query of the relevance set in turn. Prints a
# Markdown table and the server's resident memory (peak and at the end).
#
# Usage: infra/bench/search.sh        (settings below, all optional, from the environment)
#   CARGO_TARGET_DIR, KETNOI_BIN   as in pages.sh
#   LISTINGS      listings to grow the demo data to   (default 100000)
#   CONNECTIONS   wrk connections                      (default 64)
#   THREADS       wrk threads                          (default 2)
#   DURATION      measured wrk run                     (default 30s)
#   FACETS        1: the API counts facets (default); 0: asks with facets=0
#   QUERY_SET     relevance (the 82 hand-judged queries, default) or generated (the 505
#                 queries generated from the catalogue: more distinct words, so fewer of
#                 them meet query units the server has kept)
#   SEARCH_UNIT_CACHE_MB  the server's query-unit cache (default 256; 0: off)
#   SEARCH_CACHE_ENTRIES  the server's answer cache (default 10000; 0: off, every request
#                 runs the query)
# Needs: cargo, curl, python3, wrk.
set -euo pipefail

LISTINGS="${LISTINGS:-100000}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-30s}"
FACETS="${FACETS:-1}"
QUERY_SET="${QUERY_SET:-relevance}"
[[ -f "$(dirname "${BASH_SOURCE[0]}")/../../data/search/$QUERY_SET.json" ]] || { echo "no query set $QUERY_SET" >&2; exit 1; }

say() { printf '%s %s\n' "$(date -u +%T)" "$*" >&2; }
die() { say "search.sh: $*"; exit 1; }
for tool in curl python3 wrk; do command -v "$tool" >/dev/null || die "$tool is required"; done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
commit="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-search-bench.XXXXXX")"
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
    target="${CARGO_TARGET_DIR:-$repo/target}"
    say "building ketnoi (release) into $target ..."
    (cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --release -p ketnoi >&2)
    bin="$target/release/ketnoi"
fi

export DATA_DIR="$work/data" DATABASE_URL="sqlite:$work/data/k.db" RUST_LOG="${RUST_LOG:-warn}"
mkdir -p "$DATA_DIR"
say "seeding $LISTINGS listings ..."
t0=$(date +%s)
"$bin" seed --demo --listings "$LISTINGS" >&2
say "seeded in $(( $(date +%s) - t0 )) s; rebuilding the search index ..."
t0=$(date +%s.%N)
RUST_LOG=info "$bin" reindex 2>&1 | tail -n 1 >&2
t1=$(date +%s.%N)
say "reindex took $(python3 -c "print(f'{$t1 - $t0:.1f}')") s (process start and database reads included)"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
BIND="127.0.0.1:$port" "$bin" serve --no-worker >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited"; }
    sleep 0.5
done

# Every relevance-set query as an API URL (filters included), requested in turn.
python3 - "$repo/data/search/$QUERY_SET.json" "$FACETS" >"$work/queries.txt" <<'PY'
import json, sys, urllib.parse
names = {"kind": "type", "offer_kind": "kind", "commune_code": "commune", "min_stars": "stars",
         "certification": "cert", "price_max": "price_max", "max_min_order": "min_order",
         "in_season": "season", "women_managed": "women", "category": "category"}
for q in json.load(open(sys.argv[1]))["queries"]:
    params = {"q": q["q"], "limit": "20"}
    if sys.argv[2] == "0":
        params["facets"] = "0"
    for k, v in q.get("filters", {}).items():
        if v is None:
            continue
        params[names[k]] = "1" if v is True else str(v)
    print("/api/v1/search?" + urllib.parse.urlencode(params))
PY
say "$(wc -l <"$work/queries.txt") query URLs; checking each answers 200 ..."
while read -r p; do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$base$p")"
    [[ "$code" == 200 ]] || die "$p answered $code"
done <"$work/queries.txt"

export ROTATE_PATHS="$work/queries.txt"
say "warming up (5s) ..."
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$repo/infra/bench/rotate.lua" "$base" >/dev/null
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
say "measuring ($DURATION) ..."
out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$repo/infra/bench/rotate.lua" "$base")"
rss_now="$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$server_pid/status")"
rss_peak="$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$server_pid/status")"
printf '%s\n' "$out" >&2
rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
lat() { awk -v p="$1" '$1 == p {print $2}' <<<"$out"; }
errors="$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i} END {print n + 0}' <<<"$out")"
echo
echo "SQLite + tantivy, commit $commit, $LISTINGS listings, wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency over $(wc -l <"$work/queries.txt") $QUERY_SET-set queries in turn (facets $([[ "$FACETS" == 0 ]] && echo skipped || echo counted); answer cache ${SEARCH_CACHE_ENTRIES:-10000} entries$([[ "${SEARCH_CACHE_ENTRIES:-10000}" == 0 ]] && echo ", off"); unit cache ${SEARCH_UNIT_CACHE_MB:-256} MiB), $(date -u '+%Y-%m-%d %H:%M UTC'); load average before $load_before"
echo
echo "| requests/s | p50 | p90 | p99 | errors | server RSS now / peak (MiB) |"
echo "|---:|---:|---:|---:|---:|---:|"
echo "| $rps | $(lat 50%) | $(lat 90%) | $(lat 99%) | $errors | $rss_now / $rss_peak |"
