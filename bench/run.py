"""Benchmark the portal's main pages against the framework floor, with wrk, and write bench/RESULTS.md.

    make bench                                  # demo-sized data, plugins on and off
    .venv/bin/python bench/run.py --scale       # also 1,000 vs 100,000 products, 10,000 vs 1,000,000 orders

In one run it starts, on loopback, the portal and a bare Flask "floor" app (a 12 KB
template with a 20-item loop, ``bench/floor_app.py``) under the same gunicorn settings
(2 workers, threaded), then drives each page with ``wrk`` (2 threads, 16 connections)
three times and reports the median requests per second, p50 and p99 latency and the
ratio to the floor. Logged-in pages get a session cookie from a real log-in.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PY = sys.executable
sys.path.insert(0, str(ROOT))

# Issue 10's targets, as fractions of the floor's throughput.
TARGETS = {"storefront home": 0.30, "category page": 0.30, "product page": 0.30, "customer order page": 0.30,
           "owner order queue": 0.20, "forum thread": 0.20, "analytics dashboard": None}
P99_TARGET_MS = 50.0
# In-process timings of two things compared are taken in turn this many times.
# Writes per second of the busy other shop (a busy small shop: orders, chat, stock).
BUSY_RATE = 20.0
IN_PROCESS_ROUNDS = 3


# ---- servers ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Server:
    """A gunicorn process on a free loopback port: 2 workers, gthread, no access log.

    Connections are closed after each answer (``keep_alive=0``), as behind a reverse
    proxy that opens one per request (nginx's default towards its upstreams). With
    kept-alive connections wrk's 16 connections are shared out once, unevenly (say 12
    and 4): one worker saturates its core while the other idles, and the same page
    measured 690 req/s in one run and 1,915 in the next.
    """

    def __init__(self, app: str, env: dict, workers: int = 2, threads: int = 8, keep_alive: int = 0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
               "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", str(keep_alive),
               "--graceful-timeout", "1", "--no-control-socket", "--log-level", "warning", app]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def portal_env(database_url: str, instance: Path) -> dict:
    return {"PORTAL_DATABASE_URL": database_url, "PORTAL_INSTANCE_DIR": str(instance), "PORTAL_ENV": "development",
            "PORTAL_RATELIMIT": "0", "PORTAL_JOBS_IMMEDIATE": "0"}


def login_cookie(base: str, email: str, password: str) -> str:
    """Log in through the real form and return the Cookie header a browser would send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": password}).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=data, method="POST"))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session" not in cookie:
        raise RuntimeError(f"log-in as {email} failed")
    return cookie


# ---- wrk ----------------------------------------------------------------------------------------------------


