"""Demo data for ``make run``: the Cibaduyut workshop's materials, bills of materials,
its leather supplier "CV Kulit Garut" (supplier@demo.test) and a few purchase orders."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from plugins.suppliers.models import (
    ADJUSTED,
    MATERIALS,
    BomLine,
    Material,
    PurchaseOrder,
    Supplier,
)
from plugins.suppliers.purchasing import act, create_po, receive
from plugins.suppliers.stock import move
from portal.core.models import Membership, Product, User

DEMO_SHOP = "cibaduyut"

# (name, unit, on hand, reorder level, cost per unit, supplier key)
MATERIALS_SPEC = [
    ("Kulit sapi box hitam", "ft2", "180", "120", 38000, "garut"),
    ("Kulit sapi crazy horse cokelat", "ft2", "95", "100", 42000, "garut"),
    ("Kulit suede tan", "ft2", "40", "30", 36000, "garut"),
    ("Sol karet pantofel", "pair", "3", "20", 27500, "sol"),
    ("Sol karet boots bergerigi", "pair", "12", "15", 45000, "sol"),
    ("Benang nilon waxed", "roll", "9", "4", 32000, "garut"),
    ("Lem kuning (lem sepatu)", "litre", "6.5", "5", 68000, "sol"),
    ("Kotak sepatu kraft", "piece", "8", "40", 6500, "sol"),
]

SUPPLIERS_SPEC = {
    "garut": dict(name="CV Kulit Garut", contact_person="Dadang Hermawan", email="supplier@demo.test",
                  phone="+6281320001003", address="Jl. Gagak Lumayung No. 41\nSukaregang, Garut"),
    "sol": dict(name="UD Sol Jaya Cibaduyut", contact_person="Ibu Neneng", email="",
                phone="+6282218004455", address="Jl. Sukamulya No. 8, Cibaduyut, Bandung"),
}

# product-name keyword -> [(material name, quantity per pair)]
BOM_SPEC = [
    ("Pantofel", [("Kulit sapi box hitam", "3.5"), ("Sol karet pantofel", "1"), ("Benang nilon waxed", "0.05"),
                  ("Lem kuning (lem sepatu)", "0.08"), ("Kotak sepatu kraft", "1")]),
    ("Boots", [("Kulit sapi crazy horse cokelat", "5.5"), ("Sol karet boots bergerigi", "1"),
               ("Benang nilon waxed", "0.08"), ("Lem kuning (lem sepatu)", "0.12"), ("Kotak sepatu kraft", "1")]),
    ("Suede", [("Kulit suede tan", "3"), ("Sol karet pantofel", "1"), ("Lem kuning (lem sepatu)", "0.08"),
               ("Kotak sepatu kraft", "1")]),
    ("Sneakers", [("Kulit sapi box hitam", "3"), ("Sol karet pantofel", "1"), ("Benang nilon waxed", "0.05"),
                  ("Kotak sepatu kraft", "1")]),
]


def load(shop) -> dict | None:
    if shop.slug != DEMO_SHOP:
        return None
    if not Supplier.select().where(Supplier.shop == shop).exists():
        _create(shop)
    return {
        "materials": Material.select().where(Material.shop == shop).count(),
        "purchase orders": PurchaseOrder.select().where(PurchaseOrder.shop == shop).count(),
    }


def _create(shop):
    owner = User.get_or_none(User.email == "owner@demo.test")
    supplier_user = User.get_or_none(User.email == "supplier@demo.test")
    linked = supplier_user if supplier_user and Membership.select().where(
        (Membership.shop == shop) & (Membership.user == supplier_user) & (Membership.role == "supplier")).exists() else None
    suppliers = {
        key: Supplier.create(shop=shop, user=linked if key == "garut" else None, **spec)
        for key, spec in SUPPLIERS_SPEC.items()
    }
    materials = {}
    for name, unit, on_hand, reorder, cost, key in MATERIALS_SPEC:
        material = Material.create(shop=shop, name=name, unit=unit, reorder_level=Decimal(reorder), cost=cost,
                                   preferred_supplier=suppliers[key])
        move(material, Decimal(on_hand), ADJUSTED, reason="Stok awal (hitung gudang)", actor=owner)
        materials[name] = Material.get_by_id(material.id)
    for product in Product.select().where(Product.shop == shop):
        for keyword, lines in BOM_SPEC:
            if keyword.lower() in product.name.lower():
                for material_name, quantity in lines:
                    BomLine.get_or_create(product=product, material=materials[material_name],
                                          defaults={"quantity": Decimal(quantity)})
                break
    garut, sol = suppliers["garut"], suppliers["sol"]
    leather = materials["Kulit sapi crazy horse cokelat"]
    black = materials["Kulit sapi box hitam"]
    # A purchase order that arrived in two parts and is closed.
    done = create_po(shop, garut, MATERIALS, actor=owner, lines=[
        (black, black.name, black.unit, Decimal("150"), black.cost)])
    act(done, "send", owner, "owner")
    if linked:
        act(done, "confirm", linked, "supplier", promised_date=dt.date.today() - dt.timedelta(days=10))
        act(done, "ship", linked, "supplier", note="Dikirim lewat JNE")
        line = _first_line(done)
        receive(done, {line.id: Decimal("100")}, owner, "owner", note="Sisa menyusul")
        receive(done, {line.id: Decimal("50")}, owner, "owner")
        act(done, "close", owner, "owner")
    # Confirmed, on its way.
    confirmed = create_po(shop, garut, MATERIALS, actor=owner, lines=[
        (leather, leather.name, leather.unit, Decimal("120"), leather.cost)])
    act(confirmed, "send", owner, "owner")
    if linked:
        act(confirmed, "confirm", linked, "supplier", promised_date=dt.date.today() + dt.timedelta(days=4),
            note="Kulit crazy horse sedang dijemur")
    # Sent, waiting for the supplier's answer.
    thread = materials["Benang nilon waxed"]
    waiting = create_po(shop, garut, MATERIALS, actor=owner, lines=[
        (thread, thread.name, thread.unit, Decimal("6"), thread.cost),
        (materials["Kulit suede tan"], "Kulit suede tan", "ft2", Decimal("60"), materials["Kulit suede tan"].cost)])
    act(waiting, "send", owner, "owner")
    # A draft for soles, not yet sent.
    soles = materials["Sol karet boots bergerigi"]
    create_po(shop, sol, MATERIALS, actor=owner, lines=[(soles, soles.name, soles.unit, Decimal("24"), soles.cost)])


def _first_line(po):
    from plugins.suppliers.purchasing import lines_of

    return lines_of(po)[0]
