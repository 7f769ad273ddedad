"""Bank-transfer payment: the unique amount, proofs, verification, deadlines and reminders.

On confirmation an order is given an amount to transfer – its total plus a
3-digit code – that no other order of the shop waiting for money has, so a
credit on the bank statement names the order by its amount alone; and a
deadline (``payment_deadline_hours``, 24 by default). The customer uploads a
proof, the shop approves or rejects it (or approves a bank-statement match, see
``portal.core.statements``). A periodic job expires orders whose deadline has
passed (which releases their stock or capacity) and reminds customers once,
some hours before.

Every status change goes through ``order_flow.transition``; the payment rows it
goes with are written in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import secrets
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from portal.core import notifications, proofs
from portal.core.db import atomic_write, is_sqlite, utcnow
from portal.core.models import Shop
from portal.core.order_flow import (
    SHOP_TEAM,
    SYSTEM,
    TransitionError,
    add_event,
    already_logged,
    log_refusal,
    transition,
)
from portal.core.orders import (
    AWAITING_PAYMENT,
    COD,
    CONFIRMED,
    PAYMENT_SUBMITTED,
    PLACED,
    Order,
    Payment,
)
from portal.core.shops import shop_setting

# Orders that hold their unique code: the money is still to be matched to them.
HOLDING_STATUSES = (AWAITING_PAYMENT, PAYMENT_SUBMITTED)
CODES = range(1, 1000)
# A reminder goes out once, when less than this is left before the deadline.
REMINDER_BEFORE = dt.timedelta(hours=6)


log = logging.getLogger(__name__)


class PaymentError(Exception):
    """A refused payment action; ``str(error)`` is a message for the user. Nothing changed."""


def _refusals_logged(default_role: str | None = None):
    """Log each refusal (``PaymentError``, or a ``TransitionError`` of the service's own) once, as a warning.

    Issue 11: forbidden steps are refused *and logged*. A refusal ``transition()``
    already logged is left alone. The wrapped function takes ``order`` or
    ``payment`` and, where it has them, ``actor`` and ``role``.
    """
    def decorate(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (PaymentError, TransitionError) as err:
                if not already_logged(err):
                    given = signature.bind(*args, **kwargs)
                    given.apply_defaults()
                    values = given.arguments
                    order = values.get("order") or Order.get_or_none(Order.id == values["payment"].order_id)
                    log_refusal(log, order, fn.__name__, values.get("actor"), values.get("role", default_role), err)
                raise

        return wrapper

    return decorate


# ---------------------------------------------------------------------------
# confirmation: unique code and deadline
# ---------------------------------------------------------------------------


def pick_unique_code(order: Order) -> tuple[int, int]:
    """A random code (1–999) such that neither the code nor ``total + code`` is held by another open order.

    Call inside the transaction that stores it: on PostgreSQL the shop row is
    locked so two confirmations in one shop pick one after the other (SQLite's
    ``BEGIN IMMEDIATE`` already serialises them).

    :raises TransitionError: every code is in use.
    """
    if not is_sqlite():
        Shop.select().where(Shop.id == order.shop_id).for_update().get()
    holders = Order.select(Order.unique_code, Order.amount_due).where(
        (Order.shop == order.shop_id) & Order.status.in_(HOLDING_STATUSES) & (Order.id != order.id)
    )
    used_codes, used_amounts = set(), set()
    for row in holders:
        used_codes.add(row.unique_code)
        used_amounts.add(row.amount_due)
    free = [c for c in CODES if c not in used_codes and order.total + c not in used_amounts]
    if not free:
        raise TransitionError(_l("Too many orders are waiting for payment; no unique amount is free. Try again later."))
    # Random, not sequential: the code should not tell customers how busy the shop is.
    code = secrets.choice(free)
    return code, order.total + code


class _PaymentTerms(Mapping):
    """The ``changes`` of the ``request_payment`` transition, computed when read.

    ``transition()`` unpacks ``changes`` only after it has locked the order
    inside its transaction, so the code is chosen there and stored in the same
    write; picking it beforehand would let two confirmations take one code.
    """

    def __init__(self, order: Order, now: dt.datetime):
        self.order, self.now, self._values = order, now, None

    def _resolve(self) -> dict:
        if self._values is None:
            current = Order.get_by_id(self.order.id)
            if current.total == 0:
                # Vouchers or points paid for everything: no transfer, so no code and no deadline to expire by.
                self._values = {"unique_code": None, "amount_due": 0, "payment_deadline": None,
                                "reminder_sent_at": None}
                return self._values
            code, amount = pick_unique_code(current)
            hours = int(shop_setting(self.order.shop, "payment_deadline_hours") or 24)
            self._values = {
                "unique_code": code,
                "amount_due": amount,
                "payment_deadline": self.now + dt.timedelta(hours=hours),
                "reminder_sent_at": None,
            }
        return self._values

    def __getitem__(self, key):
        return self._resolve()[key]

    def __iter__(self):
        return iter(self._resolve())

    def __len__(self):
        return 4


@_refusals_logged()
def confirm_order(order: Order, actor=None, role: str = "owner", note: str = "") -> Order:
    """Confirm a placed order and give the customer the amount to transfer and a deadline.

    Also finishes an order left ``confirmed`` (e.g. when no code was free).

    :raises TransitionError: the order cannot be confirmed by ``role`` now.
    """
    if order.status == PLACED:
        order = transition(order, "confirm", actor=actor, role=role, note=note)
        if order.payment_method == COD:
            # Cash on delivery: the rider collects the money, there is nothing to transfer.
            return order
    if order.status != CONFIRMED or order.payment_method == COD:
        raise TransitionError(_l("This order is not waiting for confirmation."))
    order = request_payment(order)
    if order.total == 0 and order.status == AWAITING_PAYMENT:
        # Nothing to pay (vouchers or points cover the total): nothing to wait for either. The flow
        # lets only the shop's team verify a payment, so the one who confirmed does, in the same step.
        log.info("order %s totals Rp0: payment verified on confirmation by %s (user %s)", order.number, role,
                 getattr(actor, "id", None))
        order = transition(order, "verify_payment", actor=actor, role=role)
    return order


def request_payment(order: Order, now: dt.datetime | None = None) -> Order:
    """Move a confirmed order to "awaiting payment" with its unique amount and deadline."""
    return transition(order, "request_payment", actor=None, role=SYSTEM, changes=_PaymentTerms(order, now or utcnow()))


# ---------------------------------------------------------------------------
# the customer's proof
# ---------------------------------------------------------------------------


@_refusals_logged(default_role="customer")
def submit_proof(order: Order, upload, actor=None, payer_name: str = "", payer_bank: str = "") -> Payment:
    """Check and store a transfer proof, record it and move the order to "payment submitted".

    A further proof on an order already waiting for review is recorded too
    (the first photo may have been unreadable); the owners are told either way.

    :raises proofs.ProofError: the file is refused (nothing stored).
    :raises PaymentError: the order is not waiting for a payment.
    """
    if order.status not in HOLDING_STATUSES:
        raise PaymentError(_l("This order is not waiting for a payment."))
    checked = proofs.check_upload(upload)
    name = proofs.store(checked)
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with notifications.collected(), atomic_write():
            current = Order.get_by_id(order.id)
            if current.status not in HOLDING_STATUSES:
                raise PaymentError(_l("This order is not waiting for a payment."))
            payment = Payment.create(
                order=current, amount=current.amount_due or current.total, status="submitted",
                payer_name=payer_name.strip()[:120], payer_bank=payer_bank.strip()[:60],
                proof_file=name, proof_content_type=checked.content_type, submitted_by=user,
            )
            if current.status == AWAITING_PAYMENT:
                transition(current, "submit_payment", actor=user, role="customer")
            else:
                add_event(current, "payment", "proof_added", actor=user, role="customer", public=True)
                notifications.proof_uploaded(current)
    except Exception:
        proofs.delete(name)
        raise
    return payment


# ---------------------------------------------------------------------------
# the shop's review
# ---------------------------------------------------------------------------


def _require_team(role: str):
    if role not in SHOP_TEAM:
        raise PaymentError(_l("Only the shop's owner or staff may review payments."))


@_refusals_logged()
def approve_payment(payment: Payment, actor, role: str) -> Order:
    """Accept a submitted proof: the payment is approved and the order paid, together.

    Two people approving at once: the conditional update lets exactly one through.
    """
    _require_team(role)
    with notifications.collected(), atomic_write():
        done = Payment.update(status="approved", reviewed_by=actor, reviewed_at=utcnow(), reason="").where(
            (Payment.id == payment.id) & (Payment.status == "submitted")
        ).execute()
        if done != 1:
            raise PaymentError(_l("This payment has already been reviewed."))
        order = Order.get_by_id(payment.order_id)
        return transition(order, "verify_payment", actor=actor, role=role)


@_refusals_logged()
def reject_payment(payment: Payment, actor, role: str, reason: str) -> Order:
    """Refuse a proof with a reason the customer sees; the order waits for payment again.

    The deadline is moved so the customer has time to pay or send a better proof.
    """
    _require_team(role)
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_l("Say why the proof is not accepted; the customer will read it."))
    with notifications.collected(), atomic_write():
        done = Payment.update(status="rejected", reason=reason, reviewed_by=actor, reviewed_at=utcnow()).where(
            (Payment.id == payment.id) & (Payment.status == "submitted")
        ).execute()
        if done != 1:
            raise PaymentError(_l("This payment has already been reviewed."))
        order = Order.get_by_id(payment.order_id)
        others = Payment.select().where((Payment.order == order) & (Payment.status == "submitted")).exists()
        if order.status == PAYMENT_SUBMITTED and not others:
            hours = int(shop_setting(order.shop, "payment_deadline_hours") or 24)
            deadline = max(order.payment_deadline or utcnow(), utcnow() + dt.timedelta(hours=hours))
            return transition(order, "reject_payment", actor=actor, role=role, note=reason,
                              changes={"payment_deadline": deadline, "reminder_sent_at": None})
        add_event(order, "payment", "proof_rejected", note=reason, actor=actor, role=role, public=True)
        return order


@_refusals_logged()
def record_payment(order: Order, actor, role: str, note: str = "") -> Order:
    """The shop saw the money arrive (bank app, branch visit) without a proof or statement."""
    _require_team(role)
    with notifications.collected(), atomic_write():
        current = Order.get_by_id(order.id)
        if current.status != AWAITING_PAYMENT:
            raise PaymentError(_l("This order is not waiting for a payment."))
        Payment.create(order=current, amount=current.amount_due or current.total, status="approved",
                       reviewed_by=actor, reviewed_at=utcnow())
        return transition(current, "verify_payment", actor=actor, role=role, note=note.strip())


# ---------------------------------------------------------------------------
# deadlines (periodic job)
# ---------------------------------------------------------------------------


def expire_overdue(now: dt.datetime | None = None) -> int:
    """Expire every order still awaiting payment after its deadline; return how many.

    Each order is its own transaction (``transition`` releases its stock or
    capacity); one that was paid meanwhile is simply skipped.
    """
    now = now or utcnow()
    overdue = Order.select(Order.id).where(
        (Order.status == AWAITING_PAYMENT) & Order.payment_deadline.is_null(False) & (Order.payment_deadline <= now)
    )
    expired = 0
    for row in list(overdue):
        try:
            transition(Order.get_by_id(row.id), "expire", role=SYSTEM)
            expired += 1
        except TransitionError:
            continue
    return expired


def send_reminders(now: dt.datetime | None = None) -> int:
    """Remind customers whose deadline is near, once per order; return how many were reminded.

    Orders given less than ``REMINDER_BEFORE`` in all are not reminded: the
    payment instructions they just received say the same.
    """
    now = now or utcnow()
    due = Order.select().where(
        (Order.status == AWAITING_PAYMENT) & Order.reminder_sent_at.is_null() & Order.payment_deadline.is_null(False)
        & (Order.payment_deadline > now) & (Order.payment_deadline <= now + REMINDER_BEFORE)
    )
    sent = 0
    for order in list(due):
        if order.payment_deadline - order.updated_at <= REMINDER_BEFORE:
            continue
        # Claim the reminder with a conditional update: two workers never both send it.
        claimed = Order.update(reminder_sent_at=now).where(
            (Order.id == order.id) & Order.reminder_sent_at.is_null() & (Order.status == AWAITING_PAYMENT)
        ).execute()
        if claimed:
            notifications.payment_reminder(order)
            sent += 1
    return sent


def register_jobs(jobs):
    """Run the deadline checks every five minutes on the job consumer."""
    from huey import crontab

    jobs.register_periodic("expire_overdue", expire_overdue, crontab(minute="*/5"))
    jobs.register_periodic("send_reminders", send_reminders, crontab(minute="*/5"))
