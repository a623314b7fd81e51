#!/usr/bin/env bash
# Trace page benchmark (issue 18: a stamp's trace page p99 ≤ 10 ms at 50 connections with
# the page cache off, with 1,000,000 stamps in the database; HTML ≤ 30 KB). Builds Ketnoi
# (release), seeds the demo data, serves it on a free loopback port with the page cache
# off, signs in as the demo cooperative's owner and, through the cooperative's own pages,
# makes a product traceable (when none is), creates LOTS lots and STAMPS stamps on each
# (1,000,000 by default, timing each POST), then loads one stamp's public URI (its GS1
# Digital Link, in the middle of the last lot) with wrk, and the same lot's page without a
# serial. Prints a Markdown table (page, URL, HTML bytes, requests/s, p50, p90, p99).
#
# Every request to a stamp's URI queues a scan, which a background writer in the server
# records in batches (`ketnoi_app::trace::ScanRecorder`): that work is part of what is
# measured. The report says how many scans the stamp shows afterwards, and whether the
# server's log says the scan queue overflowed.
#
# Usage (from anywhere in a checkout):
#   infra/bench/trace.sh                      # SQLite in a temporary directory
#   DATABASE_URL=postgres://postgres@127.0.0.1:55441/bench infra/bench/trace.sh
#                                             # PostgreSQL: use an EMPTY database; the
#                                             # script seeds it but never drops it
#
# Settings (environment, all optional):
#   CARGO_TARGET_DIR  where cargo builds (default: <repo>/target)
#   KETNOI_BIN        use this binary instead of building one
#   DATABASE_URL      postgres://… to measure PostgreSQL (default: SQLite in a temp dir)
#   LOTS              lots to create                                  (default 10)
#   STAMPS            stamps per lot, in one request (at most 100000) (default 100000)
#   SERIAL            the stamp of the last lot to load              (default 054321)
#   OWNER             who signs in (default htx.menlam@example.com, the demo cooperative's)
#   PASSWORD          her password (default ketnoi-demo)
#   THREADS           wrk threads                                     (default 2)
#   CONNECTIONS       wrk connections                                 (default 50)
#   DURATION          measured wrk run per URL                        (default 20s)
#   WARMUP            unmeasured wrk run before each URL              (default 5s)
#   RAW_DIR           keep wrk's raw output and the server log here
#   KEEP_DATA         move the data directory (the SQLite database) here at the end, for
#                     a look at the query plans afterwards (replaced if it exists)
#
# Needs: cargo, curl, python3, wrk (Debian: apt-get install -y wrk).
# Only loopback (127.0.0.1) is ever loaded. The table goes to stdout, progress to stderr.
set -euo pipefail

LOTS="${LOTS:-10}"
STAMPS="${STAMPS:-100000}"
SERIAL="${SERIAL:-054321}"
OWNER="${OWNER:-htx.menlam@example.com}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-50}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-5s}"

say() { printf '%s %s\n' "$(date -u +%T)" "$*" >&2; }
die() { say "trace.sh: $*"; exit 1; }

for tool in curl python3 wrk; do
    command -v "$tool" >/dev/null || die "$tool is required (wrk: apt-get install -y wrk)"
