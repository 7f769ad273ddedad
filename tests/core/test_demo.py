"""``portal demo``: the demo shops, catalogue, pictures and accounts, loaded idempotently."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from portal.core import media
from portal.core.models import Category, Membership, Product, ProductImage, Shop, User
from portal.demo import ACCOUNTS, DEMO_PASSWORD, demo_picture, load_demo
from portal.forms import normalise_phone
from portal.testing import make_client


def _counts():
    return {
        "users": User.select().count(),
        "shops": Shop.select().count(),
        "memberships": Membership.select().count(),
        "categories": Category.select().count(),
        "products": Product.select().count(),
        "images": ProductImage.select().count(),
    }


@pytest.fixture(scope="module")
def demo_app(portal_database_url, tmp_path_factory):
    """One app with the demo loaded, shared by this module's tests (drawing ~55 pictures is slow).

    The tests only read, except the idempotency tests, which must change nothing.
    """
    from portal.core.db import db
    from portal.testing import make_test_app, truncate_all

    app = make_test_app(portal_database_url, tmp_path_factory.mktemp("demo"))
    ctx = app.app_context()
    ctx.push()
    truncate_all()
    started = time.monotonic()
    summary = load_demo()
    app.demo_summary, app.demo_seconds = summary, time.monotonic() - started
    try:
        yield app
    finally:
        ctx.pop()
        truncate_all()
        if not db.is_closed():
            db.close()


@pytest.fixture
def demo(demo_app):
    return demo_app.demo_summary, demo_app.demo_seconds


@pytest.fixture
def portal_app(demo_app):
    """This module's tests run against the shared demo app."""
    return demo_app


def test_load_demo_twice_changes_nothing(portal_app, demo):
    summary, _seconds = demo
    first = _counts()
    files = sorted(p.name for p in (Path(portal_app.config["MEDIA_DIR"]) / "products").iterdir())
    again = load_demo()
    assert _counts() == first
    assert sorted(p.name for p in (Path(portal_app.config["MEDIA_DIR"]) / "products").iterdir()) == files
    for key in ("shops", "categories", "products", "pictures", "customers", "members"):
        assert again[key] == summary[key]
    assert again["pictures_added"] == 0 and summary["pictures_added"] == first["images"]


def test_demo_shop(demo):
    shop = Shop.get(Shop.slug == "cibaduyut")
    assert shop.name == "Sepatu Kulit Cibaduyut"
    assert (shop.order_prefix, shop.city) == ("CBD", "Bandung")
    assert "Cibaduyut" in shop.story and "pesanan" in shop.story
    assert shop.address and shop.opening_hours and shop.phone and shop.whatsapp
    assert [a["bank"] for a in shop.bank_accounts] == ["BCA", "Mandiri"]
    assert all(a["number"].isdigit() and a["holder"] for a in shop.bank_accounts)
    assert normalise_phone(shop.whatsapp) == shop.whatsapp


def test_demo_catalogue(demo):
    shop = Shop.get(Shop.slug == "cibaduyut")
    products = list(Product.select().where(Product.shop == shop))
    categories = {p.category_id for p in products}
    assert len(products) >= 30
    assert len(categories) >= 4 and None not in categories
    assert all(150_000 <= p.price <= 1_500_000 for p in products)
    made_to_order = [p for p in products if p.made_to_order]
    in_stock = [p for p in products if not p.made_to_order]
    assert made_to_order and in_stock
    assert all(p.stock is None and p.lead_time_days > 0 for p in made_to_order)
    assert all(p.stock is not None and p.stock >= 0 for p in in_stock)
    for product in products:
        assert 1 <= product.images.count() <= 3, product.name


def test_demo_pictures_exist_and_are_webp(portal_app, demo):
    folder = Path(portal_app.config["MEDIA_DIR"]) / "products"
    for image in ProductImage.select().limit(5):
        for width in media.WIDTHS:
            with Image.open(folder / media.variant_name(image.filename, width)) as picture:
                assert picture.format == "WEBP" and picture.size == (width, width)


