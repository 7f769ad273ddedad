"""Time the analytics pages on the big bench shop (``bench/analytics_data.py`` makes it). Not a test.

Renders each page N times through the real app (a test client logged in as the
bench shop's owner, no network) and prints the median and 95th percentile in
milliseconds of wall-clock time, and the median CPU time of this process (SQLite
runs in-process, so on a busy shared machine the CPU column says what the page
costs when the machine is not also doing other people's work). The target: dashboard and segment page under 500 ms for 100 000
orders and 20 000 customers.

    .venv/bin/python bench/analytics_bench.py --database-url sqlite:///instance/bench-analytics.db -n 20
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics_data import OWNER_EMAIL, SLUG, make_app  # noqa: E402

PAGES = [
    ("dashboard, last 30 days", "/?preset=30"),
    ("dashboard, last 90 days", "/?preset=90"),
    ("dashboard, this year", "/?preset=year"),
    ("segments and cohorts", "/segments/"),
    ("segment list (at risk)", "/segments/at_risk"),
    ("customers list", "/customers/"),
    ("revenue chart (SVG, 90 days)", "/charts/revenue.svg?preset=90"),
    ("segments CSV", "/csv/segments.csv"),
]


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///instance/bench-analytics.db")
    parser.add_argument("-n", type=int, default=20, help="renders per page")
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    with app.app_context():
        from portal.core.models import Shop, User
        from portal.core.orders import Order

        shop = Shop.get_or_none(Shop.slug == SLUG)
        if shop is None:
            sys.exit(f"no shop {SLUG!r} in {args.database_url}: run bench/analytics_data.py first")
        owner = User.get(User.email == OWNER_EMAIL)
        # Reading never stores the summary (the order hooks' job and the hourly job do):
        # store it as those would have before timing, or every past day is computed live.
        from plugins.analytics import summary

        summary.backfill(shop, log_to=lambda *a: None)
        orders = Order.select().where(Order.shop == shop).count()
        customers = Order.select(Order.customer).where((Order.shop == shop) & Order.customer.is_null(False)).distinct().count()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = owner.auth_token
        session["_fresh"] = True
    base = f"/s/{SLUG}/manage/analytics"
    print(f"{args.database_url}: shop {SLUG}, {orders} orders, {customers} customers who ordered; {args.n} renders each")
    print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'cpu ms':>8}")
    for label, path in PAGES:
        client.get(base + path)  # warm caches (SQLite page cache, Jinja templates)
        times, cpu = [], []
        for _ in range(args.n):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(base + path, headers={"Accept-Language": "en"})
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{label:32} {statistics.median(times):10.0f} {percentile(times, 95):8.0f} {max(times):8.0f} "
              f"{statistics.median(cpu):8.0f}")


if __name__ == "__main__":
    main()