done
[[ "$SERIAL" =~ ^[0-9]{6}$ ]] || die "SERIAL must be six digits"
(( 10#$SERIAL >= 1 && 10#$SERIAL <= STAMPS )) || die "SERIAL $SERIAL is not among the $STAMPS stamps of a lot"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
commit="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-trace.XXXXXX")"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "${RAW_DIR:-}" && -f "$work/server.log" ]]; then
        mkdir -p "$RAW_DIR"
        cp "$work/server.log" "$RAW_DIR/${engine:-unknown}-server.log"
    fi
    if [[ -n "${KEEP_DATA:-}" && -d "$work/data" ]]; then
        rm -rf "$KEEP_DATA" && mv "$work/data" "$KEEP_DATA"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. Build -------------------------------------------------------------------------
if [[ -n "${KETNOI_BIN:-}" ]]; then
    bin="$KETNOI_BIN"
else
    target="${CARGO_TARGET_DIR:-$repo/target}"
    say "building ketnoi (release) into $target ..."
    (cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --release -p ketnoi >&2)
    bin="$target/release/ketnoi"
fi
[[ -x "$bin" ]] || die "no binary at $bin"

# --- 2. Database and demo data --------------------------------------------------------
export DATA_DIR="$work/data"
mkdir -p "$DATA_DIR"
if [[ -n "${DATABASE_URL:-}" ]]; then
    engine="PostgreSQL"
else
    engine="SQLite"
    export DATABASE_URL="sqlite:$DATA_DIR/k.db"
fi
export RUST_LOG="${RUST_LOG:-warn}" PAGE_CACHE_SECONDS=0

say "seeding the demo data ($engine) ..."
"$bin" seed --demo >&2

# --- 3. Serve on a free port ----------------------------------------------------------
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
BIND="127.0.0.1:$port" "$bin" serve --no-worker >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited"; }
    sleep 0.5
done
curl -fsS -o /dev/null "$base/healthz" || die "server did not answer /healthz within 60 s"
say "serving on $base (pid $server_pid)"

# --- 4. Sign in as the cooperative's owner --------------------------------------------
# As a browser does: GET /signin for the CSRF cookie and the form's hidden `csrf` field,
# POST the form, keep the session cookie. Every form below sends the same token.
jar="$work/cookies.txt"
field() { # field NAME FILE: the value of the first <input name=NAME value=…> in FILE
    python3 - "$1" "$2" <<'PY'
import html, re, sys
m = re.search(r'name="%s" value="([^"]*)"' % re.escape(sys.argv[1]), open(sys.argv[2]).read())
print(html.unescape(m.group(1)) if m else "")
PY
}
curl -fsS -c "$jar" -o "$work/signin.html" "$base/signin"
csrf="$(field csrf "$work/signin.html")"
[[ -n "$csrf" ]] || die "no csrf field on /signin"
code="$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' \
    --data-urlencode "csrf=$csrf" --data-urlencode "login=$OWNER" \
    --data-urlencode "password=${PASSWORD:-ketnoi-demo}" --data-urlencode "next=/" \
    "$base/signin")"
[[ "$code" == 303 ]] || die "signing in as $OWNER answered $code (expected 303)"
get() { curl -fsS -b "$jar" -c "$jar" -o "$2" "$base$1"; }
# post PATH FIELD=VALUE…: prints "<status> <redirect URL>"; CSRF token added.
post() {
    local path="$1"; shift
    local args=(--data-urlencode "csrf=$csrf")
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -sS -b "$jar" -c "$jar" -o "$work/post.html" -w '%{http_code} %{redirect_url}\n' \
        "${args[@]}" "$base$path"
}

# /my sends the owner of one cooperative straight to its management page, and lists them
# when she manages several (then the first is taken).
landed="$(curl -fsS -L -b "$jar" -c "$jar" -o "$work/my.html" -w '%{url_effective}' "$base/my")"
slug="$(python3 - "$landed" "$work/my.html" <<'PY'
import re, sys
m = re.search(r"/orgs/([^/?\"]+)/manage", sys.argv[1]) or \
    re.search(r'href="/orgs/([^/"]+)/manage"', open(sys.argv[2]).read())
print(m.group(1) if m else "")
PY
)"
[[ -n "$slug" ]] || die "$OWNER manages no cooperative (no /orgs/…/manage link on /my)"
say "signed in as $OWNER, cooperative $slug"