def test_demo_pictures_are_deterministic():
    assert demo_picture("oxford", 7).tobytes() == demo_picture("oxford", 7).tobytes()
    assert demo_picture("oxford", 7).tobytes() != demo_picture("oxford", 8).tobytes()
    for kind in ("chelsea", "sneaker", "slide", "flipflop", "belt", "wallet", "bag", "shirt-kawung", "cloth-parang"):
        picture = demo_picture(kind, 1)
        assert picture.size == (1200, 1200) and len(picture.getcolors(1_000_000) or []) > 3, kind


def test_second_shop_lists_on_the_platform_home(demo_app, demo):
    home = make_client(demo_app).get("/").get_data(as_text=True)
    assert "Sepatu Kulit Cibaduyut" in home and "Batik Tulis Laweyan" in home
    assert Product.select().join(Shop).where(Shop.slug == "batik-laweyan").count() >= 4


def test_demo_customers(demo):
    summary, _ = demo
    customers = list(User.select().where(User.email.endswith("@example.test")))
    assert len(customers) >= 50 and summary["customers"] >= 51
    assert len({c.phone for c in customers}) == len(customers)
    for customer in customers:
        assert normalise_phone(customer.phone) == customer.phone and customer.phone.startswith("+628")
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", customer.name)
        assert not customer.is_admin


def test_demo_roles(demo):
    shop = Shop.get(Shop.slug == "cibaduyut")
    roles = {m.user.email: m.role for m in Membership.select().where(Membership.shop == shop)}
    assert roles == {"owner@demo.test": "owner", "staff@demo.test": "staff",
                     "supplier@demo.test": "supplier", "courier@demo.test": "courier"}
    assert User.get(User.email == "admin@demo.test").is_admin
    assert not Membership.select().join(User).where(User.email == "customer@demo.test").exists()


def test_every_demo_account_logs_in(portal_app, demo):
    emails = [a[0] for a in ACCOUNTS] + ["budi.santoso01@example.test"]
    for email in emails:
        c = make_client(portal_app)
        c.login(email, DEMO_PASSWORD)
        page = c.get("/account")
        assert page.status_code == 200, email
    owner = make_client(portal_app)
    owner.login("owner@demo.test", DEMO_PASSWORD)
    assert owner.get("/s/cibaduyut/manage/catalogue/").status_code == 200
    assert owner.get("/s/cibaduyut/manage/catalogue/profile").status_code == 200


def test_demo_storefront_renders(demo_app, demo):
    client = make_client(demo_app)
    home = client.get("/s/cibaduyut/", headers={"Accept-Language": "en"})
    body = home.get_data(as_text=True)
    assert home.status_code == 200 and "Sepatu Kulit Cibaduyut" in body and "Sepatu Boots" in body
    catalogue = client.get("/s/cibaduyut/products").get_data(as_text=True)
    assert 'rel="next"' in catalogue  # more than one page of products
    slug = Product.select().join(Shop).where(Shop.slug == "cibaduyut").first().slug
    product = client.get(f"/s/cibaduyut/p/{slug}")
    assert product.status_code == 200 and "srcset=" in product.get_data(as_text=True)
    profile = client.get("/s/cibaduyut/profile").get_data(as_text=True)
    assert "BCA" in profile and "Mandiri" in profile and "https://wa.me/62" in profile


def test_cli_demo_command_is_idempotent(demo_app, demo, monkeypatch):
    from portal import cli

    before = _counts()
    monkeypatch.setattr(cli, "_app", lambda: demo_app)
    result = CliRunner().invoke(cli.main, ["demo"])
    assert result.exit_code == 0, result.output
    assert f"products: {demo[0]['products']}" in result.output.splitlines()
    assert "pictures_added: 0" in result.output.splitlines()
    assert _counts() == before
