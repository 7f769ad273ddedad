"""The daily summary: whole past days of a shop's figures, so long periods need not re-read every order.

A year of orders costs a second of aggregation; a year of days costs a few
milliseconds. The figures in ``queries.py`` read a past day from the summary when
its rows are stored and not marked dirty, and compute every other day (today,
and any past day not stored yet or marked dirty) from core's tables; so they are
exact whatever the summary holds, and **reading never writes** (a GET writes
nothing, and the dashboard stays in the page cache).

Rows are stored only on the write paths, by ``refresh()`` (``ensure()`` over the
shop's past days), which builds every day since the shop's first order that has
no summary row yet or was marked dirty:

* the job ``analytics_summary``, deferred by ``portal_order_after_transition``
  (after commit) once it has marked the order's day dirty (``AnalyticsDirtyDay``)
  — placement and every status change;
* the same job, deferred when the module is switched on (``forget()`` dropped
  the shop's summary: it missed changes while off);
* the hourly job ``analytics_summary_hourly`` (``refresh_all()``): yesterday's row
  after Jakarta's midnight, and whatever a failed or lost job left undone.

Why a rebuild never loses a change: a mark is written (its version bumped)
only after its change committed, and a rebuild reads the marks' versions before
it aggregates and removes a mark only if its version is unchanged afterwards; so
every removed mark's changes are in the aggregate, and a change marked meanwhile
keeps its mark for the next rebuild (until then its day is computed from the
orders). Rebuilds of one shop are serialised (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's advisory lock), so two workers never both write a day.
"""
from __future__ import annotations

import datetime as dt
import logging

from peewee import Select, Value, fn

from plugins.analytics import models as m
from plugins.analytics import queries as q
from portal.core import orders as o
from portal.core.db import atomic_write, db, is_sqlite
from portal.core.models import Shop

log = logging.getLogger(__name__)

Order, OrderItem = o.Order, o.OrderItem
ONE_DAY = dt.timedelta(days=1)
# First key of PostgreSQL's two-key advisory lock (the second is the shop's id): "anly".
LOCK_CLASS = 0x616E6C79
NAME = "analytics"
JOB = "analytics_summary"
HOURLY_JOB = "analytics_summary_hourly"


def day_of(column):
    """The Jakarta calendar day of a UTC timestamp, as a date value to store."""
    if is_sqlite():
        return fn.date(column, "+7 hours").coerce(False)
    return q._pg_local(column).cast("date")


def jakarta_day(moment: dt.datetime) -> dt.date:
    return (moment + q.JAKARTA_OFFSET).date()


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _runs(days) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days ``(first, last)``."""
    out: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if out and day == out[-1][1] + ONE_DAY:
            out[-1][1] = day
        else:
            out.append([day, day])
    return [(a, b) for a, b in out]


def _placed_on(shop, days):
    """Orders of ``shop`` placed on any of ``days`` (Jakarta), as index-friendly ranges of ``created_at``."""
    ranges = None
    for first, last in _runs(days):
        cond = (Order.created_at >= q.utc_start(first)) & (Order.created_at < q.utc_start(last + ONE_DAY))
        ranges = cond if ranges is None else (ranges | cond)
    return (Order.shop == shop) & ranges


# ---------------------------------------------------------------------------
# marking and forgetting
# ---------------------------------------------------------------------------


def mark_dirty(order):
    """The day ``order`` was placed must be rebuilt (called after its change committed)."""
    Dirty = m.AnalyticsDirtyDay
    Dirty.insert(shop=order.shop_id, day=jakarta_day(order.created_at), version=1).on_conflict(
        conflict_target=[Dirty.shop, Dirty.day], update={Dirty.version: Dirty.version + 1}).execute()


def forget(shop):
    """Drop a shop's whole summary (until ``refresh`` stores it again, figures come from the orders alone):
    after it missed changes, e.g. while switched off."""
    with atomic_write():
        _lock(shop)  # not in the middle of a rebuild, which could then remove a newer mark
        for model in m.SUMMARY_MODELS:
            model.delete().where(model.shop == shop).execute()


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------


def _lock(shop):
    # SQLite: atomic_write() already took the database's write lock.
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, shop.id))


def _to_build(shop, first: dt.date, last: dt.date) -> tuple[set[dt.date], dict[dt.date, int]]:
    """Days in ``first..last`` without a summary row or with a dirty mark, and the marks' versions."""
    Day, Dirty = m.AnalyticsDay, m.AnalyticsDirtyDay
    dirty = {_as_date(d): int(v) for d, v in Dirty.select(Dirty.day, Dirty.version).where(
        (Dirty.shop == shop) & (Dirty.day >= first) & (Dirty.day <= last)).tuples()}
    wanted = (last - first).days + 1
    built_count = Day.select().where((Day.shop == shop) & (Day.day >= first) & (Day.day <= last)).count()
    if built_count == wanted and not dirty:
        return set(), {}
    built = {_as_date(d) for (d,) in Day.select(Day.day).where(
        (Day.shop == shop) & (Day.day >= first) & (Day.day <= last)).tuples()}
    missing = {first + dt.timedelta(days=i) for i in range(wanted)} - built
    return missing | set(dirty), dirty


def _first_order_day(shop) -> dt.date | None:
    first = Order.select(fn.MIN(Order.created_at)).where(Order.shop == shop).scalar()
    return None if first is None else jakarta_day(q._as_datetime(first))


