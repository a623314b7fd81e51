#!/usr/bin/env bash
# Page latency benchmark: builds Ketnoi (release), seeds the demo data scaled to
# LISTINGS published listings, serves it on a free loopback port, loads each public page
# with wrk and prints a Markdown table (page, URL, HTML bytes, requests/s, p50, p90, p99).
#
# Usage (from anywhere in a checkout):
#   infra/bench/pages.sh                      # SQLite in a temporary directory
#   DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench infra/bench/pages.sh
#                                             # PostgreSQL: use an EMPTY database; the
#                                             # script seeds it but never drops it
#
# Settings (environment, all optional):
#   CARGO_TARGET_DIR  where cargo builds (default: <repo>/target)
#   KETNOI_BIN        use this binary instead of building one
#   DATABASE_URL      postgres://… to measure PostgreSQL (default: SQLite in a temp dir)
#   LISTINGS          published listings to scale the demo data to   (default 10000)
#   THREADS           wrk threads                                     (default 2)
#   CONNECTIONS       wrk connections                                 (default 50)
#   DURATION          measured wrk run per URL                        (default 20s)
#   WARMUP            unmeasured wrk run before each URL              (default 5s)
#   RAW_DIR           keep wrk's raw output here (default: discarded with the temp dir)
#   PAGE_CACHE_SECONDS  the server's page cache lifetime (default 10; 0 measures without it)
#   SIGNED_IN         sign in as this user (e-mail or phone) and load every page with its
#                     session cookie, as a signed-in person (who never hits the page cache);
#                     e.g. SIGNED_IN=nguoimua@example.com, the demo buyer
#   PASSWORD          that user's password (default ketnoi-demo, the demo accounts')
#   PAGES             which rows: all (default) or target (directory, map, profile, listing:
#                     the four pages of the latency targets)
#
# Needs: cargo, curl, python3, wrk (Debian: apt-get install -y wrk).
# Only loopback (127.0.0.1) is ever loaded. The table goes to stdout, progress to stderr.
set -euo pipefail

LISTINGS="${LISTINGS:-10000}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-50}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-5s}"
PAGES="${PAGES:-all}"
[[ "$PAGES" == all || "$PAGES" == target ]] || { echo "PAGES must be all or target" >&2; exit 1; }

say() { printf '%s %s\n' "$(date -u +%T)" "$*" >&2; }
die() { say "pages.sh: $*"; exit 1; }

for tool in curl python3 wrk; do
    command -v "$tool" >/dev/null || die "$tool is required (wrk: apt-get install -y wrk)"
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
commit="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-bench.XXXXXX")"
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

# --- 2. Database and data -------------------------------------------------------------
export DATA_DIR="$work/data"
mkdir -p "$DATA_DIR"
if [[ -n "${DATABASE_URL:-}" ]]; then
    engine="PostgreSQL"
else
    engine="SQLite"
    export DATABASE_URL="sqlite:$DATA_DIR/k.db"
fi
export RUST_LOG="${RUST_LOG:-warn}"

say "seeding the demo data scaled to $LISTINGS listings ($engine) ..."
seed_start=$(date +%s)
# At info level the seed logs how many listings it copied.
RUST_LOG=info "$bin" seed --demo --listings "$LISTINGS" >&2
say "seeded in $(( $(date +%s) - seed_start )) s"

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

listing_id="$(curl -fsS "$base/api/v1/listings?page=5" |
    python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')"
say "listing page id: $listing_id"

# --- Signing in (SIGNED_IN) -----------------------------------------------------------
# As a browser does: GET /signin for the CSRF cookie and the form's hidden `csrf` field,
# POST the form, keep the session cookie it sets. wrk then sends both cookies on every
# request (-H 'Cookie: …'); curl (the size and status check) sends them too.
auth=()
who="anonymous"
if [[ -n "${SIGNED_IN:-}" ]]; then
    jar="$work/cookies.txt"
    csrf="$(curl -fsS -c "$jar" "$base/signin" |
        python3 -c 'import re,sys; m=re.search(r"name=\"csrf\" value=\"([^\"]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')"
    [[ -n "$csrf" ]] || die "no csrf field on /signin"
    code="$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' \
        --data-urlencode "csrf=$csrf" --data-urlencode "login=$SIGNED_IN" \
        --data-urlencode "password=${PASSWORD:-ketnoi-demo}" --data-urlencode "next=/" \
        "$base/signin")"
    [[ "$code" == 303 ]] || die "signing in as $SIGNED_IN answered $code (expected 303)"
    cookie="$(awk '$6 == "kn_session" || $6 == "kn_csrf" {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")"
    [[ "$cookie" == *kn_session=* ]] || die "signing in as $SIGNED_IN set no session cookie"
    auth=(-H "Cookie: $cookie")
    # The page must greet the user: otherwise the rows would measure an anonymous visit.
    curl -fsS "${auth[@]}" -o "$work/page.html" "$base/orgs"
    grep -q 'action="/signout"' "$work/page.html" ||
        die "signed in as $SIGNED_IN, but /orgs does not show the signed-in header"
    who="signed in as $SIGNED_IN"
    say "$who"
fi

