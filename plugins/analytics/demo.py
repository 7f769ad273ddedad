"""Demo notes for the single customer view (core's demo orders supply every figure)."""
from __future__ import annotations

from plugins.analytics.models import AnalyticsCustomerNote
from portal.core.models import Membership, User
from portal.core.orders import Order

DEMO_NOTES = {
    "customer@demo.test": [
        "Ukuran kaki kiri 42, kanan 42,5 — selalu minta dibuatkan sesuai kaki kanan.",
        "Suka warna cokelat tua dan jahitan krem. Pernah tanya soal sepatu pengantin untuk adiknya.",
    ],
}


def load_demo_notes(shop) -> dict | None:
    staff = (User.select().join(Membership, on=(Membership.user == User.id))
             .where((Membership.shop == shop) & Membership.role.in_(("owner", "staff"))).order_by(Membership.id).first())
    if staff is None:
        return None
    for email, bodies in DEMO_NOTES.items():
        customer = User.get_or_none(User.email == email)
        if customer is None or not Order.select().where((Order.shop == shop) & (Order.customer == customer)).exists():
            continue
        for body in bodies:
            AnalyticsCustomerNote.get_or_create(shop=shop, customer=customer, body=body, defaults={"author": staff})
    count = AnalyticsCustomerNote.select().where(AnalyticsCustomerNote.shop == shop).count()
    return {"customer notes": count}
