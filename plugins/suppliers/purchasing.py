"""Purchase orders: numbering, the state machine, receipts, notes, and the supplier's access.

``PO_ACTIONS`` is the one table of what may happen to a purchase order and who may
do it. :func:`act` is the only code that changes ``PurchaseOrder.status``; it writes
the status and its ``PurchaseOrderEvent`` (who, role, when) in one transaction, and
e-mails the supplier after the commit when an order is sent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import fn

from plugins.suppliers.models import (
    CANCELLED,
    CLOSED,
    CONFIRMED,
    DRAFT,
    RECEIVED,
    RECEIVED_PO,
    REJECTED,
    SENT,
    SHIPPED,
    ZERO,
    Material,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseOrderLink,
    Supplier,
)
from plugins.suppliers.stock import move
from portal.core.db import atomic_write, db, is_sqlite, utcnow
from portal.core.models import Membership
from portal.core.orders import Order

TEAM = ("owner", "staff")
SUPPLIER = ("supplier",)


class POError(Exception):
    """A refused step; ``str(err)`` is a message for the user. Nothing changed."""


@dataclass(frozen=True)
class POAction:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (a new promised date)
    roles: tuple[str, ...]
    label: object


PO_ACTIONS: dict[str, POAction] = {
    a.name: a
    for a in [
        POAction("send", (DRAFT,), SENT, TEAM, _l("Sent to the supplier")),
        POAction("cancel", (DRAFT, SENT), CANCELLED, TEAM, _l("Cancelled")),
        POAction("confirm", (SENT,), CONFIRMED, SUPPLIER, _l("Confirmed by the supplier")),
        POAction("reject", (SENT,), REJECTED, SUPPLIER, _l("Rejected by the supplier")),
        POAction("reschedule", (CONFIRMED, SHIPPED), None, SUPPLIER, _l("Delivery date changed")),
        POAction("ship", (CONFIRMED,), SHIPPED, SUPPLIER, _l("Shipped by the supplier")),
        # Receiving moves to "received" once every line has fully arrived (see receive()).
        POAction("receive", (CONFIRMED, SHIPPED), None, TEAM, _l("Goods received")),
        # Closing short is allowed: what arrived stays in stock, the rest is no longer expected.
        POAction("close", (CONFIRMED, SHIPPED, RECEIVED_PO, REJECTED), CLOSED, TEAM, _l("Closed")),
    ]
}

STATUS_LABELS = {
    DRAFT: _l("draft"),
    SENT: _l("sent"),
    CONFIRMED: _l("confirmed"),
    REJECTED: _l("rejected"),
    SHIPPED: _l("shipped"),
    RECEIVED_PO: _l("received"),
    CLOSED: _l("closed"),
    CANCELLED: _l("cancelled"),
}

EVENT_LABELS = {
    "create": _l("Draft created"),
    "note": _l("Note"),
    **{name: a.label for name, a in PO_ACTIONS.items()},
}


def status_label(status: str):
    return STATUS_LABELS.get(status, status)


def allowed(po: PurchaseOrder, role: str | None) -> list[POAction]:
    return [a for a in PO_ACTIONS.values() if po.status in a.sources and role in a.roles]


# ---------------------------------------------------------------------------
# creating
# ---------------------------------------------------------------------------


PO_NUMBER_LOCK = 7301  # advisory-lock namespace of purchase-order numbering


def next_number(shop) -> str:
    """``PO-0001``, ``PO-0002``... per shop (called inside the creating transaction)."""
    if not is_sqlite():
        # SQLite's BEGIN IMMEDIATE already serialises writers; on PostgreSQL two drafts
        # created at once would read the same count, so they take turns per shop until commit.
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (PO_NUMBER_LOCK, shop.id))
    count = PurchaseOrder.select(fn.COUNT(PurchaseOrder.id)).where(PurchaseOrder.shop == shop).scalar() or 0
    number = count + 1
    while PurchaseOrder.select().where((PurchaseOrder.shop == shop) & (PurchaseOrder.number == f"PO-{number:04d}")).exists():
        number += 1
    return f"PO-{number:04d}"


def create_po(shop, supplier: Supplier, kind: str, actor=None, role: str = "owner", lines=(), orders=()) -> PurchaseOrder:
    """A new draft. ``lines``: ``(material or None, description, unit, quantity, unit_cost)``."""
    if supplier.shop_id != shop.id:
        raise POError(_l("Unknown supplier."))
    with atomic_write():
        po = PurchaseOrder.create(shop=shop, supplier=supplier, number=next_number(shop), kind=kind, created_by=actor)
        for material, description, unit, quantity, unit_cost in lines:
            PurchaseOrderLine.create(po=po, material=material, description=description, unit=unit,
                                     quantity=quantity, unit_cost=unit_cost)
        for order in orders:
            PurchaseOrderLink.get_or_create(po=po, order=order)
        PurchaseOrderEvent.create(po=po, action="create", to_status=DRAFT, actor=actor, role=role)
    return po


def add_line(po: PurchaseOrder, material, description: str, unit: str, quantity: Decimal, unit_cost: int):
    if po.status != DRAFT:
        raise POError(_l("Only a draft can be changed."))
    with atomic_write():
        return PurchaseOrderLine.create(po=po, material=material, description=description, unit=unit,
                                        quantity=quantity, unit_cost=unit_cost)


def remove_line(po: PurchaseOrder, line_id: int) -> bool:
    if po.status != DRAFT:
        raise POError(_l("Only a draft can be changed."))
    return PurchaseOrderLine.delete().where((PurchaseOrderLine.id == line_id) & (PurchaseOrderLine.po == po)).execute() == 1


def link_order(po: PurchaseOrder, order: Order):
    if po.status != DRAFT:
        raise POError(_l("Only a draft can be changed."))
    if order.shop_id != po.shop_id:
        raise POError(_l("No such order in this shop."))
    PurchaseOrderLink.get_or_create(po=po, order=order)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def lines_of(po) -> list[PurchaseOrderLine]:
    return list(PurchaseOrderLine.select().where(PurchaseOrderLine.po == po).order_by(PurchaseOrderLine.id))


def orders_of(po) -> list[Order]:
    return list(Order.select().join(PurchaseOrderLink, on=(PurchaseOrderLink.order == Order.id))
                .where(PurchaseOrderLink.po == po).order_by(Order.id))


def events_of(po) -> list[PurchaseOrderEvent]:
    return list(PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po)
                .order_by(PurchaseOrderEvent.created_at, PurchaseOrderEvent.id))


def total_of(lines) -> int:
    return sum(int((line.quantity * line.unit_cost).to_integral_value()) for line in lines)


def po_of_shop(shop, po_id: int) -> PurchaseOrder | None:
    """A purchase order of this shop only: another shop's id is simply not found."""
    return PurchaseOrder.get_or_none((PurchaseOrder.id == po_id) & (PurchaseOrder.shop == shop))


