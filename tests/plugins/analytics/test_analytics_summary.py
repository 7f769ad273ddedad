"""The daily summary gives the same figures as the live queries: after orders are placed, changed, cancelled,
and when a day turns into a past day at Jakarta's midnight; and reading the figures never writes.

``summary=False`` computes a figure from the order tables alone; the figures the
dashboard shows read the whole past days the summary holds from it, and compute
the rest. Orders here are placed and moved through core's real services, so the
summary hears of them only through the order hooks; rows are stored only by the
write paths (the job those hooks defer, the module switch, the hourly job).
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


def test_past_days_come_from_the_summary_and_equal_the_live_figures(data, clock):
    clock(dt.datetime(2026, 4, 1, 3, 0))  # 1 April 10:00 WIB: everything up to 31 March is past
    periods = (queries.Period(dt.date(2025, 11, 1), dt.date(2026, 3, 31), "week"),
               queries.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 2), "day"),
               queries.Period(dt.date(2025, 11, 1), dt.date(2026, 3, 31), "month"))
    # Nothing stored yet (the orders were written straight into the tables): computed, and nothing written.
    assert_same(data.shop, *periods)
    assert not AnalyticsDay.select().exists()
    assert summary.refresh(data.shop.id) > 0  # the write path (the job)
    assert_same(data.shop, *periods)
    # Built from the shop's first order day (10 Nov 2025) to 31 March: one row per day, empty days too.
    days = AnalyticsDay.select().where(AnalyticsDay.shop == data.shop)
    assert days.count() == (dt.date(2026, 3, 31) - dt.date(2025, 11, 10)).days + 1
    assert AnalyticsDay.get((AnalyticsDay.shop == data.shop) & (AnalyticsDay.day == dt.date(2025, 12, 25))).orders == 0
    # The Jakarta-midnight edges: P3 (1 Mar 16:00 UTC) on the 1st, O11 (1 Mar 17:30 UTC) on the 2nd.
    first, second = (AnalyticsDay.get((AnalyticsDay.shop == data.shop) & (AnalyticsDay.day == dt.date(2026, 3, d)))
                     for d in (1, 2))
    assert (first.orders, first.revenue) == (1, 0) and (second.orders, second.revenue) == (2, 800_000)
    # The figures read them now: every past day of the period is a stored one.
    assert queries.sources(data.shop, periods[0]).stored == ((dt.date(2025, 11, 10), dt.date(2026, 3, 31)),)
    # A second run builds nothing.
    assert summary.ensure(data.shop, dt.date(2025, 11, 1), dt.date(2026, 3, 31)) == 0
    assert summary.refresh(data.shop.id) == 0


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

    # Midnight passes: 10 April is a past day now, computed from the orders until the write path stores it.
    clock(dt.datetime(2026, 4, 10, 17, 0, 1))  # 11 April, 00:00:01 WIB
    assert_same(shop, period)
    assert not AnalyticsDay.select().where((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10))).exists()
    summary.refresh_all()  # the hourly job
    day = AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10)))
    assert (day.orders, day.paid_orders, day.revenue, day.reached_confirmed) == (1, 0, 0, 0)
    assert_same(shop, period)

    # Confirmed, paid, handed over, delivered through the flow: each change marks the day and defers the job
    # (run at once here, outside a request), which rebuilds it and consumes the mark.
    order = payments.confirm_order(o.Order.get_by_id(order.id), owner, "owner")
    assert AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10))).reached_confirmed == 1
    for action in ("verify_payment", "mark_ready", "hand_over", "deliver"):
        order = transition(order, action, owner, "owner")
    assert_same(shop, period)
    day = AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 4, 10)))
    assert (day.orders, day.paid_orders, day.revenue) == (1, 1, 1_000_000)
    assert (day.reached_confirmed, day.reached_paid, day.reached_delivered) == (1, 1, 1)
    assert AnalyticsLeadTime.select().where((AnalyticsLeadTime.shop == shop)
                                            & (AnalyticsLeadTime.day == dt.date(2026, 4, 10))).count() == 3
    # The marks of 10 April were consumed (the placement's own mark is on the real clock's day, not built here).
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


def test_switching_the_module_off_and_on_again_starts_the_summary_afresh(owner_client, data, clock):
    # While off, the plugin hears no order changes; switched on again, its summary is rebuilt from the orders.
    clock(dt.datetime(2026, 4, 1, 3, 0))
    quarter = queries.Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "week")
    summary.ensure(data.shop, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert AnalyticsDay.select().where(AnalyticsDay.shop == data.shop).exists()
    url = "/s/workshop/manage/modules/analytics/switch"
    assert owner_client.post(url, data={}).status_code in (200, 303)
    assert not AnalyticsDay.select().where(AnalyticsDay.shop == data.shop).exists()
    # Rows written while off stand for changes the plugin missed: one is wrong now.
    summary.ensure(data.shop, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    AnalyticsDay.update(revenue=AnalyticsDay.revenue + 999).where(
        (AnalyticsDay.shop == data.shop) & (AnalyticsDay.day == dt.date(2026, 3, 2))).execute()
    assert owner_client.post(url, data={"switch-analytics-enabled": "y"}).status_code in (200, 303)
    # Dropped and stored again from the orders by the job the switch deferred.
    day = AnalyticsDay.get((AnalyticsDay.shop == data.shop) & (AnalyticsDay.day == dt.date(2026, 3, 2)))
    assert (day.orders, day.revenue) == (2, 800_000)  # O1 and O11 (00:30 WIB)
    assert queries.sources(data.shop, quarter).stored == ((dt.date(2026, 1, 1), dt.date(2026, 3, 31)),)
    assert_same(data.shop, quarter)


def test_a_change_marked_during_a_rebuild_is_rebuilt_by_the_next_one(data, monkeypatch):
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
    summary.refresh(shop.id)
    assert_same(shop, march)
    assert AnalyticsDay.select().where(AnalyticsDay.shop == shop).exists()
    assert admin_client.post("/admin/plugins/analytics", data={"value": "0"}).status_code in (200, 303)
    # Stored again while disallowed (as by a job queued before): it will miss the change below.
    summary.refresh(shop.id)
    with portal_app.test_request_context():
        transition(o.Order.get_by_id(o3.id), "start_production", role="owner")  # 5 March, not heard
    assert not AnalyticsDirtyDay.select().where(AnalyticsDirtyDay.shop == shop).exists()
    assert admin_client.post("/admin/plugins/analytics", data={"value": "1"}).status_code in (200, 303)
    # Dropped and stored again from the orders (the job the switch deferred): the missed change is in.
    assert AnalyticsDay.select().where(AnalyticsDay.shop == shop).exists()
    assert queries.sources(shop, march).stored == ((dt.date(2026, 3, 1), dt.date(2026, 3, 15)),)
    assert_same(shop, march)


# ---------------------------------------------------------------------------
# reading never writes: the figures compute what the summary does not hold yet
# ---------------------------------------------------------------------------

BASE = "/s/workshop/manage/analytics"
EN = {"Accept-Language": "en"}
HALF_MARCH = queries.Period(dt.date(2026, 3, 2), dt.date(2026, 3, 16), "day")
HALF_MARCH_ARGS = "start=2026-03-02&end=2026-03-16&by=day"


def writes(counted) -> list[str]:
    """The write statements among those counted (the rule the page cache and ``portal.core.changes`` apply)."""
    from portal.core import changes

    return [s for s in counted.statements if changes._is_write(s)]


def csv_series(response) -> dict[str, tuple[int, int]]:
    """``{day: (revenue, previous revenue)}`` from the revenue CSV."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {row[0]: (int(row[1]), int(row[3])) for row in rows[1:]}


