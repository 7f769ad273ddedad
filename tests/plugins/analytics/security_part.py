"""The analytics' part of the security suite (see tests/security/plugin_parts.py).

Customers A and B order in both shops, so each shop also gets a customer of its
own (``only_x`` / ``only_y``): shop X's address with shop Y's own customer, or
with a note shop Y keeps about customer A, must find nothing.
"""
from __future__ import annotations

from security_kit import _form
from security_matrix import MISSING_ID, TEAM_X, Entry, sx

PLUGIN = "analytics"
A = "plugins.analytics.forms"


def _base(w):
    return f"{sx(w)}/manage/analytics"


def build(app, w):
    from plugins.analytics import models
    from portal.core.cart import Cart, CartLine
    from portal.core.checkout import Contact, place_order
    from portal.testing import make_user

    for key, d in (("X", w.x), ("Y", w.y)):
        own = make_user(f"analytics-only-{key.lower()}@example.test", f"Only {key}")
        with app.test_request_context(headers={"Accept-Language": "en"}):
            cart = Cart(shop=d.shop, lines=[CartLine(product=d.product, quantity=1)])
            contact = Contact(name=f"Only {key}", email=own.email, phone="+6281234567890", address="Jl. Asia Afrika 1",
                              city="Bandung", postal_code="40111")
            place_order(d.shop, cart, contact, "pickup", customer=own, idempotency_key=f"analytics-{key}-0000000001")
        d.extra["analytics_only"] = own
        d.extra["analytics_note"] = models.add_note(d.shop, w.users["customer_a"], d.owner, f"Note of shop {key}")


def _note(w, data):
    return f"{_base(w)}/customers/{w.users['customer_a'].id}/notes/{data.extra['analytics_note'].id}"


MATRIX = {
    "analytics.dashboard": Entry("role", TEAM_X, lambda w: f"{_base(w)}/?start=2026-01-01&end=2026-12-31&by=month",
                                 plugin=PLUGIN),
    "analytics.chart": Entry("role", TEAM_X, lambda w: f"{_base(w)}/charts/revenue.svg",
                             wrong=(lambda w: f"{_base(w)}/charts/nosuch.svg",), plugin=PLUGIN),
    "analytics.csv": Entry("role", TEAM_X, lambda w: f"{_base(w)}/csv/cities.csv",
                           wrong=(lambda w: f"{_base(w)}/csv/nosuch.csv",), plugin=PLUGIN),
    "analytics.segments": Entry("role", TEAM_X, lambda w: f"{_base(w)}/segments/", plugin=PLUGIN),
    "analytics.segment": Entry("role", TEAM_X, lambda w: f"{_base(w)}/segments/new",
                               wrong=(lambda w: f"{_base(w)}/segments/nosuch",), plugin=PLUGIN),
    "analytics.customers": Entry("role", TEAM_X, lambda w: f"{_base(w)}/customers/?q=Only", plugin=PLUGIN),
    "analytics.customer": Entry(
        "role", TEAM_X, lambda w: f"{_base(w)}/customers/{w.x.extra['analytics_only'].id}",
        wrong=(lambda w: f"{_base(w)}/customers/{w.y.extra['analytics_only'].id}",
               lambda w: f"{_base(w)}/customers/{MISSING_ID}"), plugin=PLUGIN),
    "analytics.add_note": Entry(
        "role", TEAM_X, lambda w: f"{_base(w)}/customers/{w.x.extra['analytics_only'].id}/notes",
        wrong=(lambda w: f"{_base(w)}/customers/{w.y.extra['analytics_only'].id}/notes",), plugin=PLUGIN),
    "analytics.edit_note": Entry(
        "role", TEAM_X, lambda w: f"{_note(w, w.x)}/edit",
        wrong=(lambda w: f"{_note(w, w.y)}/edit",
               lambda w: f"{_base(w)}/customers/{w.x.extra['analytics_only'].id}/notes/{w.x.extra['analytics_note'].id}/edit"),
        plugin=PLUGIN),
    "analytics.delete_note": Entry(
        "role", TEAM_X, lambda w: f"{_note(w, w.x)}/delete",
        wrong=(lambda w: f"{_note(w, w.y)}/delete",
               lambda w: f"{_base(w)}/customers/{w.x.extra['analytics_only'].id}/notes/{w.x.extra['analytics_note'].id}/delete"),
        consumes=True, plugin=PLUGIN),
}

FORMS = {
    "analytics.add_note": ("staff_x", _form(A, "NoteForm", prefix="note")),
    "analytics.edit_note": ("staff_x", _form(A, "NoteForm", prefix="edit")),
}

CSRF_ONLY = {"analytics.delete_note"}
