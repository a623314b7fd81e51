#!/usr/bin/env bash
# Edit-to-searchable latency: serves the demo data (SQLite, embedded tantivy), then 10 times
# appends a random word to a listing's title directly in the database (the change log's
# trigger fires as for any write), and times until /api/v1/search returns that listing.
# Usage: KETNOI_BIN=target/release/ketnoi infra/bench/edit-latency.sh
set -euo pipefail
bin="${KETNOI_BIN:-target/release/ketnoi}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-edit.XXXXXX")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
DATA_DIR="$work" DATABASE_URL="sqlite:$work/k.db" BIND="127.0.0.1:$port" RUST_LOG=warn \
    "$bin" serve --demo >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$port" "$work/k.db" <<'PY'
import json, random, sqlite3, sys, time, urllib.parse, urllib.request
port, db = sys.argv[1], sys.argv[2]
def hits(word):
    u = f"http://127.0.0.1:{port}/api/v1/search?facets=0&limit=5&q=" + urllib.parse.quote(word)
    try:
        return json.load(urllib.request.urlopen(u))["hits"]
    except OSError:
        return []
deadline = time.time() + 60
while not hits("gốm"):  # the server is up and the demo data indexed
    if time.time() > deadline:
        sys.exit("the server did not index the demo data within 60 s")
    time.sleep(0.1)
c = sqlite3.connect(db, timeout=10)
rng = random.Random(7)
res = []
for i in range(10):
    # Random consonant strings: far apart, so typo tolerance cannot match an earlier one.
    word = "".join(rng.choice("bcfghjkpqvwxz") for _ in range(12))
    lid = 5 + i * 7
    c.execute("UPDATE listings SET title_vi = title_vi || ' ' || ? WHERE id = ?", (word, lid))
    c.commit()
    t = time.time()
    while not any(h["id"] == lid for h in hits(word)):
        time.sleep(0.005)
    res.append((time.time() - t) * 1000)
    time.sleep(rng.random() * 0.3)
s = sorted(res)
print("edit-to-searchable ms:", [round(x) for x in res], "median", round(s[len(s) // 2]), "max", round(s[-1]))
PY
