#!/usr/bin/env bash
# Runs schemathesis over the whole OpenAPI document against a server with the demo data: once anonymous, once signed in as a buyer, once as a cooperative owner. Fails
# on any server error or any answer the document does not describe (status, content type,
# headers, body schema).
#
#   infra/ci/schemathesis.sh            # from the repository root; builds first
#   ST_MAX_EXAMPLES=300 ST_SEED=7 infra/ci/schemathesis.sh
#   ST_CHECKS=all infra/ci/schemathesis.sh     # every check schemathesis has, not only the ones CI needs
#   ST_NO_BUILD=1 infra/ci/schemathesis.sh   # the binary is already built
#   ST_PROFILE=debug infra/ci/schemathesis.sh  # the test build's binary (what .ci/run does:
#                                            # `cargo test` built it, so no second build)
#
# Needs `schemathesis` (pip install "schemathesis==4.32.*"; .ci/run installs it) and curl.
# The server runs on 127.0.0.1 on a free port with its data in a temporary directory; both
# go away when the script exits, however it exits.
set -euo pipefail
cd "$(dirname "$0")/../.."

max_examples="${ST_MAX_EXAMPLES:-100}"
seed="${ST_SEED:-20261206}"
# As a module, so that a `pip install --user` (scripts off PATH) works too.
st=(python3 -m schemathesis.cli)
"${st[@]}" --version >/dev/null 2>&1 || {
  echo "schemathesis not found: python3 -m pip install 'schemathesis==4.32.*'" >&2
  exit 2
}

profile="${ST_PROFILE:-release}"
case "$profile" in
  release) build=(cargo build --release -p ketnoi --locked) ;;
  debug) build=(cargo build -p ketnoi --locked) ;;
  *) echo "ST_PROFILE is release or debug, not $profile" >&2; exit 2 ;;
esac
if [ "${ST_NO_BUILD:-}" != 1 ]; then
  echo "== schemathesis: building the server ($profile)"
  "${build[@]}"
fi
bin="${CARGO_TARGET_DIR:-target}/$profile/ketnoi"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
mkdir -p "$work/data"
echo "== schemathesis: starting the server on $base (logs: server.log on failure)"
DATA_DIR="$work/data" DATABASE_URL="sqlite:$work/data/ketnoi.db" BIND="127.0.0.1:$port" \
  RUST_LOG=warn "$bin" serve --demo >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || {
    cat "$work/server.log" >&2
    echo "the server exited before it was ready" >&2
    exit 1
  }
  sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null || {
  cat "$work/server.log" >&2
  echo "the server was not ready after 60 s" >&2
  exit 1
}

# The session cookie of a demo account: the API takes JSON only, so no CSRF token is needed.
session_of() {
  curl -fsS -o /dev/null -c - -H 'Content-Type: application/json' \
    -d "{\"login\": \"$1\", \"password\": \"ketnoi-demo\"}" "$base/api/v1/session" |
    awk '$6 == "kn_session" { print $7 }'
}

checks="${ST_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}"
failed=0
# run NAME CONFIG_FILE [options of `st run`...]
run() {
  local name="$1" config="$2"
  shift 2
  echo "== schemathesis: $name"
  # From the temporary directory, where schemathesis keeps its cache and replay files.
  if ! (cd "$work" && "${st[@]}" --config-file "$config" run "$base/api/v1/openapi.json" "$@" \
    --checks "$checks" --mode all --max-examples "$max_examples" --seed "$seed" \
    --workers 1 --request-timeout 30 --generation-database none \
    --suppress-health-check all --no-color \
    --report junit --report-dir "$work/report-$name"); then
    failed=1
  fi
}

# The demo accounts sign in first: the anonymous run's sign-in attempts use up the per-IP
# limit, after which signing in answers 429 for a while.
buyer="$(session_of nguoimua@example.com)"
owner="$(session_of htx.menlam@example.com)"
[ -n "$buyer" ] && [ -n "$owner" ] || {
  echo "could not sign in the demo accounts" >&2
  exit 1
}

# Anonymous: every operation, sessions included (no cookie, so signing out answers 401).
: >"$work/anonymous.toml"
run anonymous "$work/anonymous.toml"

# Signed in: every operation with the account's cookie, except signing out (which would end
# the session the rest of the run uses). The owner's cooperative and one of its listings are
# the path parameters of the cooperative's operations, so they reach the handlers.
slug=htx-gom-su-men-lam-bat-trang
listing="$(curl -fsS "$base/api/v1/listings?cooperative=$slug" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')"
cat >"$work/signed-in.toml" <<EOF
[parameters]
"path.slug" = "$slug"

[[operations]]
include-path = "/api/v1/orgs/{slug}/listings/{id}"
parameters = { "path.id" = $listing }

[[operations]]
include-path = "/api/v1/orgs/{slug}/listings/{id}/status"
parameters = { "path.id" = $listing }
EOF
for who in buyer owner; do
  cookie="${!who}"
  run "signed-in-$who" "$work/signed-in.toml" \
    -H "Cookie: kn_session=$cookie" --exclude-operation-id delete_session
done

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server died during the run" >&2
  failed=1
fi
if [ "$failed" != 0 ]; then
  echo "== schemathesis found problems; the server's log:" >&2
  tail -n 200 "$work/server.log" >&2
  exit 1
fi
echo "== schemathesis: no server errors, every answer as documented"
