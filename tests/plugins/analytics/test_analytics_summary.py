"""The daily summary gives the same figures as the live queries: after orders are placed, changed, cancelled,
and when a day turns into a past day at Jakarta's midnight.

``summary=False`` computes a figure from the order tables alone; the figures the
dashboard shows read whole past days from the summary. Orders here are placed and
moved through core's real services, so the summary hears of them only through
the order hooks.
"""
from __future__ import annotations

import datetime as dt

import pytest
from analytics_testkit import make_order

from plugins.analytics import queries, summary
from plugins.analytics.models import AnalyticsDay, AnalyticsDirtyDay, AnalyticsLeadTime
from portal.core import orders as o
from portal.core import payments
from portal.core.cart import Cart, CartLine
from portal.core.checkout import Contact, place_order
from portal.core.models import User
from portal.core.order_flow import transition

FIGURES = ("series", "totals", "top_products", "top_categories", "order_flow", "cities")


def figures(shop, period, use_summary):
    return {name: getattr(queries, name)(shop, period, summary=use_summary) for name in FIGURES}


def assert_same(shop, *periods):
    for period in periods:
        assert figures(shop, period, True) == figures(shop, period, False), period


def place(app, shop, product, customer=None, quantity=1):
    """An order placed through core's checkout service, as in a request (so the order hooks run)."""
    cart = Cart(shop=shop, lines=[CartLine(product=product, quantity=quantity)])
    contact = Contact(name="Siti", email="siti@example.test", phone="+6281234567890", address="Jl. Merdeka 1",
                      city="Bandung", postal_code="40115")
    with app.test_request_context():
        return place_order(shop, cart, contact, "pickup", customer=customer).order


@pytest.fixture
def clock(monkeypatch):
    """Move "now" (as the analytics read it) to a given UTC instant."""
    def set_now(moment: dt.datetime):
        monkeypatch.setattr("portal.core.db.utcnow", lambda: moment)
    return set_now


def test_past_days_come_from_the_summary_and_equal_the_live_figures(data):
    whole = queries.Period(dt.date(2025, 11, 1), dt.date(2026, 3, 31), "week")
    assert_same(data.shop, whole, queries.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 2), "day"),
                queries.Period(dt.date(2025, 11, 1), dt.date(2026, 3, 31), "month"))
    # Built from the shop's first order day (10 Nov 2025) to 31 March: one row per day, empty days too.
    days = AnalyticsDay.select().where(AnalyticsDay.shop == data.shop)
    assert days.count() == (dt.date(2026, 3, 31) - dt.date(2025, 11, 10)).days + 1
    assert AnalyticsDay.get((AnalyticsDay.shop == data.shop) & (AnalyticsDay.day == dt.date(2025, 12, 25))).orders == 0
    # The Jakarta-midnight edges: P3 (1 Mar 16:00 UTC) on the 1st, O11 (1 Mar 17:30 UTC) on the 2nd.
    first, second = (AnalyticsDay.get((AnalyticsDay.shop == data.shop) & (AnalyticsDay.day == dt.date(2026, 3, d)))
                     for d in (1, 2))
    assert (first.orders, first.revenue) == (1, 0) and (second.orders, second.revenue) == (2, 800_000)
    # A second read builds nothing.
    assert summary.ensure(data.shop, dt.date(2025, 11, 1), dt.date(2026, 3, 31)) == 0


