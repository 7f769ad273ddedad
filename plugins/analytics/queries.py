"""Every figure of the analytics plugin, as SQL aggregation over core's order tables.

Nothing here loops over orders in Python: each function sends one (or a few)
GROUP BY / window-function queries and gets back a handful of rows — one per day,
week or month, per product, per segment. The same SQL runs on SQLite (≥ 3.25 for
window functions) and PostgreSQL; the only dialect differences (date truncation,
the length of an interval) are in the small helpers at the top.

Which orders count as revenue: those whose payment was verified and that did not
end early — status ``paid`` or any later step (in production, ready, handed over,
delivered, completed). Cancelled, rejected and expired orders never count, even
if they were paid before they were cancelled. An order counts in the period in
which it was *placed* (its ``created_at``), with its total (goods + delivery −
discount). All periods are Asia/Jakarta calendar days (UTC+7, no daylight saving).

The dashboard's figures (series, totals, top products and categories, funnel,
lead times, cities) read the whole past days of a period that the daily summary
holds (``summary.py``: a stored row, not marked dirty) from the summary, and every
other day — today and later, a past day not stored yet or marked dirty since an
order of it changed — from the order tables, in one ``UNION ALL`` (``sources()``).
So a figure is exact whatever the summary holds, and reading one never writes: the
summary is stored by the write paths (``summary.refresh``). Each takes
``summary=False`` to compute everything from the order tables instead (the tests
compare the two).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw
from flask_babel import lazy_gettext as _l
from peewee import SQL, Case, Select, Value, fn

from portal.core import orders as o
from portal.core.db import db, is_sqlite
from portal.core.models import Category, Product, User

Order, OrderItem, OrderEvent, Payment = o.Order, o.OrderItem, o.OrderEvent, o.Payment

# Paid and not ended early (see the module docstring).
REVENUE_STATUSES = (o.PAID, o.IN_PRODUCTION, o.READY, o.HANDED_OVER, o.DELIVERED, o.COMPLETED)
JAKARTA_OFFSET = dt.timedelta(hours=7)
UNITS = ("day", "week", "month")


# ---------------------------------------------------------------------------
# dialect helpers: the only place SQLite and PostgreSQL differ
# ---------------------------------------------------------------------------


def _pg_local(column):
    # A constant interval, not built from input.
    return column + SQL("interval '7 hours'")


def bucket(column, unit: str):
    """The Jakarta day, week (its Monday) or month (its 1st) of a UTC timestamp, as ``'YYYY-MM-DD'`` text."""
    if unit not in UNITS:
        raise ValueError(unit)
    if is_sqlite():
        if unit == "day":
            return fn.strftime("%Y-%m-%d", column, "+7 hours").coerce(False)
        if unit == "week":
            # 'weekday 0' moves forward to Sunday (or stays on it); six days back is that week's Monday.
            return fn.date(column, "+7 hours", "weekday 0", "-6 days").coerce(False)
        return fn.strftime("%Y-%m-01", column, "+7 hours").coerce(False)
    return fn.to_char(fn.date_trunc(unit, _pg_local(column)), "YYYY-MM-DD").coerce(False)


def date_bucket(column, unit: str):
    """Like ``bucket`` for a column that already holds a Jakarta date (the daily summary's ``day``)."""
    if unit not in UNITS:
        raise ValueError(unit)
    if is_sqlite():
        if unit == "day":
            return fn.strftime("%Y-%m-%d", column).coerce(False)
        if unit == "week":
            return fn.date(column, "weekday 0", "-6 days").coerce(False)
        return fn.strftime("%Y-%m-01", column).coerce(False)
    return fn.to_char(fn.date_trunc(unit, column), "YYYY-MM-DD").coerce(False)


def month_key(column):
    """The Jakarta month of a UTC timestamp as ``'YYYY-MM'``."""
    if is_sqlite():
        return fn.strftime("%Y-%m", column, "+7 hours").coerce(False)
    return fn.to_char(_pg_local(column), "YYYY-MM").coerce(False)


def hours_between(start, end):
    """``end - start`` in hours, as a number."""
    if is_sqlite():
        return (fn.julianday(end).coerce(False) - fn.julianday(start).coerce(False)) * 24.0
    return fn.date_part("epoch", end - start).coerce(False) / 3600.0


def _run(query) -> list[tuple]:
    """Execute a hand-built ``Select`` (not tied to one model) and return its rows as tuples."""
    return list(query.bind(db).tuples().execute())


# ---------------------------------------------------------------------------
# periods
# ---------------------------------------------------------------------------


def jakarta_today(now: dt.datetime | None = None) -> dt.date:
    from portal.core.db import utcnow

    return ((now or utcnow()) + JAKARTA_OFFSET).date()


def utc_start(day: dt.date) -> dt.datetime:
    """The naive UTC instant at which Jakarta's ``day`` begins."""
    return dt.datetime.combine(day, dt.time()) - JAKARTA_OFFSET


@dataclass(frozen=True)
class Period:
    """Jakarta calendar days ``start`` to ``end`` inclusive, grouped by ``unit``."""

    start: dt.date
    end: dt.date
    unit: str = "day"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return utc_start(self.start), utc_start(self.end + dt.timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1), self.unit)

    def buckets(self) -> list[dt.date]:
        """The first day of every bucket the period touches (so empty days still show as zero)."""
        first = _bucket_start(self.start, self.unit)
        out = []
        while first <= self.end:
            out.append(first)
            first = _next_bucket(first, self.unit)
        return out