@dataclass
class Result:
    page: str
    url: str
    rps: list = field(default_factory=list)
    p50: list = field(default_factory=list)
    p99: list = field(default_factory=list)
    errors: int = 0

    @property
    def median_rps(self) -> float:
        return statistics.median(self.rps) if self.rps else 0.0

    def median(self, values) -> float:
        return statistics.median(values) if values else 0.0


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> tuple[float, float, float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rps, p50, p99, errors


def measure(page: str, url: str, args, cookie: str | None = None) -> Result:
    result = Result(page, url)
    wrk(url, 1, args.connections, cookie)  # warm-up: templates compiled, connections pooled
    for _ in range(args.runs):
        rps, p50, p99, errors = wrk(url, args.seconds, args.connections, cookie)
        result.rps.append(rps)
        result.p50.append(p50)
        result.p99.append(p99)
        result.errors += errors
    print(f"  {page:<24} {result.median_rps:8.0f} req/s  p50 {result.median(result.p50):6.2f} ms  "
          f"p99 {result.median(result.p99):6.2f} ms{'  ERRORS ' + str(result.errors) if result.errors else ''}",
          flush=True)
    return result


# ---- which pages --------------------------------------------------------------------------------------------


def pages_of(database_url: str, instance: Path, shop_slug: str, customer_email: str) -> dict[str, tuple[str, str]]:
    """page name -> (path, who: "anon" | "customer" | "owner"), found in the data itself."""
    from flask import url_for

    from portal import create_app
    from portal.core.models import Category, Product, Shop, User
    from portal.core.orders import Order

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": str(instance)})
    pages = {}
    with app.app_context(), app.test_request_context():
        shop = Shop.get(Shop.slug == shop_slug)
        base = f"/s/{shop.slug}"
        category = (Category.select().join(Product, on=(Product.category == Category.id))
                    .where(Category.shop == shop).order_by(Category.position, Category.id).first())
        product = Product.select().where((Product.shop == shop) & Product.is_active).order_by(Product.id).first()
        customer = User.get(User.email == customer_email)
        order = (Order.select().where((Order.shop == shop) & (Order.customer == customer))
                 .order_by(Order.created_at.desc()).first())
        pages["storefront home"] = (f"{base}/", "anon")
        pages["category page"] = (f"{base}/c/{category.slug}", "anon")
        pages["product page"] = (f"{base}/p/{product.slug}", "anon")
        pages["customer order page"] = (f"{base}/orders/{order.number}", "customer")
        pages["owner order queue"] = (f"{base}/manage/orders/", "owner")
        registry = app.extensions["portal"]
        for name, finder in PLUGIN_PAGES.items():
            plugin = name.split()[0]
            if plugin not in registry.plugins:
                continue
            try:
                path = finder(shop, url_for)
            except Exception as exc:  # noqa: BLE001 - a plugin page we cannot find is reported, not fatal
                print(f"  ({name}: not measured: {exc!r})")
                continue
            if path:
                pages[name] = (path, "owner" if "dashboard" in name else "anon")
    return pages


def _forum_thread(shop, url_for):
    from plugins.forum import models

    thread_model = next(getattr(models, n) for n in ("Thread", "ForumThread") if hasattr(models, n))
    thread = (thread_model.select().where(thread_model.shop == shop).order_by(thread_model.id).first())
    if thread is None:
        return None
    for endpoint in ("forum.thread", "forum.view_thread", "forum.show_thread"):
        try:
            return url_for(endpoint, shop_slug=shop.slug, thread_id=thread.id)
        except Exception:  # noqa: BLE001, S112 - try the next endpoint name
            continue
    return None


def _analytics(shop, url_for):
    return url_for("analytics.dashboard", shop_slug=shop.slug)


PLUGIN_PAGES = {"forum thread": _forum_thread, "analytics dashboard": _analytics}


def set_all_plugins(database_url: str, instance: Path, shop_slug: str, enabled: bool) -> list[str]:
    from portal import create_app
    from portal.core.models import Shop
    from portal.core.shops import set_module_enabled

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": str(instance)})
    with app.app_context():
        shop = Shop.get(Shop.slug == shop_slug)
        names = sorted(app.extensions["portal"].plugins)
        for name in names:
            set_module_enabled(shop, name, enabled)
    return names


# ---- scenarios ----------------------------------------------------------------------------------------------


def run_pages(database_url, instance, shop_slug, customer, owner, password, args, only=None,
              page_cache=True) -> list[Result]:
    """Measure the pages; ``page_cache=False`` makes every request a full render."""
    pages = pages_of(database_url, instance, shop_slug, customer)
    env = portal_env(database_url, instance)
    if not page_cache:
        env["PORTAL_PAGE_CACHE_SECONDS"] = "0"
    server = Server("portal.wsgi:app", env)
    try:
        wait_for(f"{server.url}/healthz")
        cookies = {"anon": None, "customer": login_cookie(server.url, customer, password),
                   "owner": login_cookie(server.url, owner, password)}
        results = []
        for name, (path, who) in pages.items():
            if only and name not in only:
                continue
            results.append(measure(name, server.url + path, args, cookies[who]))
        return results
    finally:
        server.stop()


def run_beside_busy_shop(database_url, instance, shop_slug, busy_slug, customer, owner, password, args, only,
                         rate: float, global_writes: bool) -> list[Result]:
    """The pages of ``shop_slug`` (page cache on) while another process writes ``rate`` times a second:
    to ``busy_slug``'s rows as its requests would, or (``global_writes``) as a job would."""
    cmd = [PY, str(ROOT / "bench" / "busy_shop.py"), "--db", database_url, "--instance", str(instance),
           "--shop", busy_slug, "--rate", str(rate)] + (["--global"] if global_writes else [])
    writer = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **portal_env(database_url, instance)},
                              start_new_session=True)
    try:
        time.sleep(3)  # the writer's app is up and writing
        if writer.poll() is not None:
            sys.exit(f"bench/busy_shop.py stopped with {writer.returncode}")
        return run_pages(database_url, instance, shop_slug, customer, owner, password, args, only=only)
    finally:
        if writer.poll() is None:
            os.killpg(writer.pid, signal.SIGTERM)
            writer.wait(timeout=10)


