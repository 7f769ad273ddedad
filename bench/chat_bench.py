"""Live-chat benchmark (issue 5, item 6): N open customer widgets, replies posted, storefront served meanwhile.

Starts the portal with gunicorn on a fresh database (SQLite in a temporary folder, or
``--database-url``), opens ``--clients`` SSE streams as ``--clients`` different guests,
has the owner post ``--messages`` replies (HTTP, logged in, CSRF and all) spread over the
guests, and records for each the time from sending the POST to the message arriving on
that guest's stream. Meanwhile ``--browsers`` loops fetch storefront pages. Prints p50/p95
delivery latency and p50/p95/p99 storefront latency. Not a test: a measurement.

    .venv/bin/python bench/chat_bench.py --clients 200 --messages 100
    .venv/bin/python bench/chat_bench.py --workers 2 --threads 160 --redis-url redis://127.0.0.1:6379/14

With more than one worker the fan-out needs Redis (``--redis-url``), as in production.
"""
from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-42"


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def setup(env, clients):
    """Shop, owner, products, chat on, and one guest conversation per client; returns their cookies."""
    os.environ.update(env)
    from itsdangerous import URLSafeSerializer

    from plugins.chat import models
    from portal import create_app
    from portal.core import migrations
    from portal.core.accounts import create_user
    from portal.core.models import Product
    from portal.core.shops import add_member, create_shop, set_module_enabled

    app = create_app()
    with app.app_context():
        migrations.upgrade(app.extensions["portal"])
        owner = create_user(email="owner@bench.test", name="Owner", password=PASSWORD)
        shop = create_shop(slug="bench", name="Bench Shoes", order_prefix="BEN", city="Bandung")
        add_member(shop, owner, "owner")
        for i in range(12):
            Product.create(shop=shop, name=f"Pantofel {i}", slug=f"pantofel-{i}", price=450000 + i * 1000, stock=5)
        set_module_enabled(shop, "chat", True)
        models.set_presence(shop, owner, True)
        signer = URLSafeSerializer(app.secret_key, salt="portal-chat-guest")
        cookies, conversations = [], []
        for i in range(clients):
            key = secrets.token_urlsafe(24)
            conv = models.start_conversation(shop, name=f"Tamu {i}", guest_key=key)
            models.add_message(conv, models.CUSTOMER, "Halo", author_name=conv.name)
            cookies.append(signer.dumps(key))
            conversations.append(conv.id)
    return cookies, conversations


def start_server(env, port, workers, threads):
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--worker-class", "gthread", "--threads", str(threads), "--graceful-timeout", "2",
           "--no-control-socket", "--log-level", "warning", "portal.wsgi:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/bench/", timeout=2):
                return proc
        except Exception:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("server did not start")


class Owner:
    """The owner's browser: logs in through the form, then posts replies with the page's CSRF token."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(f"{base}/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page)
        data = urllib.parse.urlencode({"email": "owner@bench.test", "password": PASSWORD,
                                       "csrf_token": token.group(1)}).encode()
        self.opener.open(f"{base}/login", data=data).read()
        page = self.opener.open(f"{base}/s/bench/chat/manage/").read().decode()
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    def reply(self, conversation_id, body):
        data = urllib.parse.urlencode({"chat-body": body}).encode()
        req = urllib.request.Request(f"{self.base}/s/bench/chat/manage/{conversation_id}/reply", data=data,
                                     headers={"X-CSRFToken": self.csrf, "HX-Request": "true"})
        with self.opener.open(req, timeout=10) as r:
            r.read()


async def sse_client(port, cookie, index, arrivals, opened, stop):
    """One widget's stream: reconnects when the server ends it, records when each marker arrives."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        writer.write((f"GET /s/bench/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Cookie: portal_chat={cookie}\r\nAccept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            writer.close()
            await asyncio.sleep(1)
            continue
        opened.add(index)
        try:
            while not stop.is_set():
                line = await asyncio.wait_for(reader.readline(), timeout=60)
                if not line:
                    break
                for marker in re.findall(rb"bench-(\d+)-(\d+)", line):
                    key = (int(marker[0]), int(marker[1]))
                    arrivals.setdefault(key, time.perf_counter())
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


async def storefront(port, latencies, stop):
    paths = ["/s/bench/", "/s/bench/products", "/s/bench/p/pantofel-3", "/s/bench/profile"]
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            status = await reader.readline()
            await reader.read()
            writer.close()
            if b" 200 " in status:
                latencies.append(time.perf_counter() - t0)
        except OSError:
            pass
        await asyncio.sleep(0.05)


async def run(args, port, conversations, cookies):
    arrivals, sent, opened, store = {}, {}, set(), []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(sse_client(port, c, i, arrivals, opened, stop)) for i, c in enumerate(cookies)]
    deadline = time.monotonic() + 60
    while len(opened) < len(cookies) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    print(f"open streams: {len(opened)}/{len(cookies)}")
    tasks += [asyncio.create_task(storefront(port, store, stop)) for _ in range(args.browsers)]
    owner = Owner(f"http://127.0.0.1:{port}")
    loop = asyncio.get_running_loop()
    for n in range(args.messages):
        index = n % len(conversations)
        key = (index, n)
        sent[key] = time.perf_counter()
        await loop.run_in_executor(None, owner.reply, conversations[index], f"bench-{index}-{n}")
        await asyncio.sleep(args.interval)
    await asyncio.sleep(2)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    delivery = [arrivals[k] - sent[k] for k in sent if k in arrivals]
    lost = len(sent) - len(delivery)
    print(f"messages: {len(sent)} sent, {len(delivery)} delivered, {lost} not delivered")
    print(f"delivery latency: p50 {pct(delivery, 50) * 1000:.0f} ms, p95 {pct(delivery, 95) * 1000:.0f} ms, "
          f"max {max(delivery, default=0) * 1000:.0f} ms")
    print(f"storefront under load: {len(store)} pages, p50 {pct(store, 50) * 1000:.0f} ms, "
          f"p95 {pct(store, 95) * 1000:.0f} ms, p99 {pct(store, 99) * 1000:.0f} ms")
    ok = lost == 0 and pct(delivery, 95) < 1.0 and pct(store, 99) < 0.2
    print("target (p95 delivery < 1 s, storefront p99 < 200 ms, nothing lost):", "MET" if ok else "NOT MET")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between replies")
    parser.add_argument("--browsers", type=int, default=4, help="concurrent storefront loops")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=256)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    if args.workers > 1 and not args.redis_url:
        raise SystemExit("more than one worker needs --redis-url for the chat fan-out")

    tmp = tempfile.mkdtemp(prefix="chat-bench-")
    env = {
        "PORTAL_INSTANCE_DIR": tmp,
        "PORTAL_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db",
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(40),
        "PORTAL_RATELIMIT": "0",
        "PORTAL_JOBS_IMMEDIATE": "1",
        "PORTAL_PLUGINS_DISABLED": "",
    }
    if args.redis_url:
        env["PORTAL_REDIS_URL"] = args.redis_url
    cookies, conversations = setup(env, args.clients)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    print(f"gunicorn gthread: {args.workers} worker(s) x {args.threads} threads, "
          f"{'Redis' if args.redis_url else 'in-process'} fan-out, {os.cpu_count()} CPUs")
    server = start_server(env, port, args.workers, args.threads)
    try:
        ok = asyncio.run(run(args, port, conversations, cookies))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    threading.enumerate()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