def _bucket_start(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day + dt.timedelta(days=7)
    if unit == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=1)


def split(period: Period, summary: bool = True, today: dt.date | None = None) -> tuple[Period | None, Period | None]:
    """``(past, live)``: the whole past days of the period (read from the daily summary where it holds them) and
    the rest (today on).

    With ``summary=False`` everything is live.
    """
    if not summary:
        return None, period
    today = today or jakarta_today()
    past = Period(period.start, min(period.end, today - dt.timedelta(days=1)), period.unit)
    live = Period(max(period.start, today), period.end, period.unit)
    return (past if past.start <= past.end else None), (live if live.start <= live.end else None)


# More separate stretches of stored days than this (so as many gaps computed between them) and the whole
# past is read from the orders instead: each stretch is one more term in the queries' conditions. The write
# paths leave one stretch (a gap only for a day whose job has not run yet).
MAX_STRETCHES = 32
ONE_DAY = dt.timedelta(days=1)


def _clean_days(shop, first: dt.date, last: dt.date) -> set[dt.date]:
    """Days in ``first..last`` whose summary rows are stored and not marked dirty: read as stored, never written."""
    from plugins.analytics.models import AnalyticsDay as D
    from plugins.analytics.models import AnalyticsDirtyDay as X

    rows = (D.select(D.day)
            .join(X, pw.JOIN.LEFT_OUTER, on=((X.shop == D.shop) & (X.day == D.day)))
            .where((D.shop == shop) & (D.day >= first) & (D.day <= last) & X.id.is_null())
            .tuples())
    return {day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10]) for (day,) in rows}


def prepare(shop, *periods: Period, summary: bool = True) -> None:
    """Look up once which past days of the periods the summary holds (one query instead of one per figure)."""
    pasts = [p for p in (split(period, summary)[0] for period in periods) if p is not None]
    if pasts:
        _summarised(shop, min(p.start for p in pasts), max(p.end for p in pasts))


def _summarised(shop, first: dt.date, last: dt.date) -> set[dt.date]:
    """The clean summary days of ``first..last``, looked up once per request for the ranges ``prepare`` was told of.

    Only reads: a day without a row or with a dirty mark is computed from the orders by
    the figure that needs it, and stored later by ``summary.refresh`` (a job), never here.
    """
    from flask import g, has_request_context

    known = g.setdefault("_analytics_summarised", []) if has_request_context() else []
    for shop_id, a, b, days in known:
        if shop_id == shop.id and a <= first and last <= b:
            return {d for d in days if first <= d <= last}
    days = _clean_days(shop, first, last)
    known.append((shop.id, first, last, days))
    return days


def _stretches(days) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as stretches of consecutive days ``(first, last)``."""
    out: list[list[dt.date]] = []
    for day in sorted(days):
        if out and day == out[-1][1] + ONE_DAY:
            out[-1][1] = day
        else:
            out.append([day, day])
    return [(a, b) for a, b in out]


def _between(first: dt.date, last: dt.date, held: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The stretches of ``first..last`` outside the sorted, disjoint stretches ``held``."""
    out, cursor = [], first
    for a, b in held:
        if a > cursor:
            out.append((cursor, a - ONE_DAY))
        cursor = max(cursor, b + ONE_DAY)
    if cursor <= last:
        out.append((cursor, last))
    return out


def _any_of(conditions):
    found = None
    for cond in conditions:
        found = cond if found is None else (found | cond)
    return found


@dataclass(frozen=True)
class Sources:
    """Where a figure reads its period: summary rows of some whole past days, order rows of every other day.

    ``stored`` are the past days with clean summary rows; ``computed`` the days read
    from the order tables: today and later, and every past day the summary does not
    hold yet (no row, or a dirty mark). Together they cover the period once, so a
    figure is exact whatever the summary holds, and reading it writes nothing.
    """

    shop: object
    stored: tuple = ()
    computed: tuple = ()

    def stored_where(self, model):
        """A condition on a summary model's rows of the stored days (``None``: none)."""
        return _any_of((model.shop == self.shop) & (model.day >= a) & (model.day <= b) for a, b in self.stored)

    def computed_where(self):
        """A condition on ``Order`` for the orders placed on the computed days (``None``: none)."""
        # The shop in every term: each stretch is one range of the (shop, created_at) index.
        return _any_of((Order.shop == self.shop) & (Order.created_at >= utc_start(a))
                       & (Order.created_at < utc_start(b + ONE_DAY)) for a, b in self.computed)


