"""The cast and the data of the security suite: two shops full of objects, ten logged-in roles, a fingerprint.

``world`` builds shop X (``workshop``) and shop Y (``othershop``) each with a
category, a product with a picture, orders of customer A and B (one with a
submitted payment proof), a guest order, a pending invitation, a bank
statement line, a guestbook entry and queued mail — so every URL parameter of
every route can be filled with a real object of either shop.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from PIL import Image
from security_kit import EMAILS, EN, ROLES, png_bytes
from werkzeug.datastructures import FileStorage

from portal.testing import make_user


@pytest.fixture
def portal_config():
    # Ten roles are logged in per test and each endpoint is posted to many times from
    # one address: the rate limits (tested elsewhere) would answer 429 instead of the rule.
    return {"RATELIMIT_ENABLED": False}


@dataclass
class ShopData:
    shop: object
    owner: object
    staff: object
    category: object = None
    product: object = None
    image: object = None
    order_a: object = None  # customer A's order, awaiting payment with a submitted proof
    order_b: object = None  # customer B's order
    guest_order: object = None
    payment: object = None
    invitation: object = None
    membership: object = None  # a member the owner could revoke (the staff member)
    statement: object = None
    line: object = None
    entry: object = None
    mail: object = None
    extra: dict = field(default_factory=dict)


class World:
    """Everything the matrix needs; ``clients[role]`` are browsers logged in as each role."""

    def __init__(self, app):
        self.app = app
        self.clients: dict = {}
        self.tokens: dict = {}
        self.x: ShopData | None = None
        self.y: ShopData | None = None

    def data(self, key: str) -> ShopData:
        return self.x if key == "X" else self.y

    def client(self, role: str):
        return self.clients[role]

    def csrf(self, role: str) -> str:
        return self.tokens[role]


def _in_request(app, fn, *args, **kwargs):
    """Run a service as a request would (labels in a language, mail handed to the queue after it)."""
    with app.test_request_context(headers=EN):
        result = fn(*args, **kwargs)
        app.process_response(app.response_class())
    return result


def _place(shop, product, customer, key):
    from portal.core.cart import Cart, CartLine
    from portal.core.checkout import Contact, place_order

    cart = Cart(shop=shop, lines=[CartLine(product=product, quantity=1)])
    contact = Contact(name="Siti", email="siti@example.test", phone="+6281234567890", address="Jl. Merdeka 1",
                      city="Bandung", postal_code="40115")
    return place_order(shop, cart, contact, "pickup", customer=customer, idempotency_key=key).order


def _bca(*rows) -> bytes:
    lines = ["Informasi Rekening - Mutasi Rekening", "No. rekening : ,'1234567890", "",
             "Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo"]
    for day, description, amount in rows:
        lines.append(f'{day},{description},0000,"{amount:,}.00 CR","10,000,000.00"')
    lines.append('Saldo Awal,"9,000,000.00"')
    return ("\r\n".join(lines) + "\r\n").encode()


def _build_shop(app, key: str, shop, owner, staff, customer_a, customer_b, pictures: list) -> ShopData:
    from portal.core import invitations, media, payments, statements
    from portal.core.models import Category, Membership, OutboxMail, Product
    from portal.core.orders import StatementLine

    d = ShopData(shop=shop, owner=owner, staff=staff)
    tag = key.lower()
    d.category = Category.create(shop=shop, name=f"Sepatu {key}", slug=f"sepatu-{tag}")
    d.product = Product.create(shop=shop, name=f"Pantofel {key}", slug=f"pantofel-{tag}", price=450_000, stock=20,
                               category=d.category, is_active=True, weight_grams=900)
    d.image = media.add_image_record(d.product, pictures.pop(), alt="side")
    d.extra["image2"] = media.add_image_record(d.product, pictures.pop(), alt="top")

    d.order_a = _in_request(app, _place, shop, d.product, customer_a, f"key-{tag}-a-0000000001")
    d.order_a = _in_request(app, payments.confirm_order, d.order_a, owner, "owner")
    upload = FileStorage(io.BytesIO(png_bytes(color=(1, 2, 3))), filename="transfer.png", content_type="image/png")
    d.payment = _in_request(app, payments.submit_proof, d.order_a, upload, actor=customer_a)
    d.order_b = _in_request(app, _place, shop, d.product, customer_b, f"key-{tag}-b-0000000001")
    d.guest_order = _in_request(app, _place, shop, d.product, None, f"key-{tag}-g-0000000001")
    # An order of customer A still waiting for payment (for the proof upload and "mark paid").
    waiting = _in_request(app, _place, shop, d.product, customer_a, f"key-{tag}-w-0000000001")
    d.extra["awaiting"] = _in_request(app, payments.confirm_order, waiting, owner, "owner")

    d.invitation, d.extra["invitation_token"] = invitations.create_invitation(shop, f"newbie-{tag}@example.test", "staff")
    d.membership = Membership.get(Membership.shop == shop, Membership.user == staff)
    result = statements.import_statement(
        shop, f"mutasi-{tag}.csv",
        _bca(("27/11/2026", f"TRSF {d.extra['awaiting'].number}", d.extra["awaiting"].amount_due)), "bca")
    d.statement = result.statement
    d.line = StatementLine.get(StatementLine.statement == d.statement)
    d.mail = OutboxMail.select().where(OutboxMail.shop == shop).order_by(OutboxMail.id).first()
    assert d.mail is not None, "placing orders queued no mail for the shop"
    return d


@pytest.fixture(scope="session")
def picture_files(tmp_path_factory):
    """Four product pictures' WebP files, encoded once (re-encoding them for every test costs a second)."""
    from portal.core import media

    folder = tmp_path_factory.mktemp("pictures")
    return folder, [media.write_variants(Image.new("RGB", (40, 30), (i * 40, 90, 160)), folder, effort=0)
                    for i in range(4)]


