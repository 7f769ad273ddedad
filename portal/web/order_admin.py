"""The shop's order queue for owner and staff: tabs, search, the order detail and its actions.

The detail shows exactly the buttons ``order_flow.allowed_actions`` gives for the
order's status and the member's role, less those a plugin holds back for now
(``portal_order_blocked_actions``, shown with its reason instead); every click goes
through ``order_flow.transition`` (or the payment service for "confirm"), so a stale
page can never move an order the wrong way. Also the production stages, the
full audit trail and the printable invoice and packing slip.
"""
from __future__ import annotations

import datetime as dt
import importlib
import logging

import peewee as pw
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.core import order_flow, production
from portal.core import orders as o
from portal.core.db import db
from portal.core.models import User
from portal.core.permissions import role_in, staff_required
from portal.core.timeline import merged as merged_timeline
from portal.forms import normalise_phone
from portal.htmx import render_page, wants_fragment
from portal.web.manage import BACK_OFFICE_MENU, MenuLink
from portal.web.page_cache import cache_page

log = logging.getLogger(__name__)

bp = Blueprint("order_admin", __name__, url_prefix="/s/<shop_slug>/manage/orders")
BACK_OFFICE_MENU.append(MenuLink("order_admin.index", _l("Orders"), order=10))

PER_PAGE = 25
MAX_QUERY = 60
# Actions that need a reason the customer will read on the timeline.
REASON_REQUIRED = ("reject", "cancel", "reject_payment")
# Actions whose buttons must not be hit by accident.
DESTRUCTIVE = ("reject", "cancel", "reject_payment")

# What the buttons say (the timeline says what happened, with ``Action.label``).
BUTTON_LABELS = {
    "confirm": _l("Confirm and ask for payment"),
    "request_payment": _l("Send the payment details"),
    "reject": _l("Reject the order"),
    "verify_payment": _l("Payment received"),
    "reject_payment": _l("Payment not accepted"),
    "submit_payment": _l("Customer sent a proof"),
    "start_production": _l("Start production"),
    "mark_ready": _l("Mark ready"),
    "hand_over": _l("Hand over (picked up or to the courier)"),
    "return_to_shop": _l("Back at the shop (delivery failed)"),
    "deliver": _l("Mark delivered"),
    "complete": _l("Mark completed"),
    "cancel": _l("Cancel the order"),
}

# Reviewed in the payment panel when the payment service is installed.
PAYMENT_ACTIONS = ("submit_payment", "verify_payment", "reject_payment")

# Queue tabs: a label and the statuses it holds, in the order the work flows.
TABS = {
    "open": (_l("All open"), o.OPEN_STATUSES),
    "new": (_l("To check"), (o.PLACED,)),
    "payment": (_l("Awaiting payment"), (o.CONFIRMED, o.AWAITING_PAYMENT)),
    "verify": (_l("Payment to verify"), (o.PAYMENT_SUBMITTED,)),
    "production": (_l("To make"), (o.PAID, o.IN_PRODUCTION)),
    "ready": (_l("Ready"), (o.READY,)),
    "shipping": (_l("On the way"), (o.HANDED_OVER, o.DELIVERED)),
    "done": (_l("Completed"), (o.COMPLETED,)),
    "closed": (_l("Rejected, cancelled, expired"), (o.REJECTED, o.CANCELLED, o.EXPIRED)),
    "all": (_l("All"), o.STATUSES),
}
DEFAULT_TAB = "open"


ROLE_LABELS = {
    "customer": _l("customer"),
    "owner": _l("owner"),
    "staff": _l("staff"),
    "courier": _l("courier"),
    "supplier": _l("supplier"),
    "system": _l("system"),
}


@bp.app_template_global()
def role_label(role: str):
    return ROLE_LABELS.get(role, role)


class ActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Reason or note"), validators=[Optional(), Length(max=1000)])


class StageForm(FlaskForm):
    stage = SelectField(_l("Production stage"), validators=[DataRequired()])


