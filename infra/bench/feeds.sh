#!/bin/bash
# Product feed benchmark (issue 21): 100,000 listings on SQLite, each given one photo.
set -e
BIN=${KETNOI_BIN:-target/release/ketnoi}
D=/tmp/feeds100k
export DATA_DIR=$D DATABASE_URL=sqlite:$D/k.db BIND=127.0.0.1:18721 PUBLIC_URL=http://127.0.0.1:18721
export SECRET_KEY=feeds-bench-secret-0123456789abcdefghijklmnopqrstuv
rm -rf $D; mkdir -p $D
/usr/bin/time -f 'seed %e s' $BIN seed --demo --listings 100000 > $D/seed.log 2>&1
python3 - <<'PY'
import sqlite3, datetime
c = sqlite3.connect('/tmp/feeds100k/k.db')
now = datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%S.%fZ')
key = '0' * 63 + '1'
c.execute("INSERT OR IGNORE INTO media (storage_key, content_type, width, height, byte_size, org_id, created_at) VALUES (?, 'image/jpeg', 800, 600, 1000, NULL, ?)", (key, now))
c.execute("INSERT INTO listing_photos (listing_id, position, media_key) SELECT id, 0, ? FROM listings WHERE id NOT IN (SELECT listing_id FROM listing_photos)", (key,))
c.commit()
print('listings', c.execute('SELECT COUNT(*) FROM listings').fetchone()[0], 'with photos', c.execute('SELECT COUNT(DISTINCT listing_id) FROM listing_photos').fetchone()[0])
PY
/usr/bin/time -f 'reindex %e s' $BIN reindex > $D/reindex.log 2>&1 || true
$BIN serve > $D/serve.log 2>&1 &
PID=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:18721/healthz >/dev/null && break; sleep 0.2; done
sleep 5
mem() { grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s ' ' | tr '\n' ' '; echo; }
echo "server pid $PID; before: $(mem)"
for run in 1 2 3; do
  for f in google.xml google.tsv meta.csv; do
    t=$(curl -s -o $D/out.$f -w '%{time_total} %{size_download}' http://127.0.0.1:18721/feeds/$f)
    echo "run $run $f: $t s/bytes; $(mem)"
  done
done
t=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_total} %{size_download}' http://127.0.0.1:18721/feeds/google.xml)
echo "gzip google.xml: $t; $(mem)"
E=$(curl -s -D - -o /dev/null http://127.0.0.1:18721/feeds/google.xml | grep -i '^etag' | cut -d' ' -f2 | tr -d '\r')
t=$(curl -s -o /dev/null -H "If-None-Match: $E" -w '%{http_code} %{time_total}' http://127.0.0.1:18721/feeds/google.xml)
echo "304: $t"
echo "items: xml $(grep -c '<item>' $D/out.google.xml) tsv $(($(wc -l < $D/out.google.tsv)-1)) csv $(python3 -c "import csv;print(sum(1 for _ in csv.reader(open('$D/out.meta.csv')))-1)")"
python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse('$D/out.google.xml'); print('xml parses (python minidom)')"
t=$(curl -s -o /dev/null -w '%{time_total}' http://127.0.0.1:18721/orgs/htx-gom-su-men-lam-bat-trang/feeds/google.xml)
echo "one cooperative google.xml: $t s"
echo "after: $(mem)"
kill $PID; wait $PID 2>/dev/null || true
