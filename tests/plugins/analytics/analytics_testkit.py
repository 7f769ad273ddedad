"""Helpers of the analytics tests: orders written with a chosen history, and the hand-made shop's cast.

All times below are UTC, as stored; Jakarta is seven hours ahead, so an order at
17:30 UTC belongs to the *next* Jakarta day (O10, O11 and P3 sit on such edges).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.core import orders as o

H = dt.timedelta(hours=1)
EN = {"Accept-Language": "en"}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# Which status steps each final status went through (after "place").
PATHS = {
    o.PLACED: [],
    o.REJECTED: ["reject"],
    o.AWAITING_PAYMENT: ["confirm", "request_payment"],
    o.EXPIRED: ["confirm", "request_payment", "expire"],
    "cancelled_after_paid": ["confirm", "request_payment", "verify_payment", "cancel"],
    o.PAID: ["confirm", "request_payment", "verify_payment"],
    o.READY: ["confirm", "request_payment", "verify_payment", "mark_ready"],
    o.HANDED_OVER: ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over"],
    o.DELIVERED: ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver"],
    o.COMPLETED: ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver", "complete"],
}


def make_order(shop, customer, placed: dt.datetime, status: str, lines, city="Bandung", fee=0,
               paid_h=2.0, handed_h=24.0, delivered_h=6.0, number=None) -> o.Order:
    """An order written straight into the tables, with the status history its final status implies."""
    from portal.core.order_flow import ACTIONS

    final = o.CANCELLED if status == "cancelled_after_paid" else status
    subtotal = sum(p.price * q for p, q in lines)
    seq = o.Order.select().where(o.Order.shop == shop).count() + 1
    order = o.Order.create(
        shop=shop, number=number or f"T-{seq:04d}", customer=customer, name=customer.name if customer else "Guest",
        email=customer.email if customer else "guest@example.test", phone="+6281234567890", city=city,
        delivery_method="delivery" if city else "pickup", delivery_fee=fee, subtotal=subtotal, total=subtotal + fee,
        status=final, created_at=placed, updated_at=placed,
    )
    for p, q in lines:
        o.OrderItem.create(order=order, product=p, name=p.name, unit_price=p.price, quantity=q, line_total=p.price * q)
    o.OrderEvent.create(order=order, kind="status", action="place", to_status=o.PLACED, actor_role="customer",
                        created_at=placed)
    times = {"confirm": placed + 0.5 * H, "request_payment": placed + 0.51 * H, "reject": placed + H,
             "expire": placed + 30 * H, "verify_payment": placed + paid_h * H}
    times["cancel"] = times["verify_payment"] + H
    times["mark_ready"] = times["verify_payment"] + 0.5 * H
    times["hand_over"] = times["verify_payment"] + handed_h * H
    times["deliver"] = times["hand_over"] + delivered_h * H
    times["complete"] = times["deliver"] + H
    current = o.PLACED
    for action in PATHS[status]:
        target = ACTIONS[action].target
        o.OrderEvent.create(order=order, kind="status", action=action, from_status=current, to_status=target,
                            actor_role="owner", created_at=times[action])
        current = target
    if "verify_payment" in PATHS[status]:
        o.Payment.create(order=order, amount=order.total, status="approved", created_at=times["verify_payment"])
    return order


@dataclass
class Data:
    shop: object
    c: dict = field(default_factory=dict)  # "C1".."C10" -> User
    p: dict = field(default_factory=dict)  # "P1".."P3" -> Product
    o: dict = field(default_factory=dict)  # "O1".."O11", "P1".."P3", "Q1".."Q6" -> Order


