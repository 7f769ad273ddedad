"""The analytics pages: dashboard, charts and CSV, segments and cohorts, customers and their notes.

Every route sits under ``/s/<shop_slug>/manage/analytics`` (core's guard answers
404 when the shop has the plugin off) and is for the shop's owner and staff only.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from plugins.analytics import charts, models, queries
from plugins.analytics.forms import DeleteNoteForm, NoteForm, PeriodForm, SearchForm
from portal.core.permissions import staff_required
from portal.htmx import render_page, wants_fragment
from portal.web.page_cache import cache_page

bp = Blueprint("analytics", __name__, template_folder="templates", url_prefix="/s/<shop_slug>/manage/analytics")

PER_PAGE = 25
# The add form and the edit form can be on the page together: prefixes keep their ids apart.
ADD_PREFIX, EDIT_PREFIX = "note", "edit"
PRESETS = {"7": (7, "day"), "30": (30, "day"), "90": (90, "week"), "year": (None, "month")}
# Beyond these lengths a finer grouping would draw hundreds of unreadable bars.
MAX_DAYS_PER_UNIT = {"day": 92, "week": 731}


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def resolve_period(args) -> tuple[queries.Period, PeriodForm, str | None, str | None]:
    """The period the request asks for: a preset, valid dates, or the last 30 days.

    :return: ``(period, form, preset, note)``; ``note`` says when the grouping was made coarser.
    """
    today = queries.jakarta_today()
    form = PeriodForm(formdata=args)
    preset = args.get("preset")
    if preset in PRESETS:
        days, unit = PRESETS[preset]
        start = today.replace(month=1, day=1) if days is None else today - dt.timedelta(days=days - 1)
        period = queries.Period(start, today, unit)
    elif form.validate() and form.start.data and form.end.data:
        preset = None
        period = queries.Period(form.start.data, form.end.data, form.by.data or "day")
    else:
        preset = "30" if not form.errors else None
        period = queries.Period(today - dt.timedelta(days=29), today, "day")
    note = None
    unit = period.unit
    while unit in MAX_DAYS_PER_UNIT and period.days > MAX_DAYS_PER_UNIT[unit]:
        unit = "week" if unit == "day" else "month"
    if unit != period.unit:
        period = queries.Period(period.start, period.end, unit)
        note = _("This period is long, so it is grouped %(unit)s.", unit=dict(UNIT_WORDS())[unit])
    if not form.errors:
        form.start.data, form.end.data, form.by.data = period.start, period.end, period.unit
    return period, form, preset, note


def UNIT_WORDS():  # noqa: N802 - a table, built per request for the user's language
    return [("day", _("per day")), ("week", _("per week")), ("month", _("per month"))]


def period_args(period: queries.Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "by": period.unit}


@bp.app_template_global()
def analytics_segment_label(key: str):
    return queries.SEGMENT_LABELS.get(key, key)


@bp.app_template_global()
def analytics_payment_status(status: str):
    return PAYMENT_STATUS_LABELS.get(status, status)


PAYMENT_STATUS_LABELS = {"submitted": _l("waiting for review"), "approved": _l("approved"), "rejected": _l("rejected")}


# ---------------------------------------------------------------------------
# the dashboard
# ---------------------------------------------------------------------------


def bucket_label(day: dt.date, unit: str) -> str:
    if unit == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def dashboard_data(shop, period: queries.Period) -> dict:
    previous = period.previous()
    queries.prepare(shop, previous, period)
    points = queries.series(shop, period)
    current = queries.totals_of(points)
    before = queries.totals(shop, previous)
    flow = queries.order_flow(shop, period)
    return {
        "period": period,
        "previous": previous,
        "points": points,
        "current": current,
        "before": before,
        "deltas": {
            "revenue": queries.delta_percent(current.revenue, before.revenue),
            "orders": queries.delta_percent(current.orders, before.orders),
            "paid_orders": queries.delta_percent(current.paid_orders, before.paid_orders),
            "average_order": queries.delta_percent(current.average_order, before.average_order),
        },
        "products": queries.top_products(shop, period),
        "categories": queries.top_categories(shop, period),
        "funnel": flow[0],
        "lead_times": flow[1],
        "cities": queries.cities(shop, period),
    }


@bp.get("/")
@staff_required
@cache_page
def dashboard():
    period, form, preset, note = resolve_period(request.args)
    data = dashboard_data(g.shop, period)
    return render_page(
        "analytics/dashboard.html", "analytics/_dashboard.html",
        shop=g.shop, form=form, preset=preset, note=note, args=period_args(period), unit_label=bucket_label, **data,
    )


# ---------------------------------------------------------------------------
# charts and their CSV: one table of numbers per chart name
# ---------------------------------------------------------------------------


def _hours(value):
    return None if value is None else round(value, 1)


def report(shop, name: str, period: queries.Period) -> dict | None:
    """``{"title", "description", "header", "rows", "svg"}`` for chart ``name``, or ``None`` if unknown."""
    money = charts.compact_rupiah
    if name in ("revenue", "orders"):
        queries.prepare(shop, period.previous(), period)
        points = queries.series(shop, period)
        before = queries.series(shop, period.previous())
        labels = [bucket_label(p.day, period.unit) for p in points]
        # The previous period has as many days; it may touch one bucket more or fewer.
        prev = [b for b in before][: len(points)]
        prev += [queries.Point(p.day) for p in points[len(prev):]]
        if name == "revenue":
            header = [_("Period starting"), _("Revenue"), _("Previous period starting"), _("Previous revenue")]
            rows = [[lab, p.revenue, b.day.isoformat(), b.revenue] for lab, p, b in zip(labels, points, prev, strict=True)]
            title = _("Revenue %(unit)s", unit=dict(UNIT_WORDS())[period.unit])
            description = _("Revenue of paid orders from %(start)s to %(end)s, beside the previous period of the same length.",
                            start=period.start.isoformat(), end=period.end.isoformat())
            svg = lambda: charts.bar(title, description, labels, [  # noqa: E731
                (_("This period"), [p.revenue for p in points]), (_("Previous period"), [b.revenue for b in prev])],
                formatter=money)
        else:
            header = [_("Period starting"), _("Orders placed"), _("Paid orders"), _("Previous orders placed")]
            rows = [[lab, p.orders, p.paid_orders, b.orders] for lab, p, b in zip(labels, points, prev, strict=True)]
            title = _("Orders %(unit)s", unit=dict(UNIT_WORDS())[period.unit])
            description = _("Orders placed and paid from %(start)s to %(end)s, beside the orders placed in the previous period.",
                            start=period.start.isoformat(), end=period.end.isoformat())
            svg = lambda: charts.line(title, description, labels, [  # noqa: E731
                (_("Placed"), [p.orders for p in points]), (_("Paid"), [p.paid_orders for p in points]),
                (_("Placed, previous period"), [b.orders for b in prev])])
    elif name == "funnel":
        steps = queries.funnel(shop, period)
        header = [_("Step"), _("Orders"), _("Drop-off from the step before (%)")]
        rows = [[str(s.label), s.count, "" if s.drop_off is None else s.drop_off] for s in steps]
        title = _("Order funnel")
        description = _("How many orders placed in the period were confirmed, paid and delivered.")
        svg = lambda: charts.bar(title, description, [str(s.label) for s in steps],  # noqa: E731
                                 [(_("Orders"), [s.count for s in steps])], horizontal=True)
    elif name in ("products", "categories"):
        ranked = queries.top_products(shop, period) if name == "products" else queries.top_categories(shop, period)
        fallback = _("(deleted product)") if name == "products" else _("(no category)")
        labels = [r.label or fallback for r in ranked]
        header = [_("Product") if name == "products" else _("Category"), _("Quantity"), _("Revenue")]
        rows = [[lab, r.quantity, r.revenue] for lab, r in zip(labels, ranked, strict=True)]
        title = _("Top products") if name == "products" else _("Top categories")
        description = _("Revenue of paid orders per product or category, largest first.")
        svg = lambda: charts.bar(title, description, labels, [(_("Revenue"), [r.revenue for r in ranked])],  # noqa: E731
                                 horizontal=True, formatter=money)
    elif name == "cities":
        found = queries.cities(shop, period)
        labels = [c.name or _("(pick-up, no city)") for c in found]
        header = [_("City"), _("Orders placed"), _("Revenue")]
        rows = [[lab, c.orders, c.revenue] for lab, c in zip(labels, found, strict=True)]
        title = _("Orders by city")
        description = _("Orders placed in the period per delivery city.")
        svg = lambda: charts.bar(title, description, labels, [(_("Orders"), [c.orders for c in found])],  # noqa: E731
                                 horizontal=True)
    elif name == "leadtimes":
        spans = queries.lead_times(shop, period)
        header = [_("Step"), _("Median hours"), _("Orders measured")]
        rows = [[str(s.label), "" if s.median_hours is None else s.median_hours, s.orders] for s in spans]
        title = _("Lead times (median hours)")
        description = _("Median hours between the steps of orders placed in the period.")
        svg = lambda: charts.bar(title, description, [str(s.label) for s in spans],  # noqa: E731
                                 [(_("Hours"), [_hours(s.median_hours) for s in spans])], horizontal=True)
    elif name == "segments":
        rows_ = queries.segments(shop)
        header = [_("Segment"), _("Customers"), _("Revenue"), _("Average revenue per customer")]
        rows = [[str(s.label), s.customers, s.revenue, s.clv] for s in rows_]
        title = _("Customers per segment")
        description = _("Registered customers with a paid order, grouped by their RFM segment.")
        svg = lambda: charts.bar(title, description, [str(s.label) for s in rows_],  # noqa: E731
                                 [(_("Customers"), [s.customers for s in rows_])])
    elif name == "cohorts":
        found = queries.cohorts(shop)
        width = max([max(c.returned, default=0) for c in found], default=0)
        header = [_("First order month"), _("Customers")] + [_("Month +%(n)s (%%)", n=k) for k in range(1, width + 1)]
        rows = [[c.month, c.size] + [c.share(k) for k in range(1, width + 1)] for c in found]
        title = _("Cohort retention")
        description = _("Share of each first-order month's customers who ordered again in each later month.")
        svg = None
    else:
        return None
    return {"title": title, "description": description, "header": header, "rows": rows, "svg": svg}


CHARTS = ("revenue", "orders", "funnel", "products", "categories", "cities", "leadtimes", "segments")
TABLES = CHARTS + ("cohorts",)


@bp.get("/charts/<name>.svg")
@staff_required
def chart(name: str):
    if name not in CHARTS:
        abort(404)
    period, *_rest = resolve_period(request.args)
    data = report(g.shop, name, period)
    return charts.svg_response(data["svg"]())


@bp.get("/csv/<name>.csv")
@staff_required
def csv(name: str):
    if name not in TABLES:
        abort(404)
    period, *_rest = resolve_period(request.args)
    data = report(g.shop, name, period)
    suffix = "" if name in ("segments", "cohorts") else f"-{period.start.isoformat()}-{period.end.isoformat()}"
    return charts.csv_response(f"{g.shop.slug}-{name}{suffix}.csv", data["header"], data["rows"])


# ---------------------------------------------------------------------------
# customers' behaviour
# ---------------------------------------------------------------------------


@bp.get("/segments/")
@staff_required
@cache_page
def segments():
    rows = queries.segments(g.shop)
    found = queries.cohorts(g.shop)
    width = max([max(c.returned, default=0) for c in found], default=0)
    return render_page(
        "analytics/segments.html", "analytics/_segments.html",
        shop=g.shop, segments=rows, retention=queries.retention(g.shop, rows), cohorts=found, width=min(width, 12),
    )


@bp.get("/segments/<key>")
@staff_required
@cache_page
def segment(key: str):
    if key not in queries.SEGMENT_KEYS:
        abort(404)
    page = _page_number()
    members, has_next = queries.segment_members(g.shop, key, page, PER_PAGE)
    return render_page(
        "analytics/segment.html", "analytics/_members.html",
        shop=g.shop, key=key, label=queries.SEGMENT_LABELS[key], rule=queries.SEGMENT_RULES[key],
        members=members, page_no=page, has_next=has_next,
    )


@bp.get("/customers/")
@staff_required
@cache_page
def customers():
    form = SearchForm(formdata=request.args)
    search = form.q.data or "" if form.validate() else ""
    page = _page_number()
    rows, has_next = queries.customers_page(g.shop, search, page, PER_PAGE)
    return render_page(
        "analytics/customers.html", "analytics/_customers.html",
        shop=g.shop, form=form, search=search, rows=rows, page_no=page, has_next=has_next,
    )


def _customer_or_404(user_id: int):
    customer = queries.customer_of(g.shop, user_id)
    if customer is None:
        abort(404)
    return customer


def _me():
    return current_user._get_current_object()


def _customer_page(customer, note_form=None, editing=None, edit_form=None, status: int = 200):
    return render_template(
        "analytics/customer.html",
        shop=g.shop, rfm=queries.customer_rfm(g.shop, customer.id),
        orders=list(queries.customer_orders(g.shop, customer)),
        payments=list(queries.customer_payments(g.shop, customer)),
        **_notes_context(customer, note_form, editing, edit_form),
    ), status


def _notes_context(customer, note_form=None, editing=None, edit_form=None, notice=None) -> dict:
    return {
        "customer": customer, "notes": list(models.notes_of(g.shop, customer)),
        "note_form": note_form or NoteForm(formdata=None, prefix=ADD_PREFIX), "editing": editing,
        "edit_form": edit_form, "delete_form": DeleteNoteForm(formdata=None), "notice": notice,
    }


def _notes_fragment(customer, notice=None, **kwargs):
    return render_template("analytics/_notes.html", shop=g.shop, **_notes_context(customer, notice=notice, **kwargs))


@bp.get("/customers/<int:user_id>")
@staff_required
def customer(user_id: int):
    return _customer_page(_customer_or_404(user_id))


@bp.post("/customers/<int:user_id>/notes")
@staff_required
def add_note(user_id: int):
    customer = _customer_or_404(user_id)
    form = NoteForm(prefix=ADD_PREFIX)
    if not form.validate_on_submit():
        if wants_fragment():
            return _notes_fragment(customer, note_form=form)
        return _customer_page(customer, note_form=form)
    models.add_note(g.shop, customer, _me(), form.body.data)
    if wants_fragment():
        return _notes_fragment(customer, notice=_("Note saved."))
    flash(_("Note saved."), "success")
    return redirect(url_for("analytics.customer", user_id=customer.id) + "#analytics-notes", code=303)


@bp.route("/customers/<int:user_id>/notes/<int:note_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_note(user_id: int, note_id: int):
    customer = _customer_or_404(user_id)
    note = models.note_of(g.shop, customer, note_id)
    if note is None:
        abort(404)
    if request.method == "GET":
        form = NoteForm(formdata=None, data={"body": note.body}, prefix=EDIT_PREFIX)
        if wants_fragment():
            return _notes_fragment(customer, editing=note.id, edit_form=form)
        return _customer_page(customer, editing=note.id, edit_form=form)
    form = NoteForm(prefix=EDIT_PREFIX)
    if not form.validate_on_submit():
        if wants_fragment():
            return _notes_fragment(customer, editing=note.id, edit_form=form)
        return _customer_page(customer, editing=note.id, edit_form=form)
    models.edit_note(note, _me(), form.body.data)
    if wants_fragment():
        return _notes_fragment(customer, notice=_("Note updated."))
    flash(_("Note updated."), "success")
    return redirect(url_for("analytics.customer", user_id=customer.id) + "#analytics-notes", code=303)


@bp.post("/customers/<int:user_id>/notes/<int:note_id>/delete")
@staff_required
def delete_note(user_id: int, note_id: int):
    customer = _customer_or_404(user_id)
    note = models.note_of(g.shop, customer, note_id)
    if note is None:
        abort(404)
    if not DeleteNoteForm().validate_on_submit():
        abort(400)
    models.delete_note(note)
    if wants_fragment():
        return _notes_fragment(customer, notice=_("Note deleted."))
    flash(_("Note deleted."), "success")
    return redirect(url_for("analytics.customer", user_id=customer.id) + "#analytics-notes", code=303)