def _order_or_404(number: str) -> o.Order:
    order = o.Order.get_or_none((o.Order.shop == g.shop) & (o.Order.number == number[:32]))
    if order is None:
        abort(404)
    return order


def _me():
    return current_user._get_current_object()


# ---------------------------------------------------------------------------
# queue
# ---------------------------------------------------------------------------


# A tab shows its exact count up to this many orders per status, then "1.000+": counting
# a busy shop's years of completed orders on every visit to the queue would make the page
# slower with every order (issue 10: the cost must not grow with the data).
COUNT_CAP = 1000


# The tab counts' statement is the same every time for a shop (a UNION of one bounded count
# per status); building its SQL with peewee took a fifth of the queue's render, so its text
# is built once per shop and database kind. Bounded: cleared when it holds this many.
_TAB_COUNT_SQL: dict[tuple, tuple[str, list]] = {}
_TAB_COUNT_SQL_MAX = 4096


def _tab_count_statement(shop_id: int) -> tuple[str, list]:
    key = (type(db.obj), shop_id)
    found = _TAB_COUNT_SQL.get(key)
    if found is None:
        parts = [
            o.Order.select(pw.Value(status).alias("status"), pw.fn.COUNT(pw.SQL("1")).alias("n"))
            .from_(o.Order.select(pw.SQL("1")).where((o.Order.shop == shop_id) & (o.Order.status == status))
                   .limit(COUNT_CAP + 1).alias("bounded"))
            for status in o.STATUSES
        ]
        compound = parts[0]
        for part in parts[1:]:
            compound = compound + part  # UNION ALL
        if len(_TAB_COUNT_SQL) >= _TAB_COUNT_SQL_MAX:
            _TAB_COUNT_SQL.clear()
        found = _TAB_COUNT_SQL[key] = compound.sql()
    return found


def tab_counts(shop) -> dict[str, str]:
    """Orders per tab, as shown: exact up to ``COUNT_CAP`` per status, else ``"1.000+"``.

    One statement: a bounded count per status (each reads at most ``COUNT_CAP + 1``
    index entries), glued with UNION ALL.
    """
    sql, params = _tab_count_statement(shop.id)
    per_status = {row[0]: row[1] for row in db.execute_sql(sql, params).fetchall()}
    shown = {}
    for key, (_, statuses) in TABS.items():
        total = sum(min(per_status.get(s, 0), COUNT_CAP) for s in statuses)
        capped = any(per_status.get(s, 0) > COUNT_CAP for s in statuses)
        shown[key] = f"{total:,}".replace(",", ".") + ("+" if capped else "")
    return shown


def _search(query, q: str):
    q = " ".join(q.split())[:MAX_QUERY]
    if not q:
        return query
    condition = o.Order.number.contains(q) | o.Order.name.contains(q)
    phone = normalise_phone(q)
    if phone:
        condition |= o.Order.phone == phone
    digits = "".join(c for c in q if c.isdigit())
    if len(digits) >= 4:
        # "0812 3456" or "812-3456": phones are stored as +62…, so match the tail digits.
        condition |= o.Order.phone.contains(digits.lstrip("0"))
    return query.where(condition)


def _parse_cursor(value: str | None):
    """``<created_at iso>~<id>`` of the last row of the previous page, or ``None``."""
    if not value or "~" not in value:
        return None
    stamp, _, ident = value.rpartition("~")
    try:
        return dt.datetime.fromisoformat(stamp), int(ident)
    except ValueError:
        return None


