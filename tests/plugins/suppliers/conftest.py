"""Supplier-portal test helpers: a shop with two supplier records (each with its own portal
user), materials, products with bills of materials, and quick ways to move orders along."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portal.testing import make_client, make_user

EN = {"Accept-Language": "en"}
D = Decimal


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read English text; the Indonesian catalogue is tested elsewhere.
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def portal_config():
    return {"RATELIMIT_ENABLED": False}


def text(response) -> str:
    return response.get_data(as_text=True)


def make_product(shop, name, price=450_000, stock=100):
    from portal.core.models import Product

    slug = name.lower().replace(" ", "-")
    return Product.create(shop=shop, name=name, slug=slug, price=price, stock=stock, is_active=True)


def place(shop, lines, customer=None, name="Siti Aminah", address="Jl. Merdeka 1", phone="+6281234567890"):
    """An order placed through core's checkout service; ``lines`` is ``[(product, quantity), ...]``."""
    import secrets

    from portal.core.cart import Cart, CartLine
    from portal.core.checkout import Contact, place_order

    cart = Cart(shop=shop, lines=[CartLine(product=p, quantity=q) for p, q in lines])
    contact = Contact(name=name, email="siti@example.test", phone=phone, address=address, city="Bandung",
                      postal_code="40115")
    return place_order(shop, cart, contact, "pickup", customer=customer,
                       idempotency_key=secrets.token_hex(12)).order


def advance(order, *actions, role="owner"):
    """Move an order through core's state machine (``confirm``, ``request_payment``, ...)."""
    from portal.core.order_flow import transition

    for action in actions:
        order = transition(order, action, role=role)
    return order


TO_PAID = ("confirm", "request_payment", "verify_payment")


@pytest.fixture
def cast(portal_app, shop):
    """Supplier records A (supplier@shop.test) and B (a second supplier user), both of shop ``workshop``."""
    from plugins.suppliers.models import Supplier
    from portal.core.models import User
    from portal.core.shops import add_member

    user_a = User.get(User.email == "supplier@shop.test")
    user_b = make_user("supplier-b@shop.test", "Supplier B")
    add_member(shop, user_b, "supplier")
    a = Supplier.create(shop=shop, name="CV Kulit Garut", contact_person="Dadang", email="garut@example.test",
                        user=user_a)
    b = Supplier.create(shop=shop, name="UD Sol Jaya", email="soljaya@example.test", user=user_b)

    class Cast:
        pass

    c = Cast()
    c.shop, c.a, c.b, c.user_a, c.user_b = shop, a, b, user_a, user_b
    return c


@pytest.fixture
def supplier_b_client(portal_app, cast):
    return make_client(portal_app, cast.user_b)


@pytest.fixture
def stuff(cast):
    """Materials (leather from A, soles from B, glue with no supplier) and two products sharing leather."""
    from plugins.suppliers.models import ADJUSTED, BomLine, Material
    from plugins.suppliers.stock import move

    def material(name, unit, on_hand, supplier, cost, reorder="0"):
        m = Material.create(shop=cast.shop, name=name, unit=unit, preferred_supplier=supplier, cost=cost,
                            reorder_level=D(reorder))
        if D(on_hand):
            move(m, D(on_hand), ADJUSTED, reason="opening stock")
        return Material.get_by_id(m.id)

    s = cast
    s.leather = material("Kulit sapi", "ft2", "10", cast.a, 40_000, reorder="5")
    s.sole = material("Sol karet", "pair", "1", cast.b, 25_000)
    s.glue = material("Lem", "litre", "0", None, 60_000)
    s.oxford = make_product(cast.shop, "Oxford")
    s.boot = make_product(cast.shop, "Boot")
    BomLine.create(product=s.oxford, material=s.leather, quantity=D("3.5"))
    BomLine.create(product=s.oxford, material=s.sole, quantity=D("1"))
    BomLine.create(product=s.boot, material=s.leather, quantity=D("5.25"))
    BomLine.create(product=s.boot, material=s.sole, quantity=D("1"))
    BomLine.create(product=s.boot, material=s.glue, quantity=D("0.1"))
    return s


def on_hand(material) -> Decimal:
    from plugins.suppliers.models import Material

    return Material.get_by_id(material.id).on_hand


def sent_po(cast, supplier=None, lines=None, actor_role="owner"):
    """A purchase order sent to ``supplier`` (A by default) for ``lines`` ``[(material, qty)]``."""
    from plugins.suppliers.models import MATERIALS
    from plugins.suppliers.purchasing import act, create_po
    from portal.core.models import User

    owner = User.get(User.email == "owner@shop.test")
    supplier = supplier or cast.a
    po = create_po(cast.shop, supplier, MATERIALS, actor=owner,
                   lines=[(m, m.name, m.unit, D(q), m.cost) for m, q in lines])
    return act(po, "send", owner, actor_role)