def live_series(shop) -> dict[str, tuple[int, int]]:
    now = queries.series(shop, HALF_MARCH, summary=False)
    before = queries.series(shop, HALF_MARCH.previous(), summary=False)
    return {p.day.isoformat(): (p.revenue, b.revenue) for p, b in zip(now, before, strict=True)}


def read_everything(owner_client, query_counter) -> tuple[str, dict, list[str]]:
    """The dashboard (as an htmx fragment: no per-request token in it), a chart and the CSV, and what they wrote."""
    with query_counter() as q:
        page = owner_client.get(f"{BASE}/?{HALF_MARCH_ARGS}", headers={"HX-Request": "true", **EN})
        chart = owner_client.get(f"{BASE}/charts/orders.svg?{HALF_MARCH_ARGS}", headers=EN)
        table = owner_client.get(f"{BASE}/csv/revenue.csv?{HALF_MARCH_ARGS}", headers=EN)
    assert (page.status_code, chart.status_code, table.status_code) == (200, 200, 200)
    return page.get_data(as_text=True), csv_series(table), writes(q)


def stored_days(shop) -> list[dt.date]:
    return [d.day for d in AnalyticsDay.select(AnalyticsDay.day).where(AnalyticsDay.shop == shop)
            .order_by(AnalyticsDay.day)]


