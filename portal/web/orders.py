"""The customer's side of an order: its page (status, timeline, what next), "My orders", withdrawing.

Who may see an order page: the registered customer who placed it, or whoever
holds the order's secret link (``?t=<access_token>``, from the confirmation
e-mail), which grants this browser session access. Everybody else — another
customer, a wrong token, a made-up number — gets the same 404, so the page
never tells whether an order exists.
"""
from __future__ import annotations

import hmac
from urllib.parse import quote

from flask import Blueprint, abort, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.core import order_flow, production
from portal.core import orders as o
from portal.core.checkout import DELIVERY, PICKUP
from portal.core.models import Shop
from portal.core.permissions import login_required
from portal.core.prepared import Param, Prepared
from portal.core.timeline import merged as merged_timeline
from portal.forms import normalise_phone
from portal.htmx import hx_redirect, is_htmx, render_page
from portal.web.page_cache import cache_page

bp = Blueprint("orders", __name__)

GRANTS_KEY = "order_grants"
# A browser session remembers this many guest order links.
MAX_GRANTS = 20
PER_PAGE = 20
POLL_SECONDS = 10
# What a customer may do from the order page (paying has its own form).
CUSTOMER_ACTIONS = ("withdraw", "complete")

NEXT_STEPS = {
    o.PLACED: _l("The workshop checks your order (stock, production capacity, delivery) and confirms it, "
                 "usually within one working day."),
    o.CONFIRMED: _l("Your order is confirmed. The payment details follow in a moment."),
    o.AWAITING_PAYMENT: _l("Please transfer the exact amount shown below before the deadline, then upload "
                           "a photo of the transfer receipt."),
    o.PAYMENT_SUBMITTED: _l("Thank you! The workshop checks that your payment has arrived."),
    o.PAID: _l("Your payment has arrived. The workshop starts on your order."),
    o.IN_PRODUCTION: _l("Your order is being made. Each step appears in the timeline with its date."),
    o.READY: _l("Your order is ready and waiting to be picked up or handed to the courier."),
    o.HANDED_OVER: _l("Your order is on its way (or has been picked up)."),
    o.DELIVERED: _l("Your order has been delivered. Please confirm that you received it."),
    o.COMPLETED: _l("This order is complete. Thank you for ordering!"),
    o.REJECTED: _l("The workshop could not take this order. The reason is in the timeline."),
    o.CANCELLED: _l("This order was cancelled."),
    o.EXPIRED: _l("This order expired because the payment did not arrive in time."),
}

# Events that are not status changes (``add_event``); plugins' own events show their action name.
EVENT_LABELS = {
    "place": _l("Order placed"),
    "proof_added": _l("Another payment proof sent"),
    "proof_rejected": _l("Payment proof not accepted"),
}

CUSTOMER_ACTION_LABELS = {
    "withdraw": _l("Cancel my order"),
    "complete": _l("I have received my order"),
}
CUSTOMER_ACTION_CONFIRM = {
    "withdraw": _l("Cancel this order? This cannot be undone."),
    "complete": _l("Confirm that you received the order?"),
}


# ---------------------------------------------------------------------------
# access
# ---------------------------------------------------------------------------


def grant_order(order: o.Order):
    """Let this browser session open ``order`` (after checkout, or with the secret link)."""
    grants = [i for i in session.get(GRANTS_KEY, []) if isinstance(i, int) and i != order.id]
    session[GRANTS_KEY] = (grants + [order.id])[-MAX_GRANTS:]


def can_view(order: o.Order) -> bool:
    """The current visitor is this order's customer, or holds its link in this session."""
    if current_user.is_authenticated and order.customer_id == current_user.id:
        return True
    return order.id in session.get(GRANTS_KEY, [])


# A customer's order page polls while they wait: its three lookups have their SQL built once.
_ORDER_BY_NUMBER = Prepared(lambda: o.Order.select().where(
    (o.Order.shop == Param("shop")) & (o.Order.number == Param("number"))).limit(1))
_ITEMS = Prepared(lambda: o.OrderItem.select().where(o.OrderItem.order == Param("order")).order_by(o.OrderItem.id))
_PUBLIC_EVENTS = Prepared(lambda: o.OrderEvent.select().where(
    (o.OrderEvent.order == Param("order")) & (o.OrderEvent.public == True))  # noqa: E712
    .order_by(o.OrderEvent.created_at, o.OrderEvent.id))


def customer_order_or_404(number: str) -> o.Order:
    """The current shop's order ``number`` if the visitor may see it as its customer; else 404.

    A valid ``?t=`` token grants the session; a wrong one grants nothing and
    answers exactly like an unknown order.
    """
    order = _ORDER_BY_NUMBER.first(shop=g.shop, number=number[:32])
    token = request.args.get("t")
    if order is not None and token and hmac.compare_digest(token.encode(), order.access_token.encode()):
        grant_order(order)
        return order
    if order is None or not can_view(order):
        abort(404)
    return order