def test_orders_placed_changed_and_cancelled_through_the_flow(portal_app, data, clock):
    shop, owner = data.shop, User.get(User.email == "owner@shop.test")
    now = dt.datetime(2026, 4, 10, 3, 0)  # 10 April, 10:00 WIB
    clock(now)
    period = queries.Period(dt.date(2026, 3, 1), dt.date(2026, 4, 10), "day")
    before = figures(shop, period, True)
    assert_same(shop, period)
    # Placed today (10 April): live, nothing of today in the summary.
    order = place(portal_app, shop, data.p["P1"], customer=data.c["C3"], quantity=2)
    # Placed "now" by the real clock: pinned to the test's day (still today, so nothing to rebuild).
    o.Order.update(created_at=now).where(o.Order.id == order.id).execute()
    today = queries.totals(shop, queries.Period(dt.date(2026, 4, 10), dt.date(2026, 4, 10)))
    assert (today.orders, today.paid_orders, today.revenue) == (1, 0, 0)
    assert not AnalyticsDay.select().where((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10))).exists()

    # Midnight passes: 10 April is a past day now and comes from the summary.
    clock(dt.datetime(2026, 4, 10, 17, 0, 1))  # 11 April, 00:00:01 WIB
    assert_same(shop, period)
    day = AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10)))
    assert (day.orders, day.paid_orders, day.revenue, day.reached_confirmed) == (1, 0, 0, 0)

    # Confirmed, paid, handed over, delivered through the flow: each change marks the day, the next read rebuilds it.
    order = payments.confirm_order(o.Order.get_by_id(order.id), owner, "owner")
    assert AnalyticsDirtyDay.select().where((AnalyticsDirtyDay.shop == shop)
                                            & (AnalyticsDirtyDay.day == dt.date(2026, 4, 10))).exists()
    for action in ("verify_payment", "mark_ready", "hand_over", "deliver"):
        order = transition(order, action, owner, "owner")
    assert_same(shop, period)
    day = AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10)))
    assert (day.orders, day.paid_orders, day.revenue) == (1, 1, 1_000_000)
    assert (day.reached_confirmed, day.reached_paid, day.reached_delivered) == (1, 1, 1)
    assert AnalyticsLeadTime.select().where((AnalyticsLeadTime.shop == shop)
                                            & (AnalyticsLeadTime.day == dt.date(2026, 4, 10))).count() == 3
    # The marks of 10 April were consumed (the placement's own mark is on the real clock's day, not read here).
    assert not AnalyticsDirtyDay.select().where((AnalyticsDirtyDay.shop == shop)
                                                & (AnalyticsDirtyDay.day == dt.date(2026, 4, 10))).exists()
    after = figures(shop, period, True)
    assert after["totals"].revenue == before["totals"].revenue + 1_000_000
    # Pantofel: O1, O3, O5 (two), O10 in the period, and now two more.
    assert (after["top_products"][0].label, after["top_products"][0].quantity) == ("Pantofel", 5 + 2)

    # A second order of that day, paid and then cancelled: counted as placed and paid in the funnel, no revenue.
    other = make_order(shop, data.c["C4"], dt.datetime(2026, 4, 10, 5, 0), o.PLACED, [(data.p["P2"], 1)], number="X-1")
    summary.mark_dirty(other)  # written straight into the tables: tell the summary as the hook would
    other = payments.confirm_order(other, owner, "owner")
    other = transition(other, "verify_payment", owner, "owner")
    assert_same(shop, period)
    assert queries.totals(shop, period).revenue == after["totals"].revenue + 200_000
    transition(other, "cancel", owner, "owner")
    assert_same(shop, period)
    final = figures(shop, period, True)
    assert final["totals"].revenue == after["totals"].revenue and final["totals"].orders == after["totals"].orders + 1
    assert [s.count for s in final["order_flow"][0]][2] == [s.count for s in after["order_flow"][0]][2] + 1


def test_an_order_at_jakarta_midnight_belongs_to_the_next_day(data, clock):
    clock(dt.datetime(2026, 5, 1, 3, 0))
    # 16:59:59 UTC is 23:59:59 WIB on the 20th; 17:00:00 UTC is midnight, the 21st.
    late = make_order(data.shop, data.c["C5"], dt.datetime(2026, 4, 20, 16, 59, 59), o.PAID, [(data.p["P3"], 1)])
    early = make_order(data.shop, data.c["C5"], dt.datetime(2026, 4, 20, 17, 0, 0), o.PAID, [(data.p["P2"], 1)])
    for order in (late, early):
        summary.mark_dirty(order)
    period = queries.Period(dt.date(2026, 4, 20), dt.date(2026, 4, 21), "day")
    assert [(p.day, p.orders, p.revenue) for p in queries.series(data.shop, period)] == [
        (dt.date(2026, 4, 20), 1, 100_000), (dt.date(2026, 4, 21), 1, 200_000)]
    assert_same(data.shop, period)


