"""The order state machine: which action moves an order from which status, and who may.

``ACTIONS`` is the one place that says what is allowed. ``transition()`` is the
only code that changes ``Order.status``: it locks the order, checks the action,
the actor's role and the plugins' "before" hooks, writes the new status and its
``OrderEvent`` in one transaction, releases reserved stock or capacity when an
order ends early, lets plugins write their part of the change in that same
transaction (``plugin_writes``: a refusal or a failure there rolls the whole step
back), and only after commit tells plugins and queues notifications — after the
*outermost* commit when it runs inside a caller's transaction, and not at all when
that transaction rolls back (``db.on_commit``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import Node

from portal.core import capacity
from portal.core import orders as o
from portal.core.db import atomic_write, is_sqlite, on_commit, utcnow
from portal.core.models import Product
from portal.core.plugins import PluginHookFailed

log = logging.getLogger(__name__)

SHOP_TEAM = ("owner", "staff")
SYSTEM = "system"


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: object
    # Shown on the customer's timeline?
    public: bool = True
    # Actions only the order's own customer may take as "customer".
    extra: dict = field(default_factory=dict)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("confirm", (o.PLACED,), o.CONFIRMED, SHOP_TEAM, _l("Order confirmed")),
        Action("reject", (o.PLACED,), o.REJECTED, SHOP_TEAM, _l("Order rejected")),
        Action("request_payment", (o.CONFIRMED,), o.AWAITING_PAYMENT, SHOP_TEAM + (SYSTEM,), _l("Awaiting payment")),
        Action("submit_payment", (o.AWAITING_PAYMENT,), o.PAYMENT_SUBMITTED, ("customer",) + SHOP_TEAM, _l("Payment proof sent")),
        # Steps 4 and 5 of the paper may come in either order: a statement match
        # can verify the payment before (or without) the customer's proof.
        Action("verify_payment", (o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED), o.PAID, SHOP_TEAM, _l("Payment verified")),
        Action("reject_payment", (o.PAYMENT_SUBMITTED,), o.AWAITING_PAYMENT, SHOP_TEAM, _l("Payment not accepted")),
        Action("start_production", (o.PAID,), o.IN_PRODUCTION, SHOP_TEAM, _l("Production started")),
        Action("mark_ready", (o.PAID, o.IN_PRODUCTION), o.READY, SHOP_TEAM, _l("Ready")),
        Action("hand_over", (o.READY,), o.HANDED_OVER, SHOP_TEAM + ("courier",), _l("Handed over")),
        Action("return_to_shop", (o.HANDED_OVER,), o.READY, SHOP_TEAM + ("courier",), _l("Delivery failed, back at the shop")),
        Action("deliver", (o.HANDED_OVER,), o.DELIVERED, SHOP_TEAM + ("courier",), _l("Delivered")),
        Action("complete", (o.DELIVERED,), o.COMPLETED, SHOP_TEAM + ("customer", SYSTEM), _l("Completed")),
        Action("cancel", (o.PLACED, o.CONFIRMED, o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED, o.PAID), o.CANCELLED,
               SHOP_TEAM, _l("Order cancelled")),
        # A customer may withdraw an order only before any money has moved.
        Action("withdraw", (o.PLACED, o.CONFIRMED, o.AWAITING_PAYMENT), o.CANCELLED, ("customer",), _l("Cancelled by the customer")),
        Action("expire", (o.AWAITING_PAYMENT,), o.EXPIRED, (SYSTEM,), _l("Expired: not paid in time")),
    ]
}

# Ending in one of these from an open status gives back stock and capacity.
RELEASING_TARGETS = (o.CANCELLED, o.EXPIRED, o.REJECTED)

# Cash on delivery (``Order.payment_method == "cod"``, migration 0003): the customer pays
# the shop's own rider at the door, so there is no transfer to wait for. A COD order
# follows its own copy of the table: without the bank-transfer steps, and with
# production (or "ready") allowed straight from "confirmed". ``ACTIONS`` itself, the
# transfer path every existing order follows, is unchanged. The cash is recorded by the
# courier plugin when the rider collects it; the order's status does not wait for it.
TRANSFER_ONLY_ACTIONS = ("request_payment", "submit_payment", "verify_payment", "reject_payment", "expire")
COD_ACTIONS: dict[str, Action] = {
    name: (replace(a, sources=(o.CONFIRMED, *a.sources)) if name in ("start_production", "mark_ready") else a)
    for name, a in ACTIONS.items()
    if name not in TRANSFER_ONLY_ACTIONS
}


def actions_for(order: o.Order) -> dict[str, Action]:
    """The table of actions ``order`` follows: ``COD_ACTIONS`` for cash on delivery, else ``ACTIONS``."""
    return COD_ACTIONS if getattr(order, "payment_method", o.TRANSFER) == o.COD else ACTIONS


class TransitionError(Exception):
    """A refused transition; ``str(err)`` is a message for the user. Nothing changed."""


WRITES_HOOK = "portal_order_transition_writes"


class PluginWriteFailed(TransitionError):
    """A plugin raised while writing its part of a status change: the step is refused, nothing written.

    The user reads a general message naming the module; the traceback goes to the log
    and the shop's Modules page (``report``, called once the transaction is rolled back).
    """

    def __init__(self, failure: PluginHookFailed):
        plugin = current_app.extensions["portal"].plugins.get(failure.plugin_name)
        label = plugin.info.label if plugin is not None else failure.plugin_name
        super().__init__(_l("The module “%(module)s” could not record its part of this step, so nothing was "
                            "changed. Please try again.", module=label))
        self.failure = failure

    def report(self, shop):
        current_app.extensions["portal"].report_error(shop, self.failure.plugin_name, self.failure.hook_name,
                                                      self.failure.trace)


def allowed_actions(order: o.Order, role: str | None) -> list[Action]:
    """The actions ``role`` may take on ``order`` in its current status (for buttons)."""
    return [a for a in actions_for(order).values() if order.status in a.sources and role in a.roles]


def _lock(order_id: int) -> o.Order:
    query = o.Order.select().where(o.Order.id == order_id)
    if not is_sqlite():
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs the row lock.
        query = query.for_update()
    return query.get()


def transition(order: o.Order, action: str, actor=None, role: str = SYSTEM, note: str = "", changes: dict | None = None) -> o.Order:
    """Apply ``action`` to ``order`` as ``actor`` acting in ``role``.

    Every refusal is logged (a warning): an illegal jump or a step by someone not
    entitled is worth seeing in the logs even when the page just shows a message.

    :param changes: extra ``Order`` columns to set in the same write (e.g. ``unique_code``).
    :raises TransitionError: illegal action for the status or role, or refused by a plugin.
    :return: the reloaded order.
    """
    try:
        return _transition(order, action, actor, role, note, changes)
    except TransitionError as err:
        log_refusal(log, order, action, actor, role, err)
        raise


def log_refusal(logger: logging.Logger, order, action: str, actor, role: str | None, error: Exception):
    """Log a refused step once, as a warning: shop, order number and status, action, role, user id, reason.

    Never personal data (names, addresses, phone numbers): the user is named by id.
    ``error`` is marked, so a service further up the call that logs its own refusals
    leaves this one alone (see ``already_logged``).
    """
    if already_logged(error):
        return
    error.portal_refusal_logged = True
    try:
        shop = order.shop.slug
    except Exception:  # a refusal must be logged even if the shop cannot be read now
        shop = getattr(order, "shop_id", None)
    logger.warning("refused %s on order %s of shop %s (status %s) by role %s (user %s): %s", action,
                   getattr(order, "number", None), shop, getattr(order, "status", None), role,
                   getattr(actor, "id", None), str(error))


def already_logged(error: Exception) -> bool:
    """Has ``log_refusal`` already logged this error?"""
    return getattr(error, "portal_refusal_logged", False)


def _transition(order: o.Order, action: str, actor, role: str, note: str, changes: dict | None) -> o.Order:
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionError(_l("Unknown action."))
    try:
        return _apply(order, action, actor, role, note, changes)
    except PluginWriteFailed as failed:
        # Reported only now: a report written inside the step's transaction would be rolled back with it.
        # (Inside a caller's transaction that then rolls back too, the report goes with it; the log keeps it.)
        failed.report(order.shop)
        raise


def _apply(order: o.Order, action: str, actor, role: str, note: str, changes: dict | None) -> o.Order:
    registry = current_app.extensions["portal"]
    with atomic_write():
        current = _lock(order.id)
        # A cash-on-delivery order has its own table (no bank-transfer steps in it).
        spec = actions_for(current).get(action)
        if spec is None or current.status not in spec.sources:
            raise TransitionError(
                _l("This order is %(status)s; that step is not possible now.", status=status_label(current.status))
            )
        if role not in spec.roles:
            raise TransitionError(_l("You may not do that with this order."))
        for _, reason in registry.call_isolated(
            "portal_order_before_transition", current.shop,
            order=current, action=action, from_status=current.status, to_status=spec.target, actor=actor, role=role,
        ):
            if reason:
                raise TransitionError(str(reason))
        values = {"status": spec.target, "updated_at": utcnow(), **(changes or {})}
        updated = o.Order.update(**values).where((o.Order.id == current.id) & (o.Order.status == current.status)).execute()
        if updated != 1:
            raise TransitionError(_l("Someone else changed this order just now; please reload."))
        o.OrderEvent.create(
            order=current, kind="status", action=action, from_status=current.status, to_status=spec.target,
            actor=actor, actor_role=role, note=note or "", public=spec.public,
        )
        if spec.target in RELEASING_TARGETS:
            release_reservations(current)
        from_status = current.status
        # Plugins see the order as it now stands in this transaction (no query to reload it).
        for column, value in values.items():
            if not isinstance(value, Node):  # an SQL expression's result is not known here
                setattr(current, column, value)
        plugin_writes(current, action, from_status, spec.target, actor, role)
    fresh = o.Order.get_by_id(order.id)
    after_commit(fresh, action, from_status, spec.target, actor, role)
    return fresh


def plugin_writes(order: o.Order, action: str, from_status, to_status, actor, role):
    """Let the shop's plugins write their part of a status change, inside its transaction.

    ``portal_order_transition_writes``: called by ``transition`` after core's rows (the
    status, its ``OrderEvent``, released stock) and by checkout after the placement's,
    before the commit. Plugins are asked one at a time; the first that answers with a
    message refuses the step. A plugin that raises is not isolated as elsewhere: its
    writes may be half done, so the step is refused too (``PluginWriteFailed``).

    :raises TransitionError: raised inside the caller's ``atomic()`` block, it rolls the
        whole step back. ``PluginWriteFailed`` must be reported (``.report(shop)``) once
        that transaction has rolled back.
    """
    registry = current_app.extensions["portal"]
    try:
        for _plugin, refusal in registry.call_in_transaction(
            WRITES_HOOK, order.shop,
            order=order, action=action, from_status=from_status, to_status=to_status, actor=actor, role=role,
        ):
            if refusal:
                raise TransitionError(str(refusal))
    except PluginHookFailed as failure:
        raise PluginWriteFailed(failure) from failure


def after_commit(order: o.Order, action: str, from_status, to_status, actor, role):
    """Tell plugins and queue notifications once the change is committed.

    At once when no transaction is open; inside a caller's transaction (a view or
    service wrapping several steps in ``atomic()``), when its outermost commit
    happens, and never if it rolls back.
    """
    on_commit(_tell, order, action, from_status, to_status, actor, role)


def _tell(order: o.Order, action: str, from_status, to_status, actor, role):
    registry = current_app.extensions["portal"]
    registry.call_isolated(
        "portal_order_after_transition", order.shop,
        order=order, action=action, from_status=from_status, to_status=to_status, actor=actor, role=role,
    )
    from portal.core import notifications

    notifications.order_changed(order, action, actor=actor, role=role)


def release_reservations(order: o.Order):
    """Give back the stock and production capacity an open order held (inside the caller's transaction)."""
    for item in order.items:
        if item.product_id is None or item.made_to_order:
            continue
        Product.update(stock=Product.stock + item.quantity).where(
            (Product.id == item.product_id) & Product.stock.is_null(False)
        ).execute()
    # Made-to-order lines hold days of capacity, recorded per order.
    capacity.release(order)


def add_event(order: o.Order, kind: str, action: str, note: str = "", actor=None, role: str = SYSTEM, public: bool = True) -> o.OrderEvent:
    """Record something that happened to an order without changing its status.

    Used for production stages, payment notes and plugin events (materials
    ordered, courier picked up...). Call it inside the transaction of the change
    it describes.
    """
    return o.OrderEvent.create(order=order, kind=kind, action=action, note=note, actor=actor, actor_role=role, public=public)


def status_label(status: str):
    return STATUS_LABELS.get(status, status)


STATUS_LABELS = {
    o.PLACED: _l("placed"),
    o.CONFIRMED: _l("confirmed"),
    o.REJECTED: _l("rejected"),
    o.AWAITING_PAYMENT: _l("awaiting payment"),
    o.PAYMENT_SUBMITTED: _l("payment submitted"),
    o.PAID: _l("paid"),
    o.IN_PRODUCTION: _l("in production"),
    o.READY: _l("ready"),
    o.HANDED_OVER: _l("handed over"),
    o.DELIVERED: _l("delivered"),
    o.COMPLETED: _l("completed"),
    o.CANCELLED: _l("cancelled"),
    o.EXPIRED: _l("expired"),
}

__all__ = ["ACTIONS", "COD_ACTIONS", "Action", "PluginWriteFailed", "TransitionError", "actions_for", "add_event",
           "after_commit", "allowed_actions", "log_refusal", "plugin_writes", "status_label", "transition"]
