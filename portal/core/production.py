"""Production stages of made-to-order work (cutting, stitching, ...), configurable per shop.

A stage is not a status: the order stays ``in_production`` while the workshop
moves it through the shop's stages. Each step is a public ``OrderEvent`` of
kind ``stage``, so the customer's timeline shows it with its date.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core import order_flow
from portal.core import orders as o
from portal.core.db import atomic_write, is_sqlite, utcnow
from portal.core.shops import shop_setting

# Labels for the default stages; a shop's own stage names are shown as typed.
STAGE_LABELS = {
    "cutting": _l("Cutting"),
    "stitching": _l("Stitching"),
    "soling": _l("Soling"),
    "finishing": _l("Finishing"),
    "packing": _l("Packing"),
}


def stages(shop) -> list[str]:
    value = shop_setting(shop, "production_stages") or []
    return [str(s).strip() for s in value if str(s).strip()]


def stage_label(stage: str | None):
    if not stage:
        return ""
    return STAGE_LABELS.get(stage, stage)


def next_stage(shop, order: o.Order) -> str | None:
    """The stage after the order's current one (the first if it has none yet)."""
    all_stages = stages(shop)
    if order.production_stage not in all_stages:
        return all_stages[0] if all_stages else None
    index = all_stages.index(order.production_stage)
    return all_stages[index + 1] if index + 1 < len(all_stages) else None


def set_stage(order: o.Order, stage: str, actor=None, role: str = "staff", note: str = "") -> o.Order:
    """Record that ``order`` reached ``stage`` (only while it is in production).

    :raises order_flow.TransitionError: unknown stage or the order is not in production.
    """
    if stage not in stages(order.shop):
        raise order_flow.TransitionError(_l("Unknown production stage."))
    if role not in order_flow.SHOP_TEAM:
        raise order_flow.TransitionError(_l("You may not do that with this order."))
    with atomic_write():
        query = o.Order.select().where(o.Order.id == order.id)
        current = (query if is_sqlite() else query.for_update()).get()
        if current.status != o.IN_PRODUCTION:
            raise order_flow.TransitionError(
                _l("This order is %(status)s; production stages apply only while it is in production.",
                   status=order_flow.status_label(current.status)))
        if current.production_stage == stage:
            raise order_flow.TransitionError(_l("The order is already at this stage."))
        o.Order.update(production_stage=stage, updated_at=utcnow()).where(o.Order.id == current.id).execute()
        order_flow.add_event(current, "stage", stage, note=note, actor=actor, role=role, public=True)
    return o.Order.get_by_id(order.id)