def whatsapp_url(shop: Shop, order: o.Order) -> str | None:
    """``https://wa.me/<digits>?text=...`` for the shop, prefilled with the order number."""
    number = normalise_phone(shop.whatsapp or shop.phone or "")
    if not number:
        return None
    text = _("Hello %(shop)s, about my order %(number)s: ", shop=shop.name, number=order.number)
    return f"https://wa.me/{number.lstrip('+')}?text={quote(text)}"


def timeline(order: o.Order) -> list[o.OrderEvent]:
    return _PUBLIC_EVENTS.all(order=order)


@bp.app_template_global()
def event_label(event: o.OrderEvent):
    """What a timeline or audit row says happened."""
    if event.kind == "stage":
        return _l("Production: %(stage)s", stage=production.stage_label(event.action))
    action = order_flow.ACTIONS.get(event.action)
    if action is not None and event.kind == "status":
        return action.label
    if event.action in EVENT_LABELS:
        return EVENT_LABELS[event.action]
    return event.action.replace("_", " ").capitalize()


@bp.app_template_global()
def delivery_label(order: o.Order):
    """Core's methods in the reader's language; a plugin's as it was named at checkout."""
    labels = {PICKUP: _l("Pick up at the workshop"), DELIVERY: _l("Delivery to your address")}
    return labels.get(order.delivery_method) or order.delivery_label or order.delivery_method


@bp.app_template_global()
def stage_label(stage: str | None):
    return production.stage_label(stage)


@bp.app_template_global()
def order_status_label(status: str):
    return order_flow.status_label(status)


def _no_store(response):
    # A guest's order page is personal too: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _context(order: o.Order):
    actions = [a for a in order_flow.allowed_actions(order, "customer") if a.name in CUSTOMER_ACTIONS]
    return {
        "shop": g.shop,
        "order": order,
        "items": _ITEMS.all(order=order),
        "events": merged_timeline(timeline(order), g.shop, order, "customer"),
        "next_step": NEXT_STEPS.get(order.status),
        "final": order.status in o.FINAL_STATUSES,
        "customer_actions": actions,
        "action_labels": CUSTOMER_ACTION_LABELS,
        "action_confirm": CUSTOMER_ACTION_CONFIRM,
        "action_form": FlaskForm(),
        "whatsapp": whatsapp_url(g.shop, order),
        "poll_seconds": POLL_SECONDS,
    }


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------


@bp.get("/s/<shop_slug>/orders/<number>")
@cache_page
def detail(number: str):
    order = customer_order_or_404(number)
    return _no_store(render_page("orders/detail.html", "orders/_status.html", **_context(order)))


@bp.get("/s/<shop_slug>/orders/<number>/status")
@cache_page
def status(number: str):
    """The self-updating part of the order page (polled every few seconds while the order is open).

    ``seen`` is the status the page was drawn with: when it changed, the whole
    page is reloaded so the payment instructions and forms match the new status.
    """
    order = customer_order_or_404(number)
    seen = request.args.get("seen")
    if seen and seen != order.status and is_htmx():
        return _no_store(hx_redirect(url_for("orders.detail", number=order.number)))
    return _no_store(render_page("orders/detail.html", "orders/_status.html", **_context(order)))


@bp.post("/s/<shop_slug>/orders/<number>/actions/<action>")
def act(number: str, action: str):
    order = customer_order_or_404(number)
    form = FlaskForm()
    if action not in CUSTOMER_ACTIONS:
        abort(404)
    if form.validate_on_submit():
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        try:
            order = order_flow.transition(order, action, actor=actor, role="customer")
        except order_flow.TransitionError as err:
            flash(str(err), "error")
        else:
            flash(_l("Done: %(what)s.", what=order_flow.ACTIONS[action].label), "success")
    return hx_redirect(url_for("orders.detail", number=order.number))


def _my_orders(shop=None):
    try:
        page = min(max(int(request.args.get("page", 1)), 1), 500)
    except ValueError:
        page = 1
    query = (o.Order.select(o.Order, Shop).join(Shop)
             .where(o.Order.customer == current_user.id)
             .order_by(o.Order.created_at.desc(), o.Order.id.desc()))
    if shop is not None:
        query = query.where(o.Order.shop == shop)
    # One row more than a page holds tells whether there is a next page, without a COUNT.
    rows = list(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1))
    return rows[:PER_PAGE], len(rows) > PER_PAGE, page


@bp.get("/orders")
@login_required
@cache_page
def mine():
    orders, has_next, page = _my_orders()
    return render_page("orders/mine.html", "orders/_mine.html", orders=orders, has_next=has_next, page_number=page,
                       endpoint="orders.mine", shop=None)


@bp.get("/s/<shop_slug>/orders")
@login_required
@cache_page
def mine_in_shop():
    orders, has_next, page = _my_orders(g.shop)
    return render_page("orders/mine.html", "orders/_mine.html", orders=orders, has_next=has_next, page_number=page,
                       endpoint="orders.mine_in_shop", shop=g.shop)


__all__ = ["bp", "can_view", "customer_order_or_404", "grant_order", "whatsapp_url"]