def ensure(shop, first: dt.date, last: dt.date) -> int:
    """Make the summary of ``first..last`` (whole past days) current; returns how many days were built.

    Days before the shop's first order are never needed (nothing to sum), so
    they are not written.
    """
    start = _first_order_day(shop)
    if start is None:
        return 0
    first = max(first, start)
    if first > last:
        return 0
    todo, _ = _to_build(shop, first, last)
    if not todo:
        return 0
    with atomic_write():
        _lock(shop)
        # Another worker may have built them while this one waited for the lock.
        todo, marks = _to_build(shop, first, last)
        if todo:
            build(shop, todo)
            Dirty = m.AnalyticsDirtyDay
            for day, version in marks.items():
                Dirty.delete().where((Dirty.shop == shop) & (Dirty.day == day) & (Dirty.version == version)).execute()
    return len(todo)


def build(shop, days) -> None:
    """Rewrite the summary rows of ``days`` from core's order tables (inside the caller's transaction)."""
    days = sorted(set(days))
    if not days:
        return
    for model in (m.AnalyticsDay, m.AnalyticsDayProduct, m.AnalyticsDayCity, m.AnalyticsLeadTime):
        for first, last in _runs(days):
            model.delete().where((model.shop == shop) & (model.day >= first) & (model.day <= last)).execute()
    placed = _placed_on(shop, days)
    d = day_of(Order.created_at)

    # The day rows, one per day even without orders ("built"), from two small grouped reads.
    counts = {_as_date(day): (n, paid, revenue) for day, n, paid, revenue in
              Order.select(d, fn.COUNT(Order.id), q._revenue_count(), q._revenue_total())
              .where(placed).group_by(d).tuples()}
    cte_placed, milestones = q._milestones(placed)
    mc = milestones.c
    reached = {_as_date(row[0]): row[1:] for row in q._run(
        Select([milestones], [mc.day, *q.flow_counts(milestones)]).group_by(mc.day).with_cte(cte_placed, milestones))}
    rows = []
    for day in days:
        n, paid, revenue = counts.get(day, (0, 0, 0))
        _, c, p, dl, *measured = (int(v or 0) for v in reached.get(day, (0,) * 7))
        rows.append({"shop": shop.id, "day": day, "orders": int(n or 0), "paid_orders": int(paid or 0),
                     "revenue": int(revenue or 0), "reached_confirmed": c, "reached_paid": p, "reached_delivered": dl,
                     **{f"measured_{key}": value for key, value in zip(q.LEAD_TIME_SPANS, measured, strict=True)}})
    for i in range(0, len(rows), 500):
        m.AnalyticsDay.insert_many(rows[i:i + 500]).execute()

    # Products of revenue orders, per day.
    P = m.AnalyticsDayProduct
    P.insert_from(
        OrderItem.select(Value(shop.id), d, OrderItem.product, fn.MAX(OrderItem.name), fn.SUM(OrderItem.quantity),
                         fn.SUM(OrderItem.line_total))
        .join(Order, on=(OrderItem.order == Order.id))
        .where(placed & q._is_revenue())
        .group_by(d, OrderItem.product),
        [P.shop, P.day, P.product, P.name, P.quantity, P.revenue],
    ).execute()

    # Cities, per day (every order placed; revenue by the revenue rule).
    C = m.AnalyticsDayCity
    city = fn.TRIM(Order.city)
    C.insert_from(
        Order.select(Value(shop.id), d, city, fn.COUNT(Order.id), q._revenue_total()).where(placed).group_by(d, city),
        [C.shop, C.day, C.city, C.orders, C.revenue],
    ).execute()

    # Each order's lead times, computed exactly as the live query computes them.
    L = m.AnalyticsLeadTime
    cte_placed, milestones = q._milestones(placed)
    parts = [
        Select([milestones], [Value(shop.id), milestones.c.day, Value(key), hours])
        .where(start.is_null(False) & end.is_null(False))
        for key, start, end, hours in q.lead_time_columns(milestones)
    ]
    union = parts[0]
    for part in parts[1:]:
        union = union.union_all(part)
    L.insert_from(union.with_cte(cte_placed, milestones), [L.shop, L.day, L.span, L.hours]).execute()


def refresh(shop_id: int) -> int:
    """The job ``analytics_summary``: store the shop's past days that are missing or marked dirty."""
    shop = Shop.get_or_none(Shop.id == shop_id)
    return 0 if shop is None else backfill(shop)


def refresh_all() -> int:
    """The hourly job: ``refresh`` every shop that has the module on (a new day's row, a lost job's work)."""
    from portal.core.plugins import registry

    on = [shop for shop in Shop.select() if registry().is_enabled(shop, NAME)]
    return sum(backfill(shop) for shop in on)


def schedule(shop) -> None:
    """Store the shop's summary after the current request (at once outside one): ``refresh`` as a job."""
    from flask import g, has_request_context

    from portal.core.jobs import jobs

    shop_id = shop.id if isinstance(shop, Shop) else int(shop)
    if has_request_context():
        # A request's jobs start after it has finished, so one refresh sees all of its marks.
        scheduled = g.setdefault("_analytics_scheduled", set())
        if shop_id in scheduled:
            return
        scheduled.add(shop_id)
    jobs().defer(JOB, shop_id)


def backfill(shop=None, today: dt.date | None = None, log_to=log.info) -> int:
    """Build every past day of ``shop`` (or of every shop) that is missing or dirty; returns days built."""
    today = today or q.jakarta_today()
    built = 0
    shops = [shop] if shop is not None else list(Shop.select())
    for one in shops:
        n = ensure(one, dt.date(1970, 1, 2), today - ONE_DAY)
        if n:
            log_to(f"analytics summary: {one.slug}: {n} days built")
        built += n
    return built


__all__ = ["backfill", "build", "day_of", "ensure", "forget", "jakarta_day", "mark_dirty", "refresh", "refresh_all",
           "schedule"]
