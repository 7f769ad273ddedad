"""Stock of materials: every change is a movement row, written with the change itself.

``on_hand`` moves only through :func:`move`, which adds a ``StockMovement`` and runs
``UPDATE ... SET on_hand = on_hand + q`` in the caller's transaction, so on hand is
always the sum of the material's movements and two writers never lose an update.

Production: when a customer order enters production (or goes straight to "ready" from
a status before production, skipping the production step: from "paid", or from
"confirmed" for cash on delivery), its bill of materials is consumed once, in the
status change's own transaction (the plugin's ``portal_order_transition_writes``):
if consuming fails, the status does not move either. A shortage refuses nothing:
production takes no floor, and stock goes below zero. An order that ends cancelled,
rejected or expired after its materials were consumed (core's flow has no such step
today; a future one would) gets them back as "restored" movements, in that step's
transaction too: the workshop then records any spoiled leather as an adjustment
with a reason. Nothing is consumed before production, so an order cancelled earlier
needs nothing restored.
"""
from __future__ import annotations

from decimal import Decimal

from peewee import fn

from plugins.suppliers.models import (
    CONSUMED,
    RESTORED,
    ZERO,
    BomLine,
    Material,
    StockMovement,
)
from portal.core import orders as o
from portal.core.db import atomic_write, is_sqlite

# Not yet produced: what the requirements page plans for, and where "ready" means production was skipped.
UNPRODUCED = (o.CONFIRMED, o.AWAITING_PAYMENT, o.PAYMENT_SUBMITTED, o.PAID)


class StockError(Exception):
    """A change that would take stock below its floor; nothing was written."""


def move(material: Material, quantity: Decimal, kind: str, reason: str = "", order=None, po=None, actor=None,
         floor: Decimal | None = None):
    """Change ``material``'s stock by ``quantity`` (signed) and record why; call inside a transaction.

    With ``floor``, the change happens only if on hand stays at or above it (checked in the
    ``UPDATE`` itself, so two people counting at once cannot both take the last piece);
    otherwise :class:`StockError` is raised and nothing is written. Production passes no
    floor: what was made was made, and a negative number says what must be counted.
    """
    quantity = Decimal(quantity).quantize(Decimal("0.001"))
    query = Material.update(on_hand=Material.on_hand + quantity).where(Material.id == material.id)
    if floor is not None:
        # The column on the left: SQLite binds a Decimal as text, and only a column's
        # numeric affinity makes it compare as a number.
        query = query.where(Material.on_hand >= Decimal(floor) - quantity)
    if query.execute() != 1:
        raise StockError(material.id)
    StockMovement.create(material=material, kind=kind, quantity=quantity, reason=reason, order=order, po=po,
                         actor=actor)


def movements_total(material) -> Decimal:
    total = (StockMovement.select(fn.COALESCE(fn.SUM(StockMovement.quantity), 0))
             .where(StockMovement.material == material).scalar())
    return Decimal(str(total or 0)).quantize(Decimal("0.001"))


def order_needs(order) -> dict[int, Decimal]:
    """Material id -> quantity this customer order takes, from its products' bills of materials."""
    needs: dict[int, Decimal] = {}
    items = [i for i in order.items if i.product_id]
    if not items:
        return needs
    bom = {}
    for line in BomLine.select().where(BomLine.product.in_([i.product_id for i in items])):
        bom.setdefault(line.product_id, []).append(line)
    for item in items:
        for line in bom.get(item.product_id, ()):
            needs[line.material_id] = needs.get(line.material_id, ZERO) + line.quantity * item.quantity
    return needs


def _net_for_order(order) -> dict[int, Decimal]:
    """What production has taken for ``order`` and not given back, per material."""
    rows = (StockMovement.select(StockMovement.material, fn.SUM(StockMovement.quantity).alias("total"))
            .where((StockMovement.order == order) & StockMovement.kind.in_((CONSUMED, RESTORED)))
            .group_by(StockMovement.material))
    return {r.material_id: -Decimal(str(r.total)) for r in rows}


def _lock(order):
    # Two calls for one order (a retried hook) must not both consume: SQLite's
    # BEGIN IMMEDIATE already serialises writers, PostgreSQL needs the row lock.
    if not is_sqlite():
        o.Order.select().where(o.Order.id == order.id).for_update().get()


def consume_for_order(order, actor=None) -> int:
    """Take the order's materials out of stock once; returns the number of movements written."""
    written = 0
    with atomic_write():
        _lock(order)
        if any(v > 0 for v in _net_for_order(order).values()):
            return 0  # already consumed (a repeated hook call, or back through "ready")
        needs = order_needs(order)
        materials = {m.id: m for m in Material.select().where(Material.id.in_(list(needs)))} if needs else {}
        for material_id, quantity in sorted(needs.items()):
            material = materials.get(material_id)
            if material is None or material.shop_id != order.shop_id:
                continue
            move(material, -quantity, CONSUMED, reason=order.number, order=order, actor=actor)
            written += 1
    return written


def restore_for_order(order, actor=None) -> int:
    """Give back what production took for an order that ended after all; returns movements written."""
    written = 0
    with atomic_write():
        _lock(order)
        for material_id, quantity in sorted(_net_for_order(order).items()):
            if quantity <= 0:
                continue
            material = Material.get_by_id(material_id)
            move(material, quantity, RESTORED, reason=order.number, order=order, actor=actor)
            written += 1
    return written


def on_order_transition(order, from_status, to_status, actor=None):
    """The plugin's part of a customer order's status change (see the module docstring).

    Called inside the status change's transaction.

    :return: the number of movements written.
    :raises StockError: a material disappeared meanwhile (the caller refuses the step).
    """
    if to_status == o.IN_PRODUCTION or (to_status == o.READY and from_status in UNPRODUCED):
        return consume_for_order(order, actor)
    if to_status in (o.CANCELLED, o.REJECTED, o.EXPIRED):
        return restore_for_order(order, actor)
    return 0


def low_stock_count(shop) -> int:
    return (Material.select().where((Material.shop == shop) & (Material.reorder_level > 0)
                                    & (Material.on_hand <= Material.reorder_level)).count())
