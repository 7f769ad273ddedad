"""The analytics tests' hand-made shop: a few dozen orders whose every figure is worked out in the tests.

All times below are UTC, as stored; Jakarta is seven hours ahead, so an order at
17:30 UTC belongs to the *next* Jakarta day (O10, O11 and P3 sit on such edges).
"""
from __future__ import annotations

import pytest
from analytics_testkit import Data, at, make_order

from portal.core import orders as o
from portal.core.models import Category, Product
from portal.testing import make_user


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def data(portal_app, shop) -> Data:
    """The hand-made shop (see the module docstring and the worked figures in test_figures.py)."""
    d = Data(shop)
    for i in range(1, 11):
        d.c[f"C{i}"] = make_user(f"c{i}@example.test", f"Pelanggan {i}")
    shoes = Category.create(shop=shop, name="Sepatu", slug="sepatu")
    sandals = Category.create(shop=shop, name="Sandal", slug="sandal")
    d.p["P1"] = Product.create(shop=shop, category=shoes, name="Pantofel", slug="pantofel", price=500_000, stock=50)
    d.p["P2"] = Product.create(shop=shop, category=sandals, name="Sandal Kulit", slug="sandal-kulit", price=200_000, stock=50)
    d.p["P3"] = Product.create(shop=shop, name="Dompet", slug="dompet", price=100_000, stock=50)
    c, p = d.c, d.p
    spec = [
        # current period 2026-03-02 .. 2026-03-15 (Jakarta)
        ("O1", c["C1"], "2026-03-02 03:00", o.COMPLETED, [(p["P1"], 1)], "Bandung", 0, 5, 24, 10),
        ("O2", c["C2"], "2026-03-04 03:00", o.DELIVERED, [(p["P2"], 2)], "Jakarta", 0, 3, 48, 20),
        ("O3", c["C3"], "2026-03-05 03:00", o.PAID, [(p["P1"], 1), (p["P3"], 1)], "Bandung", 0, 1, 0, 0),
        ("O4", c["C4"], "2026-03-06 03:00", "cancelled_after_paid", [(p["P2"], 1)], "Bandung", 0, 6, 0, 0),
        ("O5", c["C5"], "2026-03-08 18:00", o.HANDED_OVER, [(p["P1"], 2)], "Cimahi", 0, 7, 10, 0),
        ("O6", None, "2026-03-10 03:00", o.COMPLETED, [(p["P3"], 1)], "Jakarta", 20_000, 2, 30, 6),
        ("O7", c["C1"], "2026-03-12 03:00", o.PLACED, [(p["P2"], 1)], "Bandung", 0, 0, 0, 0),
        ("O8", c["C2"], "2026-03-14 03:00", o.REJECTED, [(p["P1"], 1)], "", 0, 0, 0, 0),
        ("O9", c["C6"], "2026-03-15 16:30", o.AWAITING_PAYMENT, [(p["P2"], 1)], "Bandung", 0, 0, 0, 0),
        ("O10", c["C7"], "2026-03-15 17:30", o.PAID, [(p["P1"], 1)], "Bandung", 0, 3, 0, 0),
        ("O11", c["C8"], "2026-03-01 17:30", o.READY, [(p["P3"], 3)], "Bandung", 0, 4, 0, 0),
        # previous period 2026-02-16 .. 2026-03-01 (Jakarta)
        ("P1", c["C9"], "2026-02-20 03:00", o.COMPLETED, [(p["P1"], 1)], "Garut", 0, 10, 24, 24),
        ("P2", c["C10"], "2026-02-25 03:00", o.PAID, [(p["P2"], 1)], "Garut", 0, 2, 0, 0),
        ("P3", c["C3"], "2026-03-01 16:00", o.EXPIRED, [(p["P3"], 1)], "Bandung", 0, 0, 0, 0),
        # older history
        ("Q1", c["C1"], "2026-01-10 03:00", o.COMPLETED, [(p["P1"], 1)], "Bandung", 0, 2, 24, 6),
        ("Q2", c["C1"], "2026-02-05 03:00", o.COMPLETED, [(p["P1"], 1)], "Bandung", 0, 2, 24, 6),
        ("Q3", c["C2"], "2026-01-15 03:00", o.COMPLETED, [(p["P2"], 1)], "Jakarta", 0, 2, 24, 6),
        ("Q4", c["C4"], "2025-12-01 03:00", o.COMPLETED, [(p["P2"], 1)], "Bandung", 0, 2, 24, 6),
        ("Q5", c["C6"], "2025-11-10 03:00", o.COMPLETED, [(p["P1"], 1)], "Sumedang", 0, 2, 24, 6),
        ("Q6", c["C6"], "2025-12-20 03:00", o.COMPLETED, [(p["P1"], 1), (p["P2"], 1)], "Sumedang", 0, 2, 24, 6),
    ]
    for key, customer, placed, status, lines, city, fee, paid_h, handed_h, delivered_h in spec:
        d.o[key] = make_order(shop, customer, at(placed), status, lines, city, fee, paid_h, handed_h, delivered_h,
                              number=f"TWS-{key}")
    return d
