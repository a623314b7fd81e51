#!/usr/bin/env python3
"""Screenshot tour: every page of the four demo roles, at phone and desktop widths.

Builds Ketnoi (debug), runs `ketnoi serve --demo` in a temporary directory on a free
loopback port, signs in as each demo account (and visits as an anonymous visitor), saves
each page and screenshots it with headless Chromium at 390×844 and 1366×900. Look at the
PNGs before a change to a page lands.

    infra/tour/tour.py [OUT_DIR]        # default: target/tour

Environment: KETNOI_BIN (use this binary instead of building), CHROMIUM (default
`chromium`). Needs python3, cargo and Chromium. Writes OUT_DIR/<role>/<NN>-<page>-<width>.png
and OUT_DIR/index.html, a contact sheet of them all.
"""
import html
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "ketnoi-demo"
SIZES = [("phone", "390,844"), ("desktop", "1366,900")]
OWNER_ORG = "htx-gom-su-men-lam-bat-trang"

# (role, login or None, pages). `{listing}` (any public listing), `{own_listing}` (one of the
# owner's) and `{order}` (the buyer's newest) are filled in from the demo data once the
# server runs.
ROLES = [
    ("anonymous", None, [
        "/", "/orgs", "/orgs/map", f"/orgs/{OWNER_ORG}", "/listings", "/listings/{listing}",
        "/categories/thu-cong", "/search?q=gom+men+lam", "/search?q=zzzz", "/events",
        "/events?when=past", "/search?q=hoi+cho+tet",
        "/signin", "/signup", "/password/forgot", "/khong-co-trang-nay",
        "/about", "/terms", "/privacy",
    ]),
    ("buyer", "nguoimua@example.com", [
        "/", "/listings/{listing}", "/cart", "/orders", "/orders/{order}", "/conversations",
        "/account", "/orgs/new", "/favourites", "/my/tickets",
    ]),
    ("owner", "htx.menlam@example.com", [
        "/my", f"/orgs/{OWNER_ORG}/manage", f"/orgs/{OWNER_ORG}/orders", "/orders/{order}",
        f"/orgs/{OWNER_ORG}/profile", f"/orgs/{OWNER_ORG}/listings/new",
        f"/orgs/{OWNER_ORG}/listings/{{own_listing}}", f"/orgs/{OWNER_ORG}/bank",
        f"/orgs/{OWNER_ORG}/members", "/conversations", "/network", "/account",
        f"/orgs/{OWNER_ORG}/reports", f"/orgs/{OWNER_ORG}/reports/2026-y", "/my/tickets",
    ]),
    ("officer", "canbo.battrang@example.com", [
        "/union", "/union/badges", "/union/announcements", "/union/network", "/union/reports",
        "/union/payouts", "/union/imports", f"/union/audit/{OWNER_ORG}", "/network",
        "/union/plan", "/union/plan/htx-gom-moc-sen-hong/2026-y", "/union/plan/unit-report",
        f"/union/support/{OWNER_ORG}", "/union/training", "/union/events/new",
    ]),
    ("admin", "admin@example.com", [
        "/admin/users", "/union", "/account", "/admin/plan", "/union/plan",
        "/union/plan?period=2026-y&unit=00577", "/union/plan/unit-report?unit=00577&period=2026-y",
        "/union/training", "/union/events/new",
    ]),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def binary():
    if os.environ.get("KETNOI_BIN"):
        return os.environ["KETNOI_BIN"]
    subprocess.run(["cargo", "build", "-p", "ketnoi"], cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    return os.path.join(target, "debug", "ketnoi")


def session(base, login):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    if login:
        page = opener.open(base + "/signin").read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrf": csrf, "login": login, "password": PASSWORD, "next": "/"}).encode()
        try:
            opener.open(base + "/signin", form)
        except urllib.error.HTTPError as e:
            if e.code != 303:
                raise SystemExit(f"signing in as {login}: HTTP {e.code}")
    return opener


def fetch(opener, url):
    try:
        with opener.open(url) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307, 308):
            target = urllib.parse.urljoin(url, e.headers.get("location", "/"))
            return fetch(opener, target)
        return e.code, e.read().decode("utf-8", "replace")


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "target", "tour"))
    chromium = os.environ.get("CHROMIUM", "chromium")
    if not shutil.which(chromium):
        raise SystemExit(f"{chromium} not found (Debian: apt-get install chromium)")
    bin_path = binary()
    work = tempfile.mkdtemp(prefix="ketnoi-tour-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATA_DIR=work, DATABASE_URL=f"sqlite:{work}/k.db",
               BIND=f"127.0.0.1:{port}", RUST_LOG="warn")
    server = subprocess.Popen([bin_path, "serve", "--demo"], env=env,
                              stdout=open(os.path.join(work, "server.log"), "w"),
                              stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(open(os.path.join(work, "server.log")).read())
                time.sleep(0.5)
        else:
            raise SystemExit("the server did not start within 2 minutes")
        anon = session(base, None)
        _, listings = fetch(anon, base + "/api/v1/listings")
        listing = re.search(r'"id":\s*(\d+)', listings).group(1)
        buyer = session(base, "nguoimua@example.com")
        _, orders = fetch(buyer, base + "/orders")
        order = (re.findall(r'href="/orders/(\d+)"', orders) or ["1"])[0]
        _, manage = fetch(session(base, "htx.menlam@example.com"), f"{base}/orgs/{OWNER_ORG}/manage")
        own_listing = re.search(rf'href="/orgs/{OWNER_ORG}/listings/(\d+)"', manage).group(1)
        shots = []
        for role, login, pages in ROLES:
            opener = session(base, login)
            os.makedirs(os.path.join(out, role), exist_ok=True)
            for n, page in enumerate(pages):
                path = page.format(listing=listing, order=order, own_listing=own_listing)
                status, body = fetch(opener, base + path)
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                stem = os.path.join(out, role, f"{n:02d}-{name}")
                saved = body.replace("<head>", f'<head><base href="{base}/">', 1)
                with open(stem + ".html", "w") as f:
                    f.write(saved)
                for label, size in SIZES:
                    png = f"{stem}-{label}.png"
                    profile = tempfile.mkdtemp(prefix="ketnoi-tour-chromium-")
                    subprocess.run(
                        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                         "--hide-scrollbars", f"--user-data-dir={profile}",
                         f"--window-size={size}", f"--screenshot={png}", "file://" + stem + ".html"],
                        capture_output=True, timeout=60)
                    shutil.rmtree(profile, ignore_errors=True)
                    shots.append((role, path, status, label, os.path.relpath(png, out)))
                print(f"{role:9} {status} {path}", file=sys.stderr)
        with open(os.path.join(out, "index.html"), "w") as f:
            f.write("<!doctype html><meta charset=utf-8><title>Ketnoi tour</title>"
                    "<style>body{font-family:sans-serif}figure{display:inline-block;margin:.5rem;"
                    "vertical-align:top}img{width:195px;border:1px solid #ccc}</style>")
            for role, path, status, label, png in shots:
                if label == "phone":
                    f.write(f"<figure><a href='{png}'><img src='{png}' alt=''></a><figcaption>"
                            f"{html.escape(role)} {status}<br>{html.escape(path)}</figcaption></figure>")
        print(f"{len(shots)} screenshots in {out} (open index.html)", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