def busy_table(quiet: list[Result], busy: list[Result], busy_global: list[Result], rate: float) -> list[str]:
    lines = [f"| page | req/s quiet | req/s, another shop writing {rate:.0f}/s | change | "
             f"req/s, a job writing {rate:.0f}/s | change |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    by_page = {r.page: r for r in quiet}
    for b, g in zip(busy, busy_global, strict=True):
        q = by_page[b.page]
        lines.append(f"| {b.page} | {q.median_rps:,.0f} | {b.median_rps:,.0f} | "
                     f"{b.median_rps / q.median_rps - 1:+.0%} | {g.median_rps:,.0f} | {g.median_rps / q.median_rps - 1:+.0%} |")
    return lines


def prepare_demo(args) -> tuple[str, Path]:
    """A fresh SQLite database with the demo (every plugin's demo data included)."""
    folder = DATA / "demo"
    if folder.exists() and not args.keep:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'portal.db'}"
    if not (folder / "portal.db").exists():
        env = {**os.environ, **portal_env(url, folder)}
        for step in (["db", "upgrade"], ["demo"]):
            done = subprocess.run([PY, "-m", "portal.cli", *step], cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"`portal {' '.join(step)}` failed:\n{done.stderr[-3000:]}")
    else:
        upgrade(url, folder)
    return url, folder