def sources(shop, period: Period, summary: bool = True) -> Sources:
    """Split ``period`` into the days read from the summary and the days computed from the orders."""
    past, live = split(period, summary)
    stored, computed = [], []
    if past:
        stored = _stretches(_summarised(shop, past.start, past.end))
        computed = _between(past.start, past.end, stored)
        if len(stored) > MAX_STRETCHES:
            stored, computed = [], [(past.start, past.end)]
    if live:
        if computed and computed[-1][1] + ONE_DAY == live.start:
            computed[-1] = (computed[-1][0], live.end)
        else:
            computed.append((live.start, live.end))
    return Sources(shop, tuple(stored), tuple(computed))


def _union(parts):
    query = parts[0]
    for part in parts[1:]:
        query = query.union_all(part)
    return query


def _is_revenue():
    return Order.status.in_(REVENUE_STATUSES)


def _revenue_total():
    return fn.COALESCE(fn.SUM(Case(None, [(_is_revenue(), Order.total)], 0)), 0)


def _revenue_count():
    return fn.COALESCE(fn.SUM(Case(None, [(_is_revenue(), 1)], 0)), 0)


# ---------------------------------------------------------------------------
# the dashboard
# ---------------------------------------------------------------------------


@dataclass
class Point:
    day: dt.date
    orders: int = 0
    paid_orders: int = 0
    revenue: int = 0


@dataclass
class Totals:
    orders: int = 0
    paid_orders: int = 0
    revenue: int = 0

    @property
    def average_order(self) -> int:
        """Average order value: revenue over the orders that count as revenue (whole Rupiah)."""
        return round(self.revenue / self.paid_orders) if self.paid_orders else 0


def delta_percent(current: int, previous: int) -> float | None:
    """Change against the previous period in percent, or ``None`` when there is nothing to compare with."""
    if not previous:
        return None
    return round((current - previous) * 100.0 / previous, 1)


def _counts_parts(shop, period: Period, summary: bool, unit: str | None):
    """Per bucket (or in all, ``unit=None``): orders placed, revenue orders, revenue — summary rows and live rows."""
    from plugins.analytics.models import AnalyticsDay as D

    src = sources(shop, period, summary)
    parts = []
    if src.stored:
        key = date_bucket(D.day, unit) if unit else Value(1)
        parts.append(D.select(key.alias("b"), D.orders.alias("n"), D.paid_orders.alias("p"), D.revenue.alias("r"))
                     .where(src.stored_where(D)))
    if src.computed:
        key = bucket(Order.created_at, unit) if unit else Value(1)
        part = Order.select(key.alias("b"), fn.COUNT(Order.id).alias("n"), _revenue_count().alias("p"),
                            _revenue_total().alias("r")).where(src.computed_where())
        parts.append(part.group_by(key) if unit else part)
    u = _union(parts).alias("u")
    return Select([u], [u.c.b, fn.SUM(u.c.n), fn.SUM(u.c.p), fn.SUM(u.c.r)]).group_by(u.c.b)


def series(shop, period: Period, summary: bool = True) -> list[Point]:
    """Orders placed, orders that count as revenue, and revenue, per bucket (empty buckets included)."""
    found = {dt.date.fromisoformat(str(day)): (n, paid, revenue)
             for day, n, paid, revenue in _run(_counts_parts(shop, period, summary, period.unit))}
    return [Point(day, *map(int, found.get(day, (0, 0, 0)))) for day in period.buckets()]


def totals(shop, period: Period, summary: bool = True) -> Totals:
    rows = _run(_counts_parts(shop, period, summary, None))
    n, paid, revenue = rows[0][1:] if rows else (0, 0, 0)
    return Totals(int(n or 0), int(paid or 0), int(revenue or 0))


def totals_of(points: list[Point]) -> Totals:
    return Totals(sum(p.orders for p in points), sum(p.paid_orders for p in points), sum(p.revenue for p in points))


@dataclass
class Ranked:
    label: str
    quantity: int
    revenue: int
    key: int | None = None


