"""Material requirements: what the orders waiting for production need, against what is there.

For every material: *needed* by the shop's orders that are confirmed, awaiting or
submitting payment, or paid (not yet in production: those have consumed theirs);
*on hand*; *on order* on purchase orders that are sent, confirmed or shipped (what
is still outstanding after partial receipts); the *shortfall*
``max(0, needed - on hand - on order)``; and what is already *in drafts*. The
proposal is the shortfall minus the drafts, grouped by preferred supplier, so
pressing "create drafts" twice creates nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from peewee import fn

from plugins.suppliers.models import (
    DRAFT,
    MATERIALS,
    OPEN_PO,
    ZERO,
    BomLine,
    Material,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from plugins.suppliers.purchasing import create_po
from plugins.suppliers.stock import UNPRODUCED
from portal.core import orders as o
from portal.core.db import atomic_write

WAITING_STATUSES = UNPRODUCED


@dataclass
class Requirement:
    material: Material
    needed: Decimal = ZERO
    on_hand: Decimal = ZERO
    on_order: Decimal = ZERO
    in_drafts: Decimal = ZERO
    order_ids: set = field(default_factory=set)

    @property
    def shortfall(self) -> Decimal:
        return max(self.needed - self.on_hand - self.on_order, ZERO)

    @property
    def to_propose(self) -> Decimal:
        return max(self.shortfall - self.in_drafts, ZERO)


@dataclass
class Proposal:
    supplier: Supplier | None
    rows: list  # Requirements with something to propose

    @property
    def total(self) -> int:
        return sum(int((r.to_propose * r.material.cost).to_integral_value()) for r in self.rows)


def _sums(shop, statuses, outstanding: bool) -> dict[int, Decimal]:
    amount = (PurchaseOrderLine.quantity - PurchaseOrderLine.received) if outstanding else PurchaseOrderLine.quantity
    rows = (PurchaseOrderLine.select(PurchaseOrderLine.material, fn.SUM(amount).alias("total"))
            .join(PurchaseOrder, on=(PurchaseOrderLine.po == PurchaseOrder.id))
            .where((PurchaseOrder.shop == shop) & PurchaseOrder.status.in_(statuses)
                   & PurchaseOrderLine.material.is_null(False))
            .group_by(PurchaseOrderLine.material))
    return {r.material_id: max(Decimal(str(r.total)).quantize(Decimal("0.001")), ZERO) for r in rows}


def requirements(shop) -> list[Requirement]:
    """One row per material the waiting orders need (materials with no demand are left out)."""
    items = (o.OrderItem.select(o.OrderItem.order, o.OrderItem.product, o.OrderItem.quantity)
             .join(o.Order, on=(o.OrderItem.order == o.Order.id))
             .where((o.Order.shop == shop) & o.Order.status.in_(WAITING_STATUSES) & o.OrderItem.product.is_null(False)))
    items = list(items)
    if not items:
        return []
    bom: dict[int, list[BomLine]] = {}
    for line in (BomLine.select().join(Material, on=(BomLine.material == Material.id))
                 .where((Material.shop == shop) & BomLine.product.in_({i.product_id for i in items}))):
        bom.setdefault(line.product_id, []).append(line)
    needed: dict[int, Requirement] = {}
    for item in items:
        for line in bom.get(item.product_id, ()):
            req = needed.setdefault(line.material_id, Requirement(material=None))
            req.needed += line.quantity * item.quantity
            req.order_ids.add(item.order_id)
    if not needed:
        return []
    materials = {m.id: m for m in Material.select().where(Material.id.in_(list(needed)))}
    on_order = _sums(shop, OPEN_PO, outstanding=True)
    drafts = _sums(shop, (DRAFT,), outstanding=False)
    rows = []
    for material_id, req in needed.items():
        req.material = materials[material_id]
        req.on_hand = req.material.on_hand
        req.on_order = on_order.get(material_id, ZERO)
        req.in_drafts = drafts.get(material_id, ZERO)
        rows.append(req)
    return sorted(rows, key=lambda r: r.material.name.lower())


def proposals(rows: list[Requirement]) -> list[Proposal]:
    """What to order, grouped by preferred supplier; materials without one come last (supplier ``None``)."""
    groups: dict[int | None, Proposal] = {}
    for req in rows:
        if req.to_propose <= 0:
            continue
        supplier = req.material.preferred_supplier if req.material.preferred_supplier_id else None
        key = supplier.id if supplier else None
        groups.setdefault(key, Proposal(supplier=supplier, rows=[])).rows.append(req)
    named = sorted((p for k, p in groups.items() if k is not None), key=lambda p: p.supplier.name.lower())
    return named + ([groups[None]] if None in groups else [])


def create_drafts(shop, actor, role: str) -> list[PurchaseOrder]:
    """One draft purchase order per preferred supplier for what is proposed now, linked to the orders it serves."""
    created = []
    with atomic_write():
        for proposal in proposals(requirements(shop)):
            if proposal.supplier is None:
                continue
            lines = [(r.material, r.material.name, r.material.unit, r.to_propose, r.material.cost) for r in proposal.rows]
            order_ids = set().union(*(r.order_ids for r in proposal.rows))
            orders = list(o.Order.select().where(o.Order.id.in_(list(order_ids))))
            created.append(create_po(shop, proposal.supplier, MATERIALS, actor=actor, role=role, lines=lines,
                                     orders=orders))
    return created