def test_the_first_dashboard_of_a_jakarta_day_writes_nothing_and_is_right(portal_app, owner_client, data, clock,
                                                                          query_counter):
    shop = data.shop
    clock(dt.datetime(2026, 3, 16, 3, 0))  # 16 March, 10:00 WIB
    summary.refresh(shop.id)  # the write paths have stored every past day: up to 15 March
    assert stored_days(shop)[-1] == dt.date(2026, 3, 15)
    owner_client.get(f"{BASE}/?{HALF_MARCH_ARGS}", headers=EN)  # the session's first request

    # Jakarta's midnight (17:00 UTC): 16 March is a past day now, and the summary has no row for it.
    clock(dt.datetime(2026, 3, 16, 17, 0))
    fragment, table, written = read_everything(owner_client, query_counter)
    assert written == []
    assert stored_days(shop)[-1] == dt.date(2026, 3, 15)
    # The right figures: 16 March (O10, placed 00:30 WIB, paid) computed from the orders, the rest stored.
    assert queries.sources(shop, HALF_MARCH).computed == ((dt.date(2026, 3, 16), dt.date(2026, 3, 16)),)
    assert table == live_series(shop) and table["2026-03-16"] == (500_000, 0)
    assert "Rp3.420.000" in fragment  # 1 800 000 + 1 120 000 + 500 000, as test_figures works out
    assert_same(shop, HALF_MARCH, HALF_MARCH.previous())

    # The next write path: the owner confirms O7 (placed 12 March). Its hook marks 12 March, and the job it
    # defers stores what is missing or marked: 16 March, and 12 March again.
    owner = owner_client.post(f"{BASE.replace('analytics', 'orders')}/{data.o['O7'].number}/action",
                              data={"action": "confirm"}, headers=EN)
    assert owner.status_code in (200, 303)
    assert o.Order.get_by_id(data.o["O7"].id).status == o.AWAITING_PAYMENT
    assert stored_days(shop)[-1] == dt.date(2026, 3, 16)
    assert not AnalyticsDirtyDay.select().where(AnalyticsDirtyDay.shop == shop).exists()
    assert queries.sources(shop, HALF_MARCH).computed == ()
    after, table_after, written_after = read_everything(owner_client, query_counter)
    assert written_after == []
    assert table_after == table == live_series(shop)
    assert "Rp3.420.000" in after
    assert_same(shop, HALF_MARCH, HALF_MARCH.previous())
    # The funnel counts O7 as confirmed now.
    assert [s.count for s in queries.funnel(shop, HALF_MARCH)][:2] == [
        s.count for s in queries.funnel(shop, HALF_MARCH, summary=False)][:2]


def test_a_day_marked_dirty_is_computed_from_the_orders_until_its_job_runs(portal_app, owner_client, data, clock,
                                                                          query_counter):
    shop = data.shop
    clock(dt.datetime(2026, 3, 17, 3, 0))
    summary.refresh(shop.id)
    before = queries.totals(shop, HALF_MARCH)
    # O3 (5 March, paid) is cancelled; its job is lost (deferred in a request that never finished).
    owner = User.get(User.email == "owner@shop.test")
    with portal_app.test_request_context():
        transition(o.Order.get_by_id(data.o["O3"].id), "cancel", owner, "owner", note="Out of leather")
    assert AnalyticsDirtyDay.select().where((AnalyticsDirtyDay.shop == shop)
                                            & (AnalyticsDirtyDay.day == dt.date(2026, 3, 5))).exists()
    owner_client.get(f"{BASE}/?{HALF_MARCH_ARGS}", headers=EN)
    fragment, table, written = read_everything(owner_client, query_counter)
    assert written == []
    assert queries.sources(shop, HALF_MARCH).computed == ((dt.date(2026, 3, 5), dt.date(2026, 3, 5)),)
    # O3 was 600 000 of revenue (Pantofel and Dompet): gone from the figures at once, the stored row still old.
    assert queries.totals(shop, HALF_MARCH).revenue == before.revenue - 600_000 == 2_820_000
    assert "Rp2.820.000" in fragment
    assert table == live_series(shop) and table["2026-03-05"] == (0, 0)
    assert AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 3, 5))).revenue == 600_000
    assert_same(shop, HALF_MARCH)
    # The hourly job catches up: the day is stored again, the mark consumed, the figures unchanged.
    assert summary.refresh_all() == 1
    assert AnalyticsDay.get((AnalyticsDay.shop == shop) & (AnalyticsDay.day == dt.date(2026, 3, 5))).revenue == 0
    assert not AnalyticsDirtyDay.select().where(AnalyticsDirtyDay.shop == shop).exists()
    assert read_everything(owner_client, query_counter)[1:] == (table, [])
    assert_same(shop, HALF_MARCH)


def test_a_summary_full_of_holes_is_read_from_the_orders(data, clock):
    """Many separate stored stretches would make conditions of as many terms: the past is computed whole instead."""
    clock(dt.datetime(2026, 4, 1, 3, 0))
    summary.refresh(data.shop.id)
    period = queries.Period(dt.date(2025, 11, 10), dt.date(2026, 3, 31), "week")
    holes = [dt.date(2025, 11, 11) + dt.timedelta(days=2 * i) for i in range(queries.MAX_STRETCHES)]
    AnalyticsDirtyDay.insert_many([{"shop": data.shop.id, "day": day} for day in holes]).execute()
    assert queries.sources(data.shop, period) == queries.Sources(data.shop, (), ((period.start, period.end),))
    assert_same(data.shop, period)
    # A stretch before each hole and one after the last: one hole fewer, and the stored stretches are read again.
    AnalyticsDirtyDay.delete().where(AnalyticsDirtyDay.day == holes[-1]).execute()
    assert len(queries.sources(data.shop, period).stored) == queries.MAX_STRETCHES
    assert_same(data.shop, period)
