"""The benchmark kit's own parts: the floor page, the data generator and the wrk parser (no timings here)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:5000/floor
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.71ms    1.02ms  20.14ms   88.12%
    Req/Sec     2.17k   150.23     2.50k    70.00%
  Latency Distribution
     50%    3.50ms
     75%    4.02ms
     90%    4.80ms
     99%   850.00us
  21612 requests in 5.00s, 265.02MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   4321.50
Transfer/sec:     53.00MB
"""


def test_floor_page_is_12_kb_with_a_20_item_loop():
    from floor_app import app

    body = app.test_client().get("/floor").get_data(as_text=True)
    assert 11_500 <= len(body.encode()) <= 12_800
    assert body.count('class="product-card"') == 20


def test_wrk_output_is_parsed(monkeypatch):
    import subprocess

    import run

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=WRK_OUTPUT))
    rps, p50, p99, errors = run.wrk("http://x/", 5, 16)
    assert (rps, p50, p99) == (4321.5, 3.5, 0.85)
    assert errors == 4 + 2 + 1


def test_generator_fills_every_state(portal_app):
    from generate import STATUSES_WEIGHTED, generate

    from portal.core.models import Product, Shop, User
    from portal.core.orders import STATUSES, Order, OrderEvent, OrderItem

    summary = generate(shops=2, products=30, customers=40, orders=len(STATUSES_WEIGHTED), log=lambda *a: None)
    shop = Shop.get(Shop.slug == summary["shop"])
    assert Product.select().where(Product.shop == shop).count() == 30
    orders = Order.select().where(Order.shop == shop)
    assert orders.count() == len(STATUSES_WEIGHTED)
    assert {o.status for o in orders} == set(STATUSES)
    assert OrderItem.select().join(Order).where(Order.shop == shop).count() == orders.count()
    # Every order was placed; all but the still-placed ones moved on once.
    placed = orders.where(Order.status == "placed").count()
    assert OrderEvent.select().join(Order).where(Order.shop == shop).count() == 2 * orders.count() - placed
    # The benchmark's customer has orders of their own (for the order page).
    customer = User.get(User.email == summary["customer"])
    assert orders.where(Order.customer == customer).count() >= 1


@pytest.mark.parametrize("text,ms", [("850.00us", 0.85), ("3.50ms", 3.5), ("1.20s", 1200.0)])
def test_latency_units(text, ms):
    import run

    assert run._ms(text) == pytest.approx(ms)


def test_render_times_measures_every_main_page(tmp_path):
    """bench/render_times.py on a small generated platform: each page answered, timed and its statements counted."""
    import subprocess

    from render_times import measure

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--db", url, "--instance", str(tmp_path),
                    "--shops", "2", "--products", "40", "--customers", "30", "--orders", "120"],
                   cwd=ROOT, check=True, capture_output=True)
    pages = ["storefront home", "category page", "product page", "customer order page", "owner order queue"]
    results = measure(url, str(tmp_path), "bench-0", "customer@bench.test", "owner@bench.test", "bench12345",
                      runs=2, only=pages)
    assert list(results) == pages
    for name, figures in results.items():
        assert figures["cpu_ms"] > 0 and figures["wall_ms"] > 0, name
        assert 1 <= figures["queries"] <= 40, (name, figures)
        assert figures["bytes"] > 2000, (name, figures)


def test_rounds_taken_in_turn_are_combined_by_their_median():
    from render_times import combined

    rounds = [{"home": {"cpu_ms": ms, "wall_ms": ms + 1, "queries": 9, "bytes": 100}} for ms in (4.0, 9.0, 5.0)]
    assert combined(rounds) == {"home": {"cpu_ms": 5.0, "wall_ms": 6.0, "queries": 9, "bytes": 100}}