# URL lists for the mixed rows: wrk requests them in turn (infra/bench/rotate.lua), so most
# requests ask for a page no one asked for within the page cache's lifetime.
[[ "$PAGES" == target ]] || say "listing every public listing, cooperative and directory view ..."
[[ "$PAGES" == target ]] || python3 - "$base" "$work" <<'PY'
import json, sys, urllib.request
base, work = sys.argv[1], sys.argv[2]
def items(path):
    page = 1
    while True:
        with urllib.request.urlopen(f"{base}{path}?page={page}") as r:
            got = json.load(r)["items"]
        if not got:
            return
        yield from got
        page += 1
listings = [f"/listings/{l['id']}" for l in items("/api/v1/listings")]
coops = [c for c in items("/api/v1/cooperatives")]
profiles = [f"/orgs/{c['slug']}" for c in coops]
views = ["/orgs", "/orgs?page=2", "/orgs/map", "/orgs?kind=htx", "/orgs?kind=tht"]
views += [f"/orgs?stars={n}" for n in (3, 4, 5)]
views += [f"/orgs?badge={b}" for b in ("vietgap", "organic", "women_managed")]
views += sorted({f"/orgs?sector={c['sector']}" for c in coops if c.get("sector")})
views += sorted({f"/orgs?commune={c['commune_code']}" for c in coops if c.get("commune_code")})
for name, paths in (("listings", listings), ("profiles", profiles), ("directory", views)):
    with open(f"{work}/{name}.txt", "w") as f:
        f.write("\n".join(paths) + "\n")
    print(f"{name}: {len(paths)} URLs", file=sys.stderr)
PY

pages=(
    "directory|/orgs"
    "directory (filtered)|/orgs?sector=gom_su"
    "directory map|/orgs/map"
    "profile|/orgs/htx-gom-su-men-lam-bat-trang"
    "listing|/listings/$listing_id"
    "listing list|/listings"
    "category|/categories/thu-cong"
    "directory, every view in turn|@directory"
    "profile, every cooperative in turn|@profiles"
    "listing, every listing in turn|@listings"
)
if [[ "$PAGES" == target ]]; then
    pages=(
        "directory|/orgs"
        "directory map|/orgs/map"
        "profile|/orgs/htx-gom-su-men-lam-bat-trang"
        "listing|/listings/$listing_id"
    )
fi

# --- 4. Load each page ----------------------------------------------------------------
# wrk prints latencies as e.g. 812.00us, 4.21ms, 1.02s; convert to milliseconds.
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

# Other work on the machine skews the numbers: report the load average around the run.
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
for entry in "${pages[@]}"; do
    name="${entry%%|*}"
    path="${entry#*|}"
    script=()
    if [[ "$path" == @* ]]; then
        # A list of URLs, requested in turn; the row shows how many and the largest page.
        list="$work/${path#@}.txt"
        script=(-s "$repo/infra/bench/rotate.lua")
        export ROTATE_PATHS="$list"
        url="$base"
        status=200
        bytes=0
        while read -r p; do
            code="$(curl -s "${auth[@]}" -o "$work/page.html" -w '%{http_code}' "$base$p")"
            [[ "$code" == 200 ]] || { status="$code"; say "WARNING: $p answered $code"; }
            b="$(wc -c <"$work/page.html" | tr -d ' ')"
            (( b > bytes )) && bytes="$b"
        done < <(head -n 200 "$list")
        path="$(wc -l <"$list" | tr -d ' ') URLs in turn"
        # Start cold: the URL check above filled the cache with the first 200 pages.
        sleep "${PAGE_CACHE_SECONDS:-10}"
    else
        url="$base$path"
        status="$(curl -s "${auth[@]}" -o "$work/page.html" -w '%{http_code}' "$url")"
        bytes="$(wc -c <"$work/page.html" | tr -d ' ')"
        [[ "$status" == 200 ]] || say "WARNING: $path answered $status"
        say "warming up $path ($WARMUP) ..."
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${auth[@]}" "$url" >/dev/null
    fi
    say "measuring $path ($DURATION) ..."
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${auth[@]}" "${script[@]}" "$url")"
    if [[ -n "${RAW_DIR:-}" ]]; then
        mkdir -p "$RAW_DIR"
        printf '%s\n' "$out" >"$RAW_DIR/$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '_').txt"
    fi
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    p90="$(to_ms "$(awk '$1 == "90%" {print $2}' <<<"$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    # Any non-2xx answer, socket error or timeout makes the row suspect: show it.
    errors="$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {
        gsub(/,/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i } END {print n + 0}' <<<"$out")"
    rows+=("| $name | \`$path\` | $status | $bytes | $rps | $p50 | $p90 | $p99 | $errors |")
    say "  $bytes bytes, $rps req/s, p50 $p50 ms, p90 $p90 ms, p99 $p99 ms, errors $errors"
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- 5. Report ------------------------------------------------------------------------
echo
echo "$engine, $who, commit $commit, page cache ${PAGE_CACHE_SECONDS:-10} s, $LISTINGS listings, wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up), $(date -u '+%Y-%m-%d %H:%M UTC'); load average before $load_before, after $load_after"
echo
echo "| page | URL | status | HTML bytes | requests/s | p50 ms | p90 ms | p99 ms | errors |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