def supplier_records(user):
    """The supplier records ``user`` answers for: linked to them, and they still hold the supplier role there."""
    return (Supplier.select(Supplier)
            .join(Membership, on=((Membership.shop == Supplier.shop) & (Membership.user == Supplier.user)))
            .where((Supplier.user == user) & (Membership.role == "supplier")))


def po_for_supplier(user, po_id: int, enabled) -> PurchaseOrder | None:
    """A purchase order addressed to one of ``user``'s supplier records in a shop with the plugin on.

    Drafts are the shop's own business until sent.
    """
    po = (PurchaseOrder.select().where((PurchaseOrder.id == po_id) & (PurchaseOrder.status != DRAFT)
                                       & PurchaseOrder.supplier.in_(supplier_records(user).select(Supplier.id)))
          .first())
    if po is None or not enabled(po.shop):
        return None
    return po


# ---------------------------------------------------------------------------
# changing
# ---------------------------------------------------------------------------


def _lock(po_id: int) -> PurchaseOrder:
    query = PurchaseOrder.select().where(PurchaseOrder.id == po_id)
    if not is_sqlite():
        query = query.for_update()
    return query.get()


def act(po: PurchaseOrder, action: str, actor, role: str, note: str = "", promised_date: dt.date | None = None) -> PurchaseOrder:
    """Apply ``action`` as ``actor`` in ``role``; raises :class:`POError` (nothing changed)."""
    spec = PO_ACTIONS.get(action)
    if spec is None or action == "receive":
        raise POError(_l("Unknown action."))
    with atomic_write():
        current = _lock(po.id)
        if current.status not in spec.sources:
            raise POError(_l("This purchase order is %(status)s; that step is not possible now.",
                             status=status_label(current.status)))
        if role not in spec.roles:
            raise POError(_l("You may not do that with this purchase order."))
        values = {"updated_at": utcnow()}
        if action == "send" and not lines_of(current):
            raise POError(_l("Add at least one line before sending."))
        if action in ("confirm", "reschedule"):
            if promised_date is None:
                raise POError(_l("Give the delivery date you promise."))
            values["promised_date"] = promised_date
        if action == "reject":
            if not note.strip():
                raise POError(_l("Say why you reject it."))
            values["reason"] = note.strip()
        if spec.target is not None:
            values["status"] = spec.target
        changed = PurchaseOrder.update(**values).where(
            (PurchaseOrder.id == current.id) & (PurchaseOrder.status == current.status)).execute()
        if changed != 1:
            raise POError(_l("Someone else changed this purchase order just now; please reload."))
        PurchaseOrderEvent.create(po=current, action=action, from_status=current.status,
                                  to_status=spec.target or current.status, actor=actor, role=role, note=note.strip(),
                                  promised_date=values.get("promised_date"))
    fresh = PurchaseOrder.get_by_id(po.id)
    if action == "send":
        from plugins.suppliers.mail import tell_supplier

        tell_supplier(fresh)
    return fresh