def test_a_period_reaching_today_adds_todays_live_orders(portal_app, data, clock):
    clock(dt.datetime(2026, 3, 16, 3, 0))  # 16 March 10:00 WIB: O10 (00:30 WIB today) is today's, live
    period = queries.Period(dt.date(2026, 3, 2), dt.date(2026, 3, 16), "week")
    assert queries.split(period) == (queries.Period(dt.date(2026, 3, 2), dt.date(2026, 3, 15), "week"),
                                     queries.Period(dt.date(2026, 3, 16), dt.date(2026, 3, 16), "week"))
    points = queries.series(data.shop, period)
    assert [(p.day, p.orders, p.paid_orders, p.revenue) for p in points] == [
        (dt.date(2026, 3, 2), 5, 4, 1_800_000), (dt.date(2026, 3, 9), 5, 2, 1_120_000),
        (dt.date(2026, 3, 16), 1, 1, 500_000)]
    assert_same(data.shop, period)
    assert not AnalyticsDay.select().where(AnalyticsDay.day >= dt.date(2026, 3, 16)).exists()


def test_switching_the_module_off_and_on_again_starts_the_summary_afresh(owner_client, data):
    # While off, the plugin hears no order changes; switched on again, its summary is rebuilt from the orders.
    summary.ensure(data.shop, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert AnalyticsDay.select().where(AnalyticsDay.shop == data.shop).exists()
    url = "/s/workshop/manage/modules/analytics/switch"
    assert owner_client.post(url, data={}).status_code in (200, 303)
    summary.ensure(data.shop, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert owner_client.post(url, data={"switch-analytics-enabled": "y"}).status_code in (200, 303)
    assert not AnalyticsDay.select().where(AnalyticsDay.shop == data.shop).exists()
    assert_same(data.shop, queries.Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "week"))


def test_a_change_marked_during_a_rebuild_is_rebuilt_on_the_next_read(data, monkeypatch):
    # O1's day (2 March) is built; then O1 changes and, while its day is being rebuilt, changes again.
    shop, o1 = data.shop, data.o["O1"]
    summary.ensure(shop, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    summary.mark_dirty(o1)
    build = summary.build

    def build_while_it_changes(shop_, days):
        build(shop_, days)
        summary.mark_dirty(o1)  # committed after this rebuild read the orders

    monkeypatch.setattr(summary, "build", build_while_it_changes)
    assert summary.ensure(shop, dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == 1
    mark = AnalyticsDirtyDay.get((AnalyticsDirtyDay.shop == shop) & (AnalyticsDirtyDay.day == dt.date(2026, 3, 2)))
    assert mark.version == 2  # one row per day; the rebuild left it, as it had read version 1
    monkeypatch.setattr(summary, "build", build)
    assert summary.ensure(shop, dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == 1
    assert not AnalyticsDirtyDay.select().where(AnalyticsDirtyDay.shop == shop).exists()
    assert summary.ensure(shop, dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == 0


def test_the_platform_admin_disallowing_and_re_allowing_the_module_starts_the_summary_afresh(
        portal_app, admin_client, data):
    # While the platform disallows the plugin no shop's order changes reach it; when it is
    # allowed again, each shop that has it on is told, as when the owner flips the switch.
    shop, o3 = data.shop, data.o["O3"]
    march = queries.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 15), "day")
    assert_same(shop, march)
    assert AnalyticsDay.select().where(AnalyticsDay.shop == shop).exists()
    assert admin_client.post("/admin/plugins/analytics", data={"value": "0"}).status_code in (200, 303)
    with portal_app.test_request_context():
        transition(o.Order.get_by_id(o3.id), "start_production", role="owner")  # 5 March, not heard
    assert not AnalyticsDirtyDay.select().where(AnalyticsDirtyDay.shop == shop).exists()
    assert admin_client.post("/admin/plugins/analytics", data={"value": "1"}).status_code in (200, 303)
    assert not AnalyticsDay.select().where(AnalyticsDay.shop == shop).exists()
    assert_same(shop, march)