def _product_lines(shop, period: Period, summary: bool):
    """``(pid, name, q, r)`` rows of revenue orders' lines: per day and product from the summary, per line live."""
    from plugins.analytics.models import AnalyticsDayProduct as DP

    src = sources(shop, period, summary)
    parts = []
    if src.stored:
        parts.append(DP.select(DP.product.alias("pid"), DP.name.alias("name"), DP.quantity.alias("q"),
                               DP.revenue.alias("r")).where(src.stored_where(DP)))
    if src.computed:
        parts.append(OrderItem.select(OrderItem.product.alias("pid"), OrderItem.name.alias("name"),
                                      OrderItem.quantity.alias("q"), OrderItem.line_total.alias("r"))
                     .join(Order, on=(OrderItem.order == Order.id))
                     .where(src.computed_where() & _is_revenue()))
    return _union(parts).alias("u")


def top_products(shop, period: Period, limit: int = 10, summary: bool = True) -> list[Ranked]:
    """Best-selling products by revenue (order lines of revenue orders placed in the period)."""
    u = _product_lines(shop, period, summary)
    name = fn.COALESCE(fn.MAX(Product.name), fn.MAX(u.c.name))
    revenue = fn.SUM(u.c.r)
    rows = _run(
        Select([u], [u.c.pid, name, fn.SUM(u.c.q), revenue])
        .join(Product, pw.JOIN.LEFT_OUTER, on=(u.c.pid == Product.id))
        .group_by(u.c.pid)
        .order_by(revenue.desc(), u.c.pid)
        .limit(limit)
    )
    return [Ranked(str(label), int(qty), int(rev), pid) for pid, label, qty, rev in rows]


def top_categories(shop, period: Period, limit: int = 10, summary: bool = True) -> list[Ranked]:
    """Revenue per product category; lines of deleted or uncategorised products come under key ``None``."""
    u = _product_lines(shop, period, summary)
    revenue = fn.SUM(u.c.r)
    rows = _run(
        Select([u], [Category.id, fn.MAX(Category.name), fn.SUM(u.c.q), revenue])
        .join(Product, pw.JOIN.LEFT_OUTER, on=(u.c.pid == Product.id))
        .join(Category, pw.JOIN.LEFT_OUTER, on=(Product.category == Category.id))
        .group_by(Category.id)
        .order_by(revenue.desc(), Category.id)
        .limit(limit)
    )
    return [Ranked(str(label) if label is not None else "", int(qty), int(rev), cid) for cid, label, qty, rev in rows]


@dataclass
class Step:
    key: str
    count: int
    # Share of the previous step that did not reach this one (percent), None for the first step.
    drop_off: float | None = None

    @property
    def label(self):
        return FUNNEL_LABELS[self.key]


@dataclass
class LeadTime:
    key: str
    median_hours: float | None
    orders: int

    @property
    def label(self):
        return LEAD_TIME_LABELS[self.key]


# Lead time spans as (start column, end column) of the milestones below.
LEAD_TIME_SPANS = {
    "to_payment": ("placed_at", "paid_at"),
    "to_handover": ("paid_at", "handed_at"),
    # A parcel that came back and went out again is measured from its last hand-over.
    "to_delivery": ("last_handed_at", "delivered_at"),
}


def _milestones(where):
    """Per order matching ``where``: its Jakarta day, when it was placed, first confirmed, paid, handed over, delivered.

    :return: ``(placed, milestones)``, two CTEs. ``placed`` (the matching orders)
        is materialised so the planner reaches them through the (shop, created_at)
        index; grouping the join by order id would otherwise walk every order the
        shop ever had.
    """
    from plugins.analytics.summary import day_of

    placed = Order.select(Order.id.alias("oid"), Order.created_at.alias("placed_at"),
                          day_of(Order.created_at).alias("day")).where(where).cte("placed", materialized=True)

    def first(status):
        return fn.MIN(Case(None, [(OrderEvent.to_status == status, OrderEvent.created_at)], None))

    milestones = (
        Select([placed], [
            placed.c.oid,
            fn.MIN(placed.c.day).alias("day"),
            fn.MIN(placed.c.placed_at).alias("placed_at"),
            first(o.CONFIRMED).alias("confirmed_at"),
            first(o.PAID).alias("paid_at"),
            first(o.HANDED_OVER).alias("handed_at"),
            fn.MAX(Case(None, [(OrderEvent.to_status == o.HANDED_OVER, OrderEvent.created_at)], None)).alias("last_handed_at"),
            first(o.DELIVERED).alias("delivered_at"),
        ])
        # No filter on to_status here: one index seek per order reads its few status rows,
        # where an IN list would seek once per status.
        .join(OrderEvent, pw.JOIN.LEFT_OUTER, on=(
            (OrderEvent.order == placed.c.oid) & (OrderEvent.kind == "status")
        ))
        .group_by(placed.c.oid)
    ).cte("m", materialized=True)
    return placed, milestones