@bp.get("/")
@staff_required
@cache_page
def index():
    shop = g.shop
    tab = request.args.get("tab", DEFAULT_TAB)
    if tab not in TABS:
        tab = DEFAULT_TAB
    q = request.args.get("q", "").strip()
    query = o.Order.select().where(o.Order.shop == shop)
    if q:
        query = _search(query, q)
    else:
        query = query.where(o.Order.status.in_(TABS[tab][1]))
    cursor = _parse_cursor(request.args.get("after"))
    if cursor:
        stamp, ident = cursor
        query = query.where((o.Order.created_at < stamp) | ((o.Order.created_at == stamp) & (o.Order.id < ident)))
    query = query.order_by(o.Order.created_at.desc(), o.Order.id.desc()).limit(PER_PAGE + 1)
    rows = pw.prefetch(query, o.OrderItem.select().order_by(o.OrderItem.id))
    orders, has_next = rows[:PER_PAGE], len(rows) > PER_PAGE
    next_cursor = f"{orders[-1].created_at.isoformat()}~{orders[-1].id}" if has_next else None
    return render_page(
        "manage/orders/index.html", "manage/orders/_queue.html",
        shop=shop, orders=orders, tabs=TABS, tab=tab, counts=tab_counts(shop), q=q,
        next_cursor=next_cursor, first_page=bool(cursor),
    )


# ---------------------------------------------------------------------------
# one order
# ---------------------------------------------------------------------------


def audit_trail(order: o.Order) -> list[o.OrderEvent]:
    """Every event, public or not, with who did it (one query)."""
    return list(
        o.OrderEvent.select(o.OrderEvent, User)
        .join(User, pw.JOIN.LEFT_OUTER, on=(o.OrderEvent.actor == User.id))
        .where(o.OrderEvent.order == order)
        .order_by(o.OrderEvent.created_at, o.OrderEvent.id)
    )


BLOCKED_HOOK = "portal_order_blocked_actions"


def blocked_actions(order: o.Order, actions: list[order_flow.Action]) -> dict[str, str]:
    """Action name -> the reason a plugin gives for holding that step back now (the first plugin's)."""
    if not actions:
        return {}
    registry = current_app.extensions["portal"]
    offered = [a.name for a in actions]
    blocked: dict[str, str] = {}
    for plugin, answer in registry.call_isolated(BLOCKED_HOOK, g.shop, shop=g.shop, order=order, actions=offered,
                                                  user=current_user):
        if not isinstance(answer, dict):
            log.warning("plugin %s answered %s with %r, not a dict", plugin, BLOCKED_HOOK, answer)
            continue
        for name, reason in answer.items():
            if name in offered and reason:
                blocked.setdefault(name, str(reason))
    return blocked


def _detail_context(order: o.Order, message=None, error=None, form=None):
    role = role_in(g.shop)
    stages = production.stages(g.shop)
    stage_form = StageForm(formdata=None)
    stage_form.stage.choices = [(s, str(production.stage_label(s))) for s in stages]
    stage_form.stage.data = production.next_stage(g.shop, order)
    # With the payment service, paying is reviewed in its own panel (proofs, amounts).
    hidden = PAYMENT_ACTIONS if payment_service() is not None else ("submit_payment",)
    actions = [a for a in order_flow.allowed_actions(order, role) if a.name not in hidden]
    blocked = blocked_actions(order, actions)
    return {
        "shop": g.shop,
        "order": order,
        "items": list(order.items.order_by(o.OrderItem.id)),
        "events": merged_timeline(audit_trail(order), g.shop, order, "staff"),
        "actions": [a for a in actions if a.name not in blocked],
        # (action, reason) for the steps a plugin holds back: the reason stands in for the button.
        "blocked": [(a, blocked[a.name]) for a in actions if a.name in blocked],
        "reason_required": REASON_REQUIRED,
        "button_labels": BUTTON_LABELS,
        "destructive": DESTRUCTIVE,
        "action_form": form or ActionForm(formdata=None),
        "failed_action": form.action.data if form is not None else None,
        "stages": stages,
        "stage_form": stage_form,
        "next_stage": production.next_stage(g.shop, order),
        "my_role": role,
        "message": message,
        "error": error,
    }


@bp.get("/<number>")
@staff_required
@cache_page
def detail(number: str):
    order = _order_or_404(number)
    return render_page("manage/orders/detail.html", "manage/orders/_detail.html", **_detail_context(order))