def _copy_pictures(picture_files) -> list[str]:
    import shutil

    from portal.core import media

    folder, bases = picture_files
    target = media.products_dir()
    for path in folder.iterdir():
        shutil.copy(path, target / path.name)
    return list(bases)


@pytest.fixture
def world(portal_app, shop, other_shop, customer, other_customer, admin_user, picture_files):
    from portal.core import accounts, invitations
    from portal.core.models import User
    from portal.core.shops import (
        add_member,
        set_module_enabled,
        set_platform_plugin_allowed,
    )
    from portal.testing import PortalClient

    users = {role: User.get(User.email == email) for role, email in EMAILS.items() if role != "staff_y"}
    users["staff_y"] = make_user(EMAILS["staff_y"], "Other Staff")
    add_member(other_shop, users["staff_y"], "staff")

    w = World(portal_app)
    w.users = users
    # Every installed plugin allowed and on in both shops, so its routes are checked for real.
    registry = portal_app.extensions["portal"]
    for name in registry.plugins:
        set_platform_plugin_allowed(name, True)
        for s in (shop, other_shop):
            set_module_enabled(s, name, True)

    pictures = _copy_pictures(picture_files)
    w.x = _build_shop(portal_app, "X", shop, users["owner_x"], users["staff_x"], customer, other_customer, pictures)
    w.y = _build_shop(portal_app, "Y", other_shop, users["owner_y"], users["staff_y"], customer, other_customer,
                      pictures)
    # Each installed plugin adds its objects of both shops (tests/plugins/<name>/security_part.py).
    from plugin_parts import installed_parts

    for part in installed_parts():
        part.build(portal_app, w)
    with portal_app.test_request_context():
        w.reset_token = accounts.make_reset_token(customer)
    # Customer A is invited to join shop X: only they may accept this link.
    w.customer_invitation, w.customer_invitation_token = invitations.create_invitation(shop, customer.email, "staff")

    portal_app.test_client_class = PortalClient
    for role in ROLES:
        c = portal_app.test_client()
        if role != "anonymous":
            # The session Flask-Login would write on log-in (log-in itself is tested in tests/core).
            with c.session_transaction() as session:
                session["_user_id"] = users[role].auth_token
                session["_fresh"] = True
        w.clients[role] = c
        w.tokens[role] = c.csrf_token()
    return w
