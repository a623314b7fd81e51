#!/usr/bin/env python3
"""Memory under floods (issue 14): serves `ketnoi serve --demo` from a release build in a
temporary directory on a free loopback port, runs one scenario, samples the server's
resident memory (VmRSS, every 20 ms) and prints what every request got back.

Scenarios:
  signups      300 concurrent `POST /api/v1/accounts` from 127.0.0.1, while another client
               (127.0.0.2) signs up three times; every refusal must carry Retry-After.
  attachments  30 parallel 8000x5000 PNG attachments (about 120 KB each, 120 MB decoded)
               posted by one signed-in account to one conversation.

Usage:  KETNOI_BIN=target/release/ketnoi infra/bench/flood.py signups|attachments
Only loopback is ever loaded. Standard library only.
"""

import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

PASSWORD = "ketnoi-demo"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="ketnoi-flood.")
        self.port = free_port()
        env = dict(os.environ, DATA_DIR=self.dir, BIND=f"127.0.0.1:{self.port}", RUST_LOG="warn")
        env.pop("DATABASE_URL", None)
        self.proc = subprocess.Popen([binary, "serve", "--demo"], env=env)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if request(self.port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("server did not become ready")
        self.samples = []
        self.sampling = True
        self.sampler = threading.Thread(target=self.sample, daemon=True)

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def sample(self):
        while self.sampling:
            self.samples.append(self.rss_mib())
            time.sleep(0.02)

    def stop(self):
        self.sampling = False
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def request(port, method, path, body=None, headers=None, source="127.0.0.1", timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
    finally:
        conn.close()


def cookies_of(headers_list, jar):
    for k, v in headers_list:
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";")[0]


def sign_in(port, login):
    jar = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/signin")
    r = conn.getresponse()
    page = r.read().decode()
    cookies_of(r.getheaders(), jar)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf": csrf, "login": login, "password": PASSWORD})
    conn.request("POST", "/signin", body=body, headers={
        "content-type": "application/x-www-form-urlencoded",
        "cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
    })
    r = conn.getresponse()
    r.read()
    cookies_of(r.getheaders(), jar)
    conn.close()
    if r.status != 303:
        raise SystemExit(f"sign-in failed: {r.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def png(width, height):
    row = b"\x00" * (1 + width * 3)
    co = zlib.compressobj(9)
    idat = b"".join(co.compress(row) for _ in range(height)) + co.flush()

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def run_parallel(n, fn):
    results = [None] * n
    gate = threading.Barrier(n)

    def work(i):
        gate.wait()
        t = time.time()
        try:
            results[i] = fn(i) + (time.time() - t,)
        except Exception as e:  # a refused connection is an answer too
            results[i] = (f"error: {type(e).__name__}", {}, b"", time.time() - t)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, results


def summary(results):
    by = {}
    for status, headers, _, _ in results:
        by[status] = by.get(status, 0) + 1
    return by


def signups(srv):
    def flood(i):
        body = json.dumps({"display_name": f"Khách {i}", "login": f"flood{i}@example.com", "password": "mat-khau-thu-1"})
        return request(srv.port, "POST", "/api/v1/accounts", body, {"content-type": "application/json"})

    threads, results = run_parallel(300, flood)
    legit = []
    for i in range(3):
        t = time.time()
        body = json.dumps({"display_name": "Nguyễn Thị Hoa", "login": f"hoa{i}@example.com", "password": "mat-khau-thu-1"})
        status, _, _ = request(srv.port, "POST", "/api/v1/accounts", body, {"content-type": "application/json"}, source="127.0.0.2")
        legit.append((status, round((time.time() - t) * 1000)))
    for t in threads:
        t.join()
    refused = [r for r in results if r[0] in (429, 503)]
    missing_retry = sum(1 for r in refused if "retry-after" not in r[1])
    print(f"flood answers: {summary(results)}; refusals without Retry-After: {missing_retry}")
    print(f"sign-ups from 127.0.0.2 during the flood (status, ms): {legit}")
    return missing_retry == 0 and all(s == 202 for s, _ in legit)


def attachments(srv):
    cookie = sign_in(srv.port, "nguoimua@example.com")
    status, _, home = request(srv.port, "GET", "/orgs/htx-gom-su-men-lam-bat-trang", headers={"cookie": cookie})
    listing = re.search(rb'href="/listings/(\d+)"', home).group(1).decode()
    status, _, page = request(srv.port, "GET", f"/listings/{listing}", headers={"cookie": cookie})
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"csrf": csrf, "body": "Cho tôi xem ảnh nhé"})
    status, headers, _ = request(srv.port, "POST", f"/listings/{listing}/inquiry", body, {
        "content-type": "application/x-www-form-urlencoded", "cookie": cookie})
    conversation = headers.get("location", "")
    if status != 303 or not conversation.startswith("/conversations/"):
        raise SystemExit(f"could not open a conversation: {status}")
    picture = png(8000, 5000)
    print(f"picture: 8000x5000 PNG, {len(picture)} bytes")
    boundary = "ketnoi-flood-boundary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + picture + f"\r\n--{boundary}--\r\n".encode()

    def post(i):
        return request(srv.port, "POST", f"{conversation}/attachments", form, {
            "content-type": f"multipart/form-data; boundary={boundary}", "cookie": cookie})

    threads, results = run_parallel(30, post)
    for t in threads:
        t.join()
    unclear = [r for r in results if not (r[0] in (303, 422, 429, 503, 408))]
    print(f"answers: {summary(results)}; slowest {max(r[3] for r in results):.1f} s; unclear answers: {len(unclear)}")
    return not unclear


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("signups", "attachments"):
        raise SystemExit(__doc__)
    binary = os.environ.get("KETNOI_BIN", "target/release/ketnoi")
    srv = Server(binary)
    try:
        time.sleep(1)
        before = srv.rss_mib()
        srv.sampler.start()
        ok = {"signups": signups, "attachments": attachments}[sys.argv[1]](srv)
        time.sleep(0.5)
        peak = max(srv.samples or [0])
        print(f"server RSS: {before:.0f} MiB before, peak {peak:.0f} MiB during ({len(srv.samples)} samples)")
        print("PASS" if ok and peak <= 512 else "FAIL")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