def upgrade(url: str, folder: Path):
    env = {**os.environ, **portal_env(url, folder)}
    done = subprocess.run([PY, "-m", "portal.cli", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"`portal db upgrade` failed:\n{done.stderr[-3000:]}")


def prepare_generated(name: str, products: int, orders: int, args) -> tuple[str, Path]:
    from generate import build

    folder = DATA / name
    url = f"sqlite:///{folder / 'portal.db'}"
    if folder.exists() and args.keep and (folder / "portal.db").exists():
        upgrade(url, folder)  # data kept from an earlier run gets this code's indexes and columns
        return url, folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    print(f"generating {name}: {products:,} products, {orders:,} orders", flush=True)
    started = time.monotonic()
    subprocess.run([PY, str(ROOT / "bench" / "generate.py"), "--db", url, "--instance", str(folder),
                    "--products", str(products), "--orders", str(orders),
                    "--customers", str(max(orders // 50, 2000))], cwd=ROOT, check=True)
    print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
    del build
    return url, folder


def floor_result(args, keep_alive: int = 0) -> Result:
    server = Server("bench.floor_app:app", {}, keep_alive=keep_alive)
    try:
        wait_for(f"{server.url}/floor")
        name = "floor (bare Flask)" if not keep_alive else "floor, connections kept alive"
        return measure(name, f"{server.url}/floor", args)
    finally:
        server.stop()


def table(results: list[Result], floor: Result, kept_alive: Result) -> list[str]:
    """Each page against the floor served the same way, and against the floor at its best
    (kept-alive connections, when the two workers happen to get an even share): a page
    meets its target only against both."""
    lines = ["| page | req/s (median of 3) | p50 ms | p99 ms | vs floor | vs floor kept alive | target | |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in [floor, kept_alive, *results]:
        ratio = r.median_rps / floor.median_rps if floor.median_rps else 0
        ratio_alive = r.median_rps / kept_alive.median_rps if kept_alive.median_rps else 0
        target = TARGETS.get(r.page)
        p99 = r.median(r.p99)
        verdict = ""
        if r not in (floor, kept_alive):
            ok = (target is None or min(ratio, ratio_alive) >= target) and p99 < P99_TARGET_MS and not r.errors
            verdict = "meets" if ok else "**misses**"
        lines.append(f"| {r.page} | {r.median_rps:,.0f} | {r.median(r.p50):.2f} | {p99:.2f} | {ratio:.0%} | "
                     f"{ratio_alive:.0%} | {'≥ ' + format(target, '.0%') if target else '—'} · "
                     f"p99 < {P99_TARGET_MS:.0f} ms | {verdict}{' (' + str(r.errors) + ' errors)' if r.errors else ''} |")
    return lines


def plugin_table(off: list[Result], on: list[Result]) -> list[str]:
    lines = ["| page | req/s plugins off | req/s plugins on | cost of the plugins | target |",
             "| --- | ---: | ---: | ---: | --- |"]
    by_name = {r.page: r for r in on}
    for r in off:
        with_plugins = by_name[r.page].median_rps
        cost = 1 - with_plugins / r.median_rps if r.median_rps else 0
        lines.append(f"| {r.page} | {r.median_rps:,.0f} | {with_plugins:,.0f} | {cost:.0%} | ≤ 15 % "
                     f"{'meets' if cost <= 0.15 else '**misses**'} |")
    return lines


def render_table(before_name, before, after_name, after, change_name, limit) -> list[str]:
    """In-process CPU time of one render (``bench/render_times.py``), before vs after."""
    lines = [f"One render timed in-process (`bench/render_times.py`; page cache off; CPU ms, median of 30 renders,"
             f" then the median of {IN_PROCESS_ROUNDS} rounds taken in turn; SQL statements counted cold):",
             "",
             f"| page | CPU ms {before_name} | CPU ms {after_name} | {change_name} | statements {before_name} | "
             f"statements {after_name} | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for page, b in before.items():
        a = after[page]
        # Throughput is 1 / CPU time per request: losing X % throughput is costing 1/(1-X) the time.
        loss = 1 - b["cpu_ms"] / a["cpu_ms"] if a["cpu_ms"] else 0
        lines.append(f"| {page} | {b['cpu_ms']:.1f} | {a['cpu_ms']:.1f} | {loss:.0%} | {b['queries']} | "
                     f"{a['queries']} | ≤ {limit:.0%} {'meets' if loss <= limit else '**misses**'} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scale", action="store_true", help="also compare small and large generated data")
    parser.add_argument("--large-products", type=int, default=100_000)
    parser.add_argument("--large-orders", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse data generated by an earlier run")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    from render_times import combined, measure_in_subprocess  # bench/ is on the path when run as a script

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk); `make bench` installs it")

    started = dt.datetime.now(dt.UTC)
    print("floor:", flush=True)
    floor = floor_result(args)
    kept_alive = floor_result(args, keep_alive=2)

    print("demo data, every plugin on:", flush=True)
    demo_url, demo_dir = prepare_demo(args)
    demo = (demo_url, demo_dir, "cibaduyut", "customer@demo.test", "owner@demo.test", "demo12345", args)
    on = run_pages(*demo)
    core_pages = ["storefront home", "category page", "product page", "customer order page", "owner order queue"]
    rendered_pages = core_pages + ["forum thread"]
    # The page cache answers repeated requests without rendering; these runs measure the
    # render itself, so the cost of plugins and of data is not hidden by it.
    print("demo data, every plugin on, page cache off:", flush=True)
    on_render = run_pages(*demo, only=rendered_pages, page_cache=False)
    print("demo data, every plugin off, page cache off:", flush=True)
    plugins = set_all_plugins(demo_url, demo_dir, "cibaduyut", False)
    off = run_pages(*demo, only=core_pages, page_cache=False)
    print("demo data, every plugin off, page cache on (as served):", flush=True)
    off_served = run_pages(*demo, only=core_pages)
    busy_pages = ["storefront home", "product page", "customer order page", "owner order queue"]
    print(f"demo data, page cache on, another shop writing {BUSY_RATE:.0f}/s:", flush=True)
    set_all_plugins(demo_url, demo_dir, "cibaduyut", True)
    busy = run_beside_busy_shop(*demo[:3], "batik-laweyan", *demo[3:], only=busy_pages, rate=BUSY_RATE,
                                global_writes=False)
    print(f"demo data, page cache on, a job writing {BUSY_RATE:.0f}/s:", flush=True)
    busy_global = run_beside_busy_shop(*demo[:3], "batik-laweyan", *demo[3:], only=busy_pages, rate=BUSY_RATE,
                                       global_writes=True)
    print("  in-process renders, plugins off and on, in turn", flush=True)
    logins = ("customer@demo.test", "owner@demo.test", "demo12345")
    off_rounds, on_rounds = [], []
    for _ in range(IN_PROCESS_ROUNDS):
        set_all_plugins(demo_url, demo_dir, "cibaduyut", False)
        off_rounds.append(measure_in_subprocess(demo_url, demo_dir, "cibaduyut", *logins, only=core_pages))
        set_all_plugins(demo_url, demo_dir, "cibaduyut", True)
        on_rounds.append(measure_in_subprocess(demo_url, demo_dir, "cibaduyut", *logins, only=core_pages))
    off_cpu, on_cpu = combined(off_rounds), combined(on_rounds)

    report = [
        "# Benchmark results",
        "",
        f"Produced by `make bench` (`python bench/run.py{' ' + ' '.join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else ''}`) "
        f"on {started:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPU cores, Python {platform.python_version()}, SQLite.",
        f"Every server: gunicorn, 2 workers, gthread (8 threads), on loopback; load from `wrk -t2 -c{args.connections} "
        f"-d{args.seconds}s`, {args.runs} runs per page, medians shown. The floor is `bench/floor_app.py` (a 12 KB "
        "page with a 20-item loop) in the same run.",
        "Connections are closed after each answer, as behind a reverse proxy that opens one per request:",
        "kept alive, wrk's 16 connections are shared out unevenly between the two workers and the same page",
        "swings 2–3× between runs. The floor is also measured with kept-alive connections, its best case;",
        "a page meets its target only against both floors.",
        "",
        "## Demo-sized data, every built-in plugin on",
        "",
        *table(on, floor, kept_alive),
        "",
        "## The same pages rendered on every request (`PORTAL_PAGE_CACHE_SECONDS=0`)",
        "",
        "What a request costs right after something changed (the first request after any write), or",
        "with the cache turned off.",
        "",
        *table([r for r in on_render if r.page in rendered_pages], floor, kept_alive),
        "",
        f"## Plugins off vs on (plugins: {', '.join(plugins)})",
        "",
        "As served (page cache on):",
        "",
        *plugin_table(off_served, on),
        "",
        "Rendered on every request (page cache off), so the cache cannot hide what the plugins cost:",
        "",
        *plugin_table(off, on_render),
        "",
        *render_table("plugins off", off_cpu, "plugins on", on_cpu, "cost of the plugins", 0.15),
        "",
        "## While another shop is busy (page cache on, every plugin on)",
        "",
        f"A second process writes {BUSY_RATE:.0f} times a second (stock changes): first to the other demo shop's",
        "rows while serving that shop's URL, as its customers' and owner's requests would; then the same",
        "writes made outside any shop's URL, as a job or CLI command would, which every shop's cached pages",
        "must see. Each shop's pages are filed under that shop's own write counter (`portal/core/changes.py`).",
        "",
        *busy_table(on, busy, busy_global, BUSY_RATE),
    ]

    if args.scale:
        print("scale: small", flush=True)
        small_url, small_dir = prepare_generated("small", 1000, 10_000, args)
        small = run_pages(small_url, small_dir, "bench-0", "customer@bench.test", "owner@bench.test", "bench12345",
                          args, only=core_pages, page_cache=False)
        print("scale: large", flush=True)
        large_url, large_dir = prepare_generated("large", args.large_products, args.large_orders, args)
        large = run_pages(large_url, large_dir, "bench-0", "customer@bench.test", "owner@bench.test", "bench12345",
                          args, only=core_pages, page_cache=False)
        report += [
            "",
            f"## Flat as data grows: 1,000 → {args.large_products:,} products, 10,000 → {args.large_orders:,} orders "
            "(page cache off)",
            "",
            "| page | req/s small | req/s large | loss | p99 ms small | p99 ms large | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        print("  in-process renders, small and large, in turn", flush=True)
        bench_logins = ("bench-0", "customer@bench.test", "owner@bench.test", "bench12345")
        small_rounds, large_rounds = [], []
        for _ in range(IN_PROCESS_ROUNDS):
            small_rounds.append(measure_in_subprocess(small_url, small_dir, *bench_logins, only=core_pages))
            large_rounds.append(measure_in_subprocess(large_url, large_dir, *bench_logins, only=core_pages))
        small_cpu, large_cpu = combined(small_rounds), combined(large_rounds)
        for s, big in zip(small, large, strict=True):
            loss = 1 - big.median_rps / s.median_rps if s.median_rps else 0
            report.append(f"| {s.page} | {s.median_rps:,.0f} | {big.median_rps:,.0f} | {loss:.0%} | "
                          f"{s.median(s.p99):.2f} | {big.median(big.p99):.2f} | ≤ 20 % "
                          f"{'meets' if loss <= 0.20 else '**misses**'} |")
        report += ["", *render_table("small", small_cpu, "large", large_cpu, "throughput lost", 0.20)]

    text = "\n".join(report) + "\n"
    Path(args.output).write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
