#!/usr/bin/env python3
"""Page weight as a phone downloads it: each page's HTML plus the CSS and JavaScript it
links, compressed as the server sends them to a browser that accepts brotli and gzip.

Usage: infra/bench/weight.py BASE_URL [COOKIE] PATH...
  BASE_URL  e.g. http://127.0.0.1:8080 (loopback only)
  COOKIE    optional `Cookie:` header value (kn_session=…; kn_csrf=…) to weigh signed-in pages
  PATH      pages to weigh, e.g. / /search?q=gom /cart

Prints a Markdown table: page, HTML bytes uncompressed, HTML bytes as sent, assets as sent,
total as sent, the encoding the server chose. Assets are counted once per page (a browser
caches them across pages; the figure is a first visit's).
"""
import re
import sys
import urllib.request

def fetch(url, cookie):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    if cookie:
        req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req) as r:
        return r.read(), r.headers.get("Content-Encoding") or "identity"

def plain(url, cookie):
    req = urllib.request.Request(url)
    if cookie:
        req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req) as r:
        return r.read()

def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    base = args[0].rstrip("/")
    if not re.match(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$", base):
        sys.exit("BASE_URL must be a loopback address")
    cookie = None
    if not args[1].startswith("/"):
        cookie, args = args[1], args[:1] + args[2:]
    print("| page | HTML bytes | HTML sent | CSS + JS sent | total sent | encoding |")
    print("|---|---:|---:|---:|---:|---|")
    for path in args[1:]:
        raw = plain(base + path, cookie)
        sent, enc = fetch(base + path, cookie)
        html = raw.decode("utf-8", "replace")
        assets = set(re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html))
        assets |= set(re.findall(r'<script[^>]+src="([^"]+)"', html))
        asset_bytes = 0
        for a in sorted(assets):
            if a.startswith("/"):
                body, _ = fetch(base + a, cookie)
                asset_bytes += len(body)
        print(f"| `{path}` | {len(raw)} | {len(sent)} | {asset_bytes} | {len(sent) + asset_bytes} | {enc} |")

if __name__ == "__main__":
    main()