def lead_time_columns(m):
    """``(key, start, end, hours)`` of each lead-time span over the milestones CTE ``m``."""
    out = []
    for key, (start_name, end_name) in LEAD_TIME_SPANS.items():
        start, end = getattr(m.c, start_name), getattr(m.c, end_name)
        out.append((key, start, end, hours_between(start, end)))
    return out


def flow_counts(m):
    """Over the milestones CTE ``m``: orders, how many reached confirmed, paid, delivered, and how many have
    each lead time measured (in ``LEAD_TIME_SPANS`` order)."""
    measured = [fn.COALESCE(fn.SUM(Case(None, [(start.is_null(False) & end.is_null(False), 1)], 0)), 0)
                for _, start, end, _ in lead_time_columns(m)]
    return [fn.COUNT(SQL("*")), fn.COUNT(m.c.confirmed_at), fn.COUNT(m.c.paid_at), fn.COUNT(m.c.delivered_at),
            *measured]


def order_flow(shop, period: Period, summary: bool = True) -> tuple[list[Step], list[LeadTime]]:
    """The funnel and the three lead-time medians of the orders placed in the period.

    "Reached" comes from the order's status history (``OrderEvent``), so an
    order paid and later cancelled still counts as having been paid. Past days
    come from the daily summary (counts per day, and every order's durations);
    the live days from the per-order milestones CTE.

    The exact median on both databases: count each span's durations, then read
    the middle one or two in order (``LIMIT``/``OFFSET``; the summary's durations
    come in order from its (shop, span, hours) index) and average them.
    """
    from plugins.analytics.models import AnalyticsDay as D
    from plugins.analytics.models import AnalyticsLeadTime as L

    src = sources(shop, period, summary)
    # orders, reached confirmed, paid, delivered, then the number of durations of each span
    counts = [0] * (4 + len(LEAD_TIME_SPANS))
    lead_parts = {key: [] for key in LEAD_TIME_SPANS}
    ctes = []
    if src.stored:
        where = src.stored_where
        columns = [D.orders, D.reached_confirmed, D.reached_paid, D.reached_delivered,
                   *(getattr(D, f"measured_{key}") for key in LEAD_TIME_SPANS)]
        row = _run(Select([D], [fn.SUM(c) for c in columns]).where(where(D)))[0]
        counts = [a + int(b or 0) for a, b in zip(counts, row, strict=True)]
        for key in LEAD_TIME_SPANS:
            lead_parts[key].append(L.select(L.hours.alias("h")).where(where(L) & (L.span == key)))
    if src.computed:
        placed, m = _milestones(src.computed_where())
        ctes = [placed, m]
        row = _run(Select([m], flow_counts(m)).with_cte(*ctes))[0]
        counts = [a + int(b or 0) for a, b in zip(counts, row, strict=True)]
        for key, start, end, hours in lead_time_columns(m):
            lead_parts[key].append(Select([m], [hours.alias("h")]).where(start.is_null(False) & end.is_null(False)))
    steps, previous = [], None
    for key, count in zip(("placed", "confirmed", "paid", "delivered"), counts[:4], strict=True):
        drop = None if previous is None else (round((previous - count) * 100.0 / previous, 1) if previous else 0.0)
        steps.append(Step(key, count, drop))
        previous = count
    sizes = dict(zip(LEAD_TIME_SPANS, counts[4:], strict=True))
    spans = []
    for key, parts in lead_parts.items():
        n = sizes.get(key, 0)
        median = None
        if n:
            middle = _union(parts).order_by(SQL("h")).limit(2 - n % 2).offset((n - 1) // 2)
            values = [h for (h,) in _run(middle.with_cte(*ctes) if ctes else middle)]
            median = sum(float(v) for v in values) / len(values)
        spans.append(LeadTime(key, round(median, 1) if median is not None else None, n))
    return steps, spans


def funnel(shop, period: Period, summary: bool = True) -> list[Step]:
    """Orders placed in the period, and how many of them ever reached confirmed, paid and delivered."""
    return order_flow(shop, period, summary)[0]


def lead_times(shop, period: Period, summary: bool = True) -> list[LeadTime]:
    """Median hours from placing to payment verified, payment to hand-over, hand-over to delivery."""
    return order_flow(shop, period, summary)[1]


@dataclass
class City:
    name: str
    orders: int
    revenue: int


def cities(shop, period: Period, limit: int = 12, summary: bool = True) -> list[City]:
    """Orders placed and revenue per delivery city (pick-up orders have no city: shown as empty)."""
    from plugins.analytics.models import AnalyticsDayCity as DC

    src = sources(shop, period, summary)
    parts = []
    if src.stored:
        parts.append(DC.select(DC.city.alias("city"), DC.orders.alias("n"), DC.revenue.alias("r"))
                     .where(src.stored_where(DC)))
    if src.computed:
        city = fn.TRIM(Order.city)
        parts.append(Order.select(city.alias("city"), fn.COUNT(Order.id).alias("n"), _revenue_total().alias("r"))
                     .where(src.computed_where()).group_by(city))
    u = _union(parts).alias("u")
    n = fn.SUM(u.c.n)
    rows = _run(Select([u], [u.c.city, n, fn.SUM(u.c.r)]).group_by(u.c.city).order_by(n.desc(), u.c.city).limit(limit))
    return [City(str(name or ""), int(count), int(revenue)) for name, count, revenue in rows]


def week_so_far(shop, now: dt.datetime | None = None) -> tuple[int, int]:
    """Revenue this week so far (Monday 00:00 Jakarta to now) and in the same span of last week."""
    from portal.core.db import utcnow

    now = now or utcnow()
    today = jakarta_today(now)
    monday = utc_start(today - dt.timedelta(days=today.weekday()))
    elapsed = now - monday
    last_monday = monday - dt.timedelta(days=7)
    span = lambda a, b: (Order.created_at >= a) & (Order.created_at < b)  # noqa: E731
    this_week = Case(None, [(span(monday, now), Order.total)], 0)
    last_week = Case(None, [(span(last_monday, last_monday + elapsed), Order.total)], 0)
    row = (
        Order.select(fn.COALESCE(fn.SUM(this_week), 0), fn.COALESCE(fn.SUM(last_week), 0))
        .where((Order.shop == shop) & _is_revenue() & (Order.created_at >= last_monday) & (Order.created_at < now))
        .tuples()
        .get()
    )
    return int(row[0] or 0), int(row[1] or 0)


# ---------------------------------------------------------------------------
# customers: RFM, segments, cohorts, repeat rate, lifetime value
# ---------------------------------------------------------------------------

SEGMENT_KEYS = ("champions", "loyal", "new", "at_risk", "hibernating", "lost")


def _rfm(shop):
    """A subquery with one row per registered customer who has at least one revenue order.

    Columns: ``cid``, ``first_at``, ``last_at``, ``n`` (revenue orders), ``m``
    (revenue), the quintile scores ``r``, ``f``, ``mm`` (1–5, higher is better) and
    ``segment``. Scores are ``NTILE(5)`` over the shop's customers ordered by the
    last order's time, the number of orders and the revenue; customers with the
    same number of orders (or the same revenue) then all get the lowest score
    among them — most customers of a small workshop order once, and NTILE alone
    would scatter them over F 1 to 4 by their id. Segment rules, first match wins:

    - champions: R ≥ 4 and F ≥ 4 — bought lately and often;
    - new: R ≥ 4 and exactly one order — first order was recent;
    - loyal: R ≥ 3 and (F ≥ 3 or two orders or more);
    - at_risk: R ≤ 2 and (F ≥ 3 or two orders or more) — good customers gone quiet;
    - lost: R = 1 — one order, long ago;
    - hibernating: everyone else (one order, a while ago).
    """
    base = (
        Order.select(
            Order.customer.alias("cid"),
            fn.MIN(Order.created_at).alias("first_at"),
            fn.MAX(Order.created_at).alias("last_at"),
            fn.COUNT(Order.id).alias("n"),
            fn.SUM(Order.total).alias("m"),
        )
        .where((Order.shop == shop) & _is_revenue() & Order.customer.is_null(False))
        .group_by(Order.customer)
    ).alias("b")
    c = base.c
    tiles = Select([base], [
        c.cid, c.first_at, c.last_at, c.n, c.m,
        fn.NTILE(5).over(order_by=[c.last_at, c.cid]).alias("r"),
        fn.NTILE(5).over(order_by=[c.n, c.cid]).alias("f_raw"),
        fn.NTILE(5).over(order_by=[c.m, c.cid]).alias("m_raw"),
    ]).alias("t")
    t = tiles.c
    scored = Select([tiles], [
        t.cid, t.first_at, t.last_at, t.n, t.m, t.r,
        fn.MIN(t.f_raw).over(partition_by=[t.n]).alias("f"),
        fn.MIN(t.m_raw).over(partition_by=[t.m]).alias("mm"),
    ]).alias("s")
    s = scored.c
    regular = (s.f >= 3) | (s.n >= 2)
    segment = Case(None, [
        ((s.r >= 4) & (s.f >= 4), "champions"),
        ((s.r >= 4) & (s.n == 1), "new"),
        ((s.r >= 3) & regular, "loyal"),
        ((s.r <= 2) & regular, "at_risk"),
        (s.r == 1, "lost"),
    ], "hibernating")
    return Select([scored], [s.cid, s.first_at, s.last_at, s.n, s.m, s.r, s.f, s.mm, segment.alias("segment")])


def rfm(shop):
    """The RFM subquery for ``shop`` (see ``_rfm``), aliased ``g``."""
    return _rfm(shop).alias("g")


@dataclass
class SegmentRow:
    key: str
    customers: int = 0
    revenue: int = 0
    repeat_customers: int = 0

    @property
    def clv(self) -> int:
        """Average revenue per customer of the segment (whole Rupiah)."""
        return round(self.revenue / self.customers) if self.customers else 0

    @property
    def label(self):
        return SEGMENT_LABELS[self.key]

    @property
    def rule(self):
        return SEGMENT_RULES[self.key]


def segments(shop) -> list[SegmentRow]:
    """Each named segment with its customers, their revenue and how many came back (all time), in a fixed order."""
    g = rfm(shop)
    rows = _run(Select([g], [g.c.segment, fn.COUNT(SQL("*")), fn.SUM(g.c.m), fn.SUM(Case(None, [(g.c.n >= 2, 1)], 0))])
                .group_by(g.c.segment))
    found = {key: SegmentRow(key, int(n), int(m or 0), int(repeat or 0)) for key, n, m, repeat in rows}
    return [found.get(key, SegmentRow(key)) for key in SEGMENT_KEYS]


@dataclass
class Member:
    id: int
    name: str
    email: str
    orders: int
    revenue: int
    first_at: dt.datetime
    last_at: dt.datetime
    r: int
    f: int
    m: int
    segment: str


def _as_datetime(value):
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def segment_members(shop, key: str, page: int = 1, per_page: int = 25) -> tuple[list[Member], bool]:
    """One page of a segment's customers, biggest spenders first; ``(members, has_next)``."""
    g = rfm(shop)
    query = (
        Select([g], [g.c.cid, User.name, User.email, g.c.n, g.c.m, g.c.first_at, g.c.last_at, g.c.r, g.c.f, g.c.mm,
                     g.c.segment])
        .join(User, on=(User.id == g.c.cid))
        .where(g.c.segment == key)
        .order_by(g.c.m.desc(), g.c.cid)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = [_member(row) for row in _run(query)]
    return rows[:per_page], len(rows) > per_page


def _member(row) -> Member:
    cid, name, email, n, m, first_at, last_at, r, f, mm, segment = row
    return Member(int(cid), name, email, int(n), int(m), _as_datetime(first_at), _as_datetime(last_at),
                  int(r), int(f), int(mm), segment)


def customer_rfm(shop, customer_id: int) -> Member | None:
    """One customer's scores and segment (``None`` when they have no revenue order here)."""
    g = rfm(shop)
    rows = _run(
        Select([g], [g.c.cid, User.name, User.email, g.c.n, g.c.m, g.c.first_at, g.c.last_at, g.c.r, g.c.f, g.c.mm,
                     g.c.segment])
        .join(User, on=(User.id == g.c.cid))
        .where(g.c.cid == customer_id)
    )
    return _member(rows[0]) if rows else None


def segment_ids(shop) -> dict[str, tuple[int, ...]]:
    """Customer ids per segment (for ``portal_customer_segments``), one query."""
    g = rfm(shop)
    out: dict[str, list[int]] = {key: [] for key in SEGMENT_KEYS}
    for segment, cid in _run(Select([g], [g.c.segment, g.c.cid]).order_by(g.c.cid)):
        out[segment].append(int(cid))
    return {key: tuple(ids) for key, ids in out.items()}


@dataclass
class Retention:
    customers: int = 0
    repeat_customers: int = 0
    revenue: int = 0

    @property
    def repeat_rate(self) -> float | None:
        """Share of customers with two revenue orders or more, in percent."""
        return round(self.repeat_customers * 100.0 / self.customers, 1) if self.customers else None

    @property
    def clv(self) -> int:
        """Customer lifetime value so far: average revenue per customer (whole Rupiah)."""
        return round(self.revenue / self.customers) if self.customers else 0


def retention(shop, rows: list[SegmentRow] | None = None) -> Retention:
    """Customers with a revenue order, how many came back, and their revenue (all time).

    The segments already count all of this: pass their rows to save the query.
    """
    rows = segments(shop) if rows is None else rows
    return Retention(sum(r.customers for r in rows), sum(r.repeat_customers for r in rows), sum(r.revenue for r in rows))


@dataclass
class Cohort:
    month: str  # 'YYYY-MM' of the first revenue order
    size: int
    # returned[k] = customers of the cohort with a revenue order k months after their first (k ≥ 1)
    returned: dict[int, int] = field(default_factory=dict)

    def share(self, k: int) -> float | None:
        return round(self.returned.get(k, 0) * 100.0 / self.size, 1) if self.size else None


def _months_between(a: str, b: str) -> int:
    ya, ma = map(int, a.split("-"))
    yb, mb = map(int, b.split("-"))
    return (yb - ya) * 12 + (mb - ma)


def _active_months(shop):
    mk = month_key(Order.created_at)
    return (
        Order.select(Order.customer.alias("cid"), mk.alias("mon"))
        .where((Order.shop == shop) & _is_revenue() & Order.customer.is_null(False))
        .group_by(Order.customer, mk)
    )


def cohorts(shop, months: int = 12) -> list[Cohort]:
    """Monthly cohort retention: per month of first revenue order, who ordered again in each later month.

    One query returns (cohort month, active month, customers) — at most one row
    per pair of months; the newest ``months`` cohorts are kept.
    """
    act = _active_months(shop).cte("act")
    firsts = Select([act], [act.c.cid.alias("cid"), fn.MIN(act.c.mon).alias("cohort")]).group_by(act.c.cid).alias("fst")
    rows = _run(
        Select([act], [firsts.c.cohort, act.c.mon, fn.COUNT(SQL("*"))])
        .join(firsts, on=(firsts.c.cid == act.c.cid))
        .group_by(firsts.c.cohort, act.c.mon)
        .with_cte(act)
    )
    found: dict[str, Cohort] = {}
    for cohort, mon, n in rows:
        c = found.setdefault(cohort, Cohort(cohort, 0))
        k = _months_between(cohort, mon)
        if k == 0:
            c.size = int(n)
        else:
            c.returned[k] = int(n)
    return [found[k] for k in sorted(found)[-months:]]


# ---------------------------------------------------------------------------
# the customer list and one customer
# ---------------------------------------------------------------------------


@dataclass
class CustomerRow:
    id: int
    name: str
    email: str
    orders: int
    revenue: int
    last_at: dt.datetime


def customers_page(shop, search: str = "", page: int = 1, per_page: int = 25) -> tuple[list[CustomerRow], bool]:
    """Registered customers who ordered in this shop, most recent first, optionally searched by name or e-mail."""
    last = fn.MAX(Order.created_at)
    query = (
        User.select(User.id, User.name, User.email, fn.COUNT(Order.id), _revenue_total(), last)
        .join(Order, on=(Order.customer == User.id))
        .where(Order.shop == shop)
    )
    words = "".join(ch for ch in search if ch not in "%_\\").strip()
    if words:
        pattern = f"%{words}%"
        query = query.where((User.name ** pattern) | (User.email ** pattern))
    rows = list(
        query.group_by(User.id, User.name, User.email).order_by(last.desc(), User.id.desc())
        .limit(per_page + 1).offset((page - 1) * per_page).tuples()
    )
    out = [CustomerRow(int(i), name, email, int(n), int(rev), _as_datetime(at)) for i, name, email, n, rev, at in rows]
    return out[:per_page], len(out) > per_page


def customer_of(shop, user_id: int) -> User | None:
    """The user, if they ever placed an order in this shop; anybody else is not this shop's customer."""
    has_ordered = Order.select(Order.id).where((Order.shop == shop) & (Order.customer == User.id))
    return User.get_or_none((User.id == user_id) & fn.EXISTS(has_ordered))


def customer_orders(shop, customer, limit: int = 50):
    return (
        Order.select().where((Order.shop == shop) & (Order.customer == customer))
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    )


def customer_payments(shop, customer, limit: int = 50):
    return (
        Payment.select(Payment, Order).join(Order)
        .where((Order.shop == shop) & (Order.customer == customer))
        .order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit)
    )


# Labels live here so views, charts and CSV say the same thing.

FUNNEL_LABELS = {
    "placed": _l("Placed"),
    "confirmed": _l("Confirmed"),
    "paid": _l("Paid"),
    "delivered": _l("Delivered"),
}
LEAD_TIME_LABELS = {
    "to_payment": _l("Placed → payment verified"),
    "to_handover": _l("Paid → handed over"),
    "to_delivery": _l("Handed over → delivered"),
}
SEGMENT_LABELS = {
    "champions": _l("Champions"),
    "loyal": _l("Loyal"),
    "new": _l("New"),
    "at_risk": _l("At risk"),
    "hibernating": _l("Hibernating"),
    "lost": _l("Lost"),
}
SEGMENT_RULES = {
    "champions": _l("Bought recently and often (R 4–5, F 4–5)."),
    "loyal": _l("Buy regularly, not necessarily lately (R 3–5 and F 3–5 or two orders or more)."),
    "new": _l("First and only order was recent (R 4–5, one order)."),
    "at_risk": _l("Used to buy regularly but not lately (R 1–2 and F 3–5 or two orders or more)."),
    "hibernating": _l("One order, some while ago (R 2–3)."),
    "lost": _l("One order, long ago (R 1)."),
}