# --- 5. A traceable product, LOTS lots, STAMPS stamps on each -------------------------
get "/orgs/$slug/trace" "$work/trace.html"
# The forms' token once signed in (the one from /signin may not outlive the sign-in).
csrf="$(field csrf "$work/trace.html")"
[[ -n "$csrf" ]] || die "no csrf field on /orgs/$slug/trace"
product="$(python3 -c 'import re,sys; m=re.search(r"/orgs/[^/\"]+/lots/new\?product=(\d+)", open(sys.argv[1]).read()); print(m.group(1) if m else "")' "$work/trace.html")"
if [[ -z "$product" ]]; then
    listing="$(python3 -c 'import re,sys; s=open(sys.argv[1]).read(); m=re.search(r"name=\"listing_id\">\s*<option value=\"(\d+)\"", s); print(m.group(1) if m else "")' "$work/trace.html")"
    [[ -n "$listing" ]] || die "no traceable product and no listing to make traceable on /orgs/$slug/trace"
    read -r status _ < <(post "/orgs/$slug/trace/products" "listing_id=$listing" "gtin=")
    [[ "$status" == 303 ]] || die "making listing $listing traceable answered $status"
    product="$listing"
    say "made listing $listing traceable"
fi
say "product (listing) $product"

today="$(TZ=Asia/Ho_Chi_Minh date +%F)"
stamp_times=()
lot_id=""
for i in $(seq 1 "$LOTS"); do
    lot_code="$(printf 'BENCH-%02d' "$i")"
    read -r status location < <(post "/orgs/$slug/lots" "product=$product" "code=$lot_code" \
        "produced_on=$today" "expires_on=" "quantity=$STAMPS" "commune=" "note=" "input_links=")
    [[ "$status" == 303 ]] || die "creating lot $lot_code answered $status"
    lot_id="$(sed -E 's#.*/lots/([0-9]+).*#\1#' <<<"$location")"
    [[ "$lot_id" =~ ^[0-9]+$ ]] || die "no lot id in $location"
    t0="$(date +%s.%N)"
    read -r status _ < <(post "/orgs/$slug/lots/$lot_id/stamps" "count=$STAMPS")
    t1="$(date +%s.%N)"
    [[ "$status" == 303 ]] || die "$STAMPS stamps on lot $lot_code answered $status"
    stamp_times+=("$(python3 -c "print(f'{$t1 - $t0:.3f}')")")
    say "lot $lot_code (id $lot_id): $STAMPS stamps in ${stamp_times[-1]} s"
done
total_stamps=$(( LOTS * STAMPS ))