def payment_service():
    """``portal.core.payments`` when installed (it owns confirmation terms and payment review)."""
    try:
        return importlib.import_module("portal.core.payments")
    except ModuleNotFoundError as err:
        if err.name != "portal.core.payments":
            raise
        return None


def confirm(order: o.Order, actor, role: str) -> o.Order:
    """Confirm an order and ask for payment: the payment service does both (unique code, deadline)."""
    payments = payment_service()
    if payments is None:
        if order.status == o.PLACED:
            order = order_flow.transition(order, "confirm", actor=actor, role=role)
        return order_flow.transition(order, "request_payment", actor=None, role=order_flow.SYSTEM)
    if order.status not in (o.PLACED, o.CONFIRMED):
        # The state machine refuses it, and logs the refusal like every other illegal step.
        order_flow.transition(order, "confirm", actor=actor, role=role)
    return payments.confirm_order(order, actor, role)


def _errors():
    payments = payment_service()
    return (order_flow.TransitionError,) + ((payments.PaymentError,) if payments is not None else ())


def _respond(order, message=None, error=None, form=None):
    if not wants_fragment():
        if error:
            flash(error, "error")
        if message:
            flash(message, "success")
        return redirect(url_for("order_admin.detail", number=order.number), code=303)
    return render_page("manage/orders/detail.html", "manage/orders/_detail.html",
                       **_detail_context(order, message=message, error=error, form=form))


@bp.post("/<number>/action")
@staff_required
def act(number: str):
    order = _order_or_404(number)
    form = ActionForm()
    role = role_in(g.shop)
    if not form.validate_on_submit():
        return _respond(order, error=_l("Please try again."), form=form)
    action = form.action.data
    note = (form.note.data or "").strip()
    if action not in order_flow.ACTIONS:
        return _respond(order, error=_l("Unknown action."))
    if action in REASON_REQUIRED and not note:
        form.note.errors = [_l("Give a reason; the customer will see it.")]
        return _respond(order, error=_l("Give a reason; the customer will see it."), form=form)
    if action in PAYMENT_ACTIONS and payment_service() is not None:
        return _respond(order, error=_l("Payments are checked in the payment panel of this order."))
    try:
        if action in ("confirm", "request_payment"):
            order = confirm(order, _me(), role)
        else:
            order = order_flow.transition(order, action, actor=_me(), role=role, note=note)
    except _errors() as err:
        return _respond(o.Order.get_by_id(order.id), error=str(err))
    return _respond(order, message=_l("Done: %(what)s. The order is now %(status)s.",
                                      what=order_flow.ACTIONS[action].label,
                                      status=order_flow.status_label(order.status)))


@bp.post("/<number>/stage")
@staff_required
def stage(number: str):
    order = _order_or_404(number)
    form = StageForm()
    form.stage.choices = [(s, str(production.stage_label(s))) for s in production.stages(g.shop)]
    if not form.validate_on_submit():
        return _respond(order, error=_l("Choose one of the shop's production stages."))
    try:
        order = production.set_stage(order, form.stage.data, actor=_me(), role=role_in(g.shop))
    except order_flow.TransitionError as err:
        return _respond(order, error=str(err))
    return _respond(order, message=_l("Stage recorded: %(stage)s.", stage=production.stage_label(order.production_stage)))


@bp.get("/<number>/invoice")
@staff_required
def invoice(number: str):
    order = _order_or_404(number)
    return render_template("manage/orders/invoice.html", shop=g.shop, order=order,
                           items=list(order.items.order_by(o.OrderItem.id)))


@bp.get("/<number>/packing-slip")
@staff_required
def packing_slip(number: str):
    order = _order_or_404(number)
    return render_template("manage/orders/packing_slip.html", shop=g.shop, order=order,
                           items=list(order.items.order_by(o.OrderItem.id)))
