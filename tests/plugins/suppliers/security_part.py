"""The supplier portal's part of the security suite (see tests/security/plugin_parts.py).

Back-office routes are the shop team's (owner and staff of shop X). The supplier's
portal (``/supplier/...``, not under a shop) is supplier X's alone: every other
signed-in role gets 403, and supplier X gets 404 for a purchase order addressed to
another supplier record (supplier B of shop X, or shop Y's supplier).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from security_kit import _form
from security_matrix import MISSING_ID, TEAM_X, Entry, sx

PLUGIN = "suppliers"
F = "plugins.suppliers.forms"
SUPPLIER_X = frozenset({"supplier_x"})


def build(app, w):
    from plugins.suppliers.models import MATERIALS, BomLine, Material, Supplier
    from plugins.suppliers.purchasing import act, create_po, lines_of
    from portal.core.shops import add_member
    from portal.testing import make_user

    supplier_b = make_user("supplier-b@shop.test", "Supplier B")
    add_member(w.x.shop, supplier_b, "supplier")
    supplier_y = make_user("supplier@other.test", "Supplier Y")
    add_member(w.y.shop, supplier_y, "supplier")
    portal_users = {"X": w.users["supplier_x"], "Y": supplier_y}

    with app.test_request_context():
        for key, d in (("X", w.x), ("Y", w.y)):
            e = d.extra
            e["supplier"] = Supplier.create(shop=d.shop, name=f"CV Kulit {key}", email=f"kulit-{key.lower()}@example.test",
                                            user=portal_users[key])
            e["material"] = Material.create(shop=d.shop, name=f"Kulit sapi {key}", unit="ft2",
                                            preferred_supplier=e["supplier"], cost=40_000)
            e["bom_line"] = BomLine.create(product=d.product, material=e["material"], quantity=Decimal("3.5"))

            def po(status, supplier=None, d=d, e=e, key=key):
                order = create_po(d.shop, supplier or e["supplier"], MATERIALS, actor=d.owner, lines=[
                    (e["material"], e["material"].name, "ft2", Decimal("10"), 40_000)])
                if status != "draft":
                    order = act(order, "send", d.owner, "owner")
                if status == "confirmed":
                    order = act(order, "confirm", (supplier.user if supplier else portal_users[key]), "supplier",
                                promised_date=dt.date(2026, 12, 24))
                return order

            e["draft"] = po("draft")
            e["draft_line"] = lines_of(e["draft"])[0]
            e["sent"] = po("sent")
            e["confirmed"] = po("confirmed")
        other = Supplier.create(shop=w.x.shop, name="UD Sol Jaya", user=supplier_b)
        w.x.extra["other_supplier"] = other
        w.x.extra["sent_to_b"] = act(create_po(w.x.shop, other, MATERIALS, actor=w.x.owner, lines=[
            (w.x.extra["material"], "Sol", "pair", Decimal("2"), 0)]), "send", w.x.owner, "owner")


def _x(name):
    return lambda w: w.x.extra[name]


def _y(name):
    return lambda w: w.y.extra[name]


def team(path, wrong=(), consumes=False):
    return Entry("role", TEAM_X, path, wrong, consumes=consumes, plugin=PLUGIN)


def supplier(path, wrong=()):
    return Entry("role", SUPPLIER_X, path, wrong, plugin=PLUGIN)


M = "/suppliers/manage"


def m(path):
    return lambda w: f"{sx(w)}{M}{path(w) if callable(path) else path}"


def po_url(key, what=""):
    return lambda w: f"{sx(w)}{M}/purchase-orders/{w.data(key).extra['draft'].id}{what}"


def _portal(name, what="", key="X"):
    return lambda w: f"/supplier/orders/{w.data(key).extra[name].id}{what}"


def _portal_wrong(what):
    return (_portal("sent", what, "Y"), lambda w: f"/supplier/orders/{w.x.extra['sent_to_b'].id}{what}",
            lambda w: f"/supplier/orders/{w.x.extra['draft'].id}{what}",
            lambda w: f"/supplier/orders/{MISSING_ID}{what}")


MATRIX = {
    "suppliers.materials": team(m("/")),
    "suppliers.material": team(m(lambda w: f"/materials/{w.x.extra['material'].id}"),
                               wrong=(m(lambda w: f"/materials/{w.y.extra['material'].id}"),)),
    "suppliers.adjust": team(m(lambda w: f"/materials/{w.x.extra['material'].id}/adjust"),
                             wrong=(m(lambda w: f"/materials/{w.y.extra['material'].id}/adjust"),)),
    "suppliers.supplier_list": team(m("/suppliers")),
    "suppliers.supplier_edit": team(m(lambda w: f"/suppliers/{w.x.extra['supplier'].id}"),
                                    wrong=(m(lambda w: f"/suppliers/{w.y.extra['supplier'].id}"),)),
    "suppliers.bom": team(m("/bom")),
    "suppliers.bom_product": team(m(lambda w: f"/bom/{w.x.product.id}"), wrong=(m(lambda w: f"/bom/{w.y.product.id}"),)),
    "suppliers.bom_delete": team(
        m(lambda w: f"/bom/{w.x.product.id}/lines/{w.x.extra['bom_line'].id}/delete"),
        wrong=(m(lambda w: f"/bom/{w.y.product.id}/lines/{w.y.extra['bom_line'].id}/delete"),
               m(lambda w: f"/bom/{w.x.product.id}/lines/{w.y.extra['bom_line'].id}/delete")), consumes=True),
    "suppliers.requirements": team(m("/requirements")),
    "suppliers.create_drafts": team(m("/requirements/drafts")),
    "suppliers.purchase_orders": team(m("/purchase-orders")),
    "suppliers.po_detail": team(po_url("X"), wrong=(po_url("Y"),)),
    "suppliers.po_act": team(po_url("X", "/action"), wrong=(po_url("Y", "/action"),)),
    "suppliers.po_add_line": team(po_url("X", "/lines"), wrong=(po_url("Y", "/lines"),)),
    "suppliers.po_delete_line": team(
        m(lambda w: f"/purchase-orders/{w.x.extra['draft'].id}/lines/{w.x.extra['draft_line'].id}/delete"),
        wrong=(m(lambda w: f"/purchase-orders/{w.y.extra['draft'].id}/lines/{w.y.extra['draft_line'].id}/delete"),
               m(lambda w: f"/purchase-orders/{w.x.extra['draft'].id}/lines/{w.y.extra['draft_line'].id}/delete")),
        consumes=True),
    "suppliers.po_link_order": team(po_url("X", "/orders"), wrong=(po_url("Y", "/orders"),)),
    "suppliers.po_receive": team(m(lambda w: f"/purchase-orders/{w.x.extra['confirmed'].id}/receive"),
                                 wrong=(m(lambda w: f"/purchase-orders/{w.y.extra['confirmed'].id}/receive"),)),
    "suppliers.po_note": team(po_url("X", "/notes"), wrong=(po_url("Y", "/notes"),)),
    "suppliers.portal": supplier(lambda w: "/supplier/"),
    "suppliers.portal_po": supplier(_portal("sent"), wrong=_portal_wrong("")),
    "suppliers.portal_confirm": supplier(_portal("sent", "/confirm"), wrong=_portal_wrong("/confirm")),
    "suppliers.portal_reject": supplier(_portal("sent", "/reject"), wrong=_portal_wrong("/reject")),
    "suppliers.portal_ship": supplier(_portal("confirmed", "/ship"), wrong=_portal_wrong("/ship")),
    "suppliers.portal_reschedule": supplier(_portal("confirmed", "/reschedule"), wrong=_portal_wrong("/reschedule")),
    "suppliers.portal_note": supplier(_portal("sent", "/notes"), wrong=_portal_wrong("/notes")),
}

FORMS = {
    "suppliers.materials": ("staff_x", _form(F, "NewMaterialForm", prefix="mat")),
    "suppliers.material": ("staff_x", _form(F, "MaterialForm", prefix="mat")),
    "suppliers.adjust": ("staff_x", _form(F, "AdjustForm", prefix="adj")),
    "suppliers.supplier_list": ("staff_x", _form(F, "SupplierForm", prefix="sup")),
    "suppliers.supplier_edit": ("staff_x", _form(F, "SupplierForm", prefix="sup")),
    "suppliers.bom_product": ("staff_x", _form(F, "BomLineForm", prefix="bom")),
    "suppliers.purchase_orders": ("staff_x", _form(F, "NewPOForm", prefix="po")),
    "suppliers.po_act": ("staff_x", _form(F, "POActionForm")),
    "suppliers.po_add_line": ("staff_x", _form(F, "POLineForm", prefix="line")),
    "suppliers.po_link_order": ("staff_x", _form(F, "LinkOrderForm", prefix="link")),
    "suppliers.po_receive": ("staff_x", _form(F, "ReceiveForm", prefix="rcv")),
    "suppliers.po_note": ("staff_x", _form(F, "NoteForm", prefix="note")),
    "suppliers.portal_confirm": ("supplier_x", _form(F, "ConfirmForm", prefix="cf")),
    "suppliers.portal_reschedule": ("supplier_x", _form(F, "ConfirmForm", prefix="cf")),
    "suppliers.portal_reject": ("supplier_x", _form(F, "RejectForm", prefix="rj")),
    "suppliers.portal_ship": ("supplier_x", _form(F, "ShipForm", prefix="sh")),
    "suppliers.portal_note": ("supplier_x", _form(F, "NoteForm", prefix="note")),
}

CSRF_ONLY = {"suppliers.create_drafts", "suppliers.bom_delete", "suppliers.po_delete_line"}