# The last lot's public page, as its page links it, and one of its stamps.
get "/orgs/$slug/lots/$lot_id" "$work/lot.html"
lot_path="$(python3 -c 'import html,re,sys; m=re.search(r"href=\"([^\"]+)\" data-testid=\"lot-public\"", open(sys.argv[1]).read()); print(html.unescape(m.group(1)) if m else "")' "$work/lot.html")"
[[ "$lot_path" == /* ]] || die "no lot-public link on the lot page"
stamp_path="$lot_path/21/$SERIAL"
last_path="$lot_path/21/$(printf '%06d' "$STAMPS")"
code="$(curl -s -o /dev/null -w '%{http_code}' "$base$last_path")"
[[ "$code" == 200 ]] || die "the last stamp $last_path answered $code"
say "stamp URI $stamp_path"

# --- 6. Load the stamp's and the lot's page (anonymous, as a buyer scanning) ----------
to_ms() {
    python3 - "$1" <<'PY'
import re, sys
m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", sys.argv[1])
if not m:
    print(sys.argv[1]); sys.exit()
v, u = float(m.group(1)), m.group(2)
print(f"{v * {'us': 0.001, 'ms': 1, 's': 1000, 'm': 60000}[u]:.2f}")
PY
}
scans_of() { # the scan count a stamp's page shows
    # (a first scan reads "Lần đầu …", no digits: 0; a flagged stamp shows no count: ?)
    curl -fsS "$base$1" | python3 -c 'import re,sys; m=re.search(r"data-testid=\"trace-scans\">([^<]*)<", sys.stdin.read()); print((re.sub(r"\D", "", m.group(1)) or "0") if m else "?")'
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
stamp_requests=0
scans_before="$(scans_of "$stamp_path")"
# The third row: every request a random stamp of the lot (each one a scan of its own stamp,
# so the writer stores a row for each, as when many buyers scan many products).
cat >"$work/spread.lua" <<LUA
math.randomseed(42)
request = function()
    return wrk.format(nil, string.format("$lot_path/21/%06d", math.random(1, $STAMPS)))
end
LUA
spread_path="$lot_path/21/{random of $STAMPS}"
for entry in "stamp (a scan is counted)|$stamp_path" "lot (no serial, no scan)|$lot_path" \
    "random stamps of the lot (a scan each)|$spread_path"; do
    name="${entry%%|*}"
    path="${entry#*|}"
    url="$base$path"
    script=()
    if [[ "$path" == "$spread_path" ]]; then
        url="$base$stamp_path"
        script=(-s "$work/spread.lua")
    fi
    status="$(curl -s -o "$work/page.html" -w '%{http_code}' "$url")"
    bytes="$(wc -c <"$work/page.html" | tr -d ' ')"
    [[ "$status" == 200 ]] || say "WARNING: $path answered $status"
    say "warming up $path ($WARMUP) ..."
    warm="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${script[@]}" "$url")"
    say "measuring $path ($DURATION) ..."
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${script[@]}" "$url")"
    if [[ -n "${RAW_DIR:-}" ]]; then
        mkdir -p "$RAW_DIR"
        printf '%s\n' "$out" >"$RAW_DIR/$engine-$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '_').txt"
    fi
    if [[ "$path" == "$stamp_path" ]]; then
        stamp_requests=$(( $(awk '/requests in/ {print $1}' <<<"$warm") + $(awk '/requests in/ {print $1}' <<<"$out") + 2 ))
        sleep 2 # the writer's last batch
        scans_after="$(scans_of "$stamp_path")"
        dropped_single="$(grep -c 'scan queue full' "$work/server.log" || true)"
    fi
    if [[ "$path" == "$spread_path" ]]; then
        spread_requests=$(( $(awk '/requests in/ {print $1}' <<<"$warm") + $(awk '/requests in/ {print $1}' <<<"$out") + 1 ))
    fi
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    p90="$(to_ms "$(awk '$1 == "90%" {print $2}' <<<"$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    errors="$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {
        gsub(/,/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i } END {print n + 0}' <<<"$out")"
    rows+=("| $name | \`$path\` | $status | $bytes | $rps | $p50 | $p90 | $p99 | $errors |")
    say "  $bytes bytes, $rps req/s, p50 $p50 ms, p90 $p90 ms, p99 $p99 ms, errors $errors"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
sleep 5 # the writer's last batches
dropped="$(grep -c 'scan queue full' "$work/server.log" || true)"
dropped_last="$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | grep -o 'dropped=[0-9]*' | tail -1 | cut -d= -f2 || true)"
counted="?"
[[ "$scans_before$scans_after" =~ ^[0-9]+$ && "$scans_before" != "?" ]] && counted=$(( scans_after - scans_before ))
stats() { python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1:]]; print(f"median {s.median(v):.2f} s, min {min(v):.2f} s, max {max(v):.2f} s (n={len(v)})")' "$@"; }

# --- 7. Report ------------------------------------------------------------------------
echo
echo "$engine, $total_stamps stamps ($LOTS lots × $STAMPS), page cache off, anonymous, commit $commit, wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up), $(date -u '+%Y-%m-%d %H:%M UTC'); load average before $load_before, after $load_after"
echo
echo "| page | URL | status | HTML bytes | requests/s | p50 ms | p90 ms | p99 ms | errors |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "- $STAMPS stamps per \`POST /orgs/$slug/lots/{id}/stamps\` (curl, request to redirect): $(stats "${stamp_times[@]}")"
echo "- scans counted: the stamp's page showed $scans_before before the load and $scans_after after it, $counted counted of the $stamp_requests requests to it in between; server log lines \"scan queue full\": $dropped_single"
echo "- random stamps: $spread_requests requests, each a scan of one of $STAMPS stamps; server log lines \"scan queue full\" by the end: $dropped (the last says dropped=${dropped_last:-0}; the server logs the first drop and every 10,000th)"