def receive(po: PurchaseOrder, quantities: dict[int, Decimal], actor, role: str, note: str = "") -> PurchaseOrder:
    """Record goods received: ``{line id: quantity}``; stock rises by movement rows (partial receipts allowed)."""
    spec = PO_ACTIONS["receive"]
    if role not in spec.roles:
        raise POError(_l("You may not do that with this purchase order."))
    with atomic_write():
        current = _lock(po.id)
        if current.status not in spec.sources:
            raise POError(_l("This purchase order is %(status)s; that step is not possible now.",
                             status=status_label(current.status)))
        lines = {line.id: line for line in lines_of(current)}
        taken = {k: v for k, v in quantities.items() if v and v > 0}
        if not taken:
            raise POError(_l("Enter the quantity that arrived for at least one line."))
        parts = []
        for line_id, quantity in taken.items():
            line = lines.get(line_id)
            if line is None:
                raise POError(_l("Unknown line."))
            if quantity > line.outstanding:
                raise POError(_l("More than was ordered arrived for %(item)s: record the extra as a stock adjustment.",
                                 item=line.description))
            PurchaseOrderLine.update(received=PurchaseOrderLine.received + quantity).where(
                PurchaseOrderLine.id == line.id).execute()
            line.received += quantity
            if line.material_id is not None:
                material = Material.get_or_none(Material.id == line.material_id)
                if material is not None:
                    move(material, quantity, RECEIVED, reason=current.number, po=current, actor=actor)
            parts.append(f"{line.description}: {fmt_qty(quantity)} {unit_symbol(line.unit)}".strip())
        complete = all(line.received >= line.quantity for line in lines.values())
        target = RECEIVED_PO if complete else current.status
        PurchaseOrder.update(status=target, updated_at=utcnow()).where(PurchaseOrder.id == current.id).execute()
        PurchaseOrderEvent.create(po=current, action="receive", from_status=current.status, to_status=target,
                                  actor=actor, role=role, note="; ".join(parts) + (f" — {note.strip()}" if note.strip() else ""))
    return PurchaseOrder.get_by_id(po.id)


def add_note(po: PurchaseOrder, text: str, actor, role: str) -> PurchaseOrderEvent:
    with atomic_write():
        return PurchaseOrderEvent.create(po=po, action="note", actor=actor, role=role, note=text.strip())


def unit_symbol(code: str) -> str:
    from plugins.suppliers.forms import UNIT_SHORT

    return str(UNIT_SHORT.get(code, code))


def fmt_qty(quantity) -> str:
    """A quantity without trailing zeros: ``2``, ``1.5``, ``0.125``."""
    if quantity is None:
        return ""
    q = Decimal(quantity).quantize(Decimal("0.001"))
    if q == q.to_integral_value():
        return str(q.to_integral_value())
    return f"{q:f}".rstrip("0")


def event_time(po, action: str) -> dt.datetime | None:
    row = (PurchaseOrderEvent.select(PurchaseOrderEvent.created_at)
           .where((PurchaseOrderEvent.po == po) & (PurchaseOrderEvent.action == action))
           .order_by(PurchaseOrderEvent.created_at).first())
    return row.created_at if row else None


__all__ = ["PO_ACTIONS", "ZERO", "POError", "act", "add_note", "create_po", "receive"]
