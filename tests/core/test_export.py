"""One shop's export: everything it owns, nothing of another shop, no secrets; the CLI command."""
from __future__ import annotations

import datetime as dt
import json

import peewee as pw
import pytest
from click.testing import CliRunner
from orders_testkit import make_product, place

from plugins.guestbook.models import GuestbookEntry, add_entry
from portal import cli
from portal.core import export
from portal.core.db import Model, db
from portal.core.models import Category, Membership, Product, ProductImage, Shop, User
from portal.core.orders import (
    BankStatement,
    Order,
    OrderEvent,
    OrderItem,
    Payment,
    StatementLine,
)


def _shop_data(app, shop, customer, tag: str, owner_email: str):
    """A catalogue, two orders (one by a guest), a payment matched to a statement line, a guestbook entry."""
    category = Category.create(shop=shop, name=f"Sepatu {tag}", slug=f"sepatu-{tag.lower()}")
    product = make_product(shop, name=f"Pantofel {tag}", price=450_000, stock=20)
    Product.update(category=category).where(Product.id == product.id).execute()
    ProductImage.create(product=product, filename=f"img{tag.lower()}0123456789", alt=f"Pantofel {tag}")
    with app.test_request_context():
        registered = place(shop, [(product, 2)], customer=customer, name=f"Customer {tag}",
                           email=customer.email, phone="+6281100000001")
        guest = place(shop, [(product, 1)], name=f"Guest {tag}", email=f"guest-{tag.lower()}@example.test",
                      phone="+6281100000002")
    statement = BankStatement.create(shop=shop, filename=f"mutasi-{tag}.csv", file_hash=f"{tag}" * 8, preset="bca")
    line = StatementLine.create(statement=statement, shop=shop, line_hash=f"line{tag}", booked_on=dt.date(2026, 11, 20),
                                description=f"TRSF {tag}", amount=registered.total, status="approved",
                                matched_order=registered)
    Payment.create(order=registered, amount=registered.total, status="approved", payer_name=f"Customer {tag}",
                   proof_file=f"{tag.lower()}proof.png", statement_line=line)
    OrderEvent.create(order=registered, kind="payment", action="verify_payment", from_status="placed",
                      to_status="paid", actor=User.get(User.email == owner_email), actor_role="owner", note=f"checked {tag}")
    add_entry(shop, f"Visitor {tag}", f"Sepatunya awet, terima kasih {tag}!", rating=5, user=customer)
    return {"orders": [registered, guest], "product": product, "category": category}


@pytest.fixture
def two_shops(portal_app, shop, other_shop, customer, other_customer):
    mine = _shop_data(portal_app, shop, customer, "Alpha", "owner@shop.test")
    theirs = _shop_data(portal_app, other_shop, other_customer, "Beta", "owner@other.test")
    return mine, theirs


def _keys(value, found=None):
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            _keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, found)
    return found


def test_export_holds_the_shop_and_nothing_of_the_other(portal_app, shop, other_shop, two_shops):
    mine, theirs = two_shops
    data = export.export_shop(shop)
    text = export.to_json(data)
    assert json.loads(text) == data

    # Another shop's orders, products, customers and plugin rows are not there.
    for order in theirs["orders"]:
        assert order.number not in text and order.email not in text and order.name not in text
    for needle in ("Beta", "othershop", "owner@other.test", "customer-b@example.test", "Other Shop"):
        assert needle not in text

    # No secrets: no such columns, and none of their values anywhere.
    keys = _keys(data)
    for secret in ("password_hash", "auth_token", "access_token", "idempotency_key", "token_hash"):
        assert secret not in keys
    secrets = {u.password_hash for u in User.select()} | {u.auth_token for u in User.select()}
    secrets |= {o.access_token for o in Order.select()}
    assert not any(secret in text for secret in secrets)

    # What the shop owns is all there.
    assert data["shop"]["slug"] == "workshop" and data["shop"]["bank_accounts"][0]["number"] == "1234567890"
    assert {m["email"]: m["role"] for m in data["members"]} == {
        "owner@shop.test": "owner", "staff@shop.test": "staff", "supplier@shop.test": "supplier",
        "courier@shop.test": "courier"}
    assert set(data["members"][0]) == {"name", "email", "role", "since"}
    assert [o["number"] for o in data["orders"]] == [o.number for o in mine["orders"]]
    assert {c["email"] for c in data["customers"]} == {"customer@example.test", "guest-alpha@example.test"}
    assert all(set(c) == {"name", "email", "phone", "orders", "first_order_at", "last_order_at"}
               for c in data["customers"])
    product = data["products"][0]
    assert product["name"] == "Pantofel Alpha" and product["category_id"] == mine["category"].id
    assert product["images"] == [{"filename": "imgalpha0123456789", "alt": "Pantofel Alpha", "position": 0}]
    registered = data["orders"][0]
    assert registered["registered_customer"] is True and data["orders"][1]["registered_customer"] is False
    assert [(i["name"], i["quantity"], i["line_total"]) for i in registered["items"]] == [("Pantofel Alpha", 2, 900_000)]
    assert [e["action"] for e in registered["events"]] == ["place", "verify_payment"]
    # The team member who acted is named; the customer acted only as "customer".
    assert registered["events"][1]["actor"] == "owner@shop.test" and registered["events"][0]["actor"] is None
    payment = registered["payments"][0]
    assert payment["statement_line_id"] == data["statement_lines"][0]["id"]
    assert data["statement_lines"][0]["matched_order_id"] == registered["id"]
    entries = data["plugins"]["guestbook"]["guestbook_entry"]
    assert [e["message"] for e in entries] == ["Sepatunya awet, terima kasih Alpha!"]
    assert entries[0]["user"] is None  # a customer's account is not the shop's to hand over

    # Money as integers, times as ISO 8601 UTC.
    assert isinstance(registered["total"], int) and registered["total"] == mine["orders"][0].total
    assert isinstance(payment["amount"], int)
    assert registered["created_at"].endswith("Z")
    assert dt.datetime.fromisoformat(registered["created_at"]) == \
        mine["orders"][0].created_at.replace(tzinfo=dt.UTC)
    assert data["exported_at"].endswith("Z") and data["statement_lines"][0]["booked_on"] == "2026-11-20"


def test_export_counts_round_trip(portal_app, shop, two_shops, tmp_path):
    path = tmp_path / "out" / "workshop.json"
    export.write_export(shop, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = data["counts"]
    orders = Order.select().where(Order.shop == shop)
    assert counts["orders"] == len(data["orders"]) == orders.count() == 2
    assert counts["order_items"] == sum(len(o["items"]) for o in data["orders"]) == \
        OrderItem.select().join(Order).where(Order.shop == shop).count()
    assert counts["events"] == OrderEvent.select().join(Order).where(Order.shop == shop).count()
    assert counts["payments"] == Payment.select().join(Order).where(Order.shop == shop).count() == 1
    assert counts["products"] == len(data["products"]) == Product.select().where(Product.shop == shop).count()
    assert counts["categories"] == len(data["categories"]) == 1
    assert counts["statement_lines"] == len(data["statement_lines"]) == 1
    assert counts["bank_statements"] == len(data["bank_statements"]) == 1
    assert counts["members"] == len(data["members"]) == Membership.select().where(Membership.shop == shop).count()
    assert counts["customers"] == len(data["customers"]) == 2
    assert counts["plugins"]["guestbook"]["guestbook_entry"] == \
        GuestbookEntry.select().where(GuestbookEntry.shop == shop).count() == 1
    assert (path.stat().st_mode & 0o077) == 0


def test_a_plugin_switched_off_still_exports_its_rows(portal_app, shop, two_shops, disable_plugin):
    disable_plugin(shop, "guestbook")
    data = export.export_shop(shop)
    assert len(data["plugins"]["guestbook"]["guestbook_entry"]) == 1
    assert {"plugin": "guestbook", "enabled": False} in [
        {k: m[k] for k in ("plugin", "enabled")} for m in data["modules"]]


def test_cli_export(portal_app, shop, two_shops, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_app", lambda: portal_app)
    runner = CliRunner()
    out = tmp_path / "workshop.json"
    result = runner.invoke(cli.main, ["export", "--shop", "workshop", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "workshop: 2 orders, 1 products, 2 customers" in result.output
    assert json.loads(out.read_text())["shop"]["slug"] == "workshop"

    to_stdout = runner.invoke(cli.main, ["export", "--shop", "othershop", "--output", "-"])
    assert to_stdout.exit_code == 0, to_stdout.output
    assert [o["name"] for o in json.loads(to_stdout.output)["orders"]] == ["Customer Beta", "Guest Beta"]

    unknown = runner.invoke(cli.main, ["export", "--shop", "nope"])
    assert unknown.exit_code == 2 and "no shop with the slug 'nope'" in unknown.output


class ForumTopic(Model):
    """A plugin-style table with a ``shop`` field."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    title = pw.CharField()
    moderation_token = pw.CharField(default="s3cr3t-moderation")

    class Meta:
        table_name = "test_export_forum_topic"


class ForumPost(Model):
    """A child table without a ``shop`` field: it belongs to the shop through its topic."""

    topic = pw.ForeignKeyField(ForumTopic, backref="+", on_delete="CASCADE")
    order = pw.ForeignKeyField(Order, backref="+", null=True, on_delete="SET NULL")
    body = pw.TextField()

    class Meta:
        table_name = "test_export_forum_post"


@pytest.fixture
def forum_tables(portal_app):
    db.create_tables([ForumTopic, ForumPost])
    yield {"forum": [ForumTopic, ForumPost]}
    db.drop_tables([ForumPost, ForumTopic])


def test_plugin_child_rows_come_through_their_shop_owned_parent(portal_app, shop, other_shop, two_shops, forum_tables):
    mine, theirs = two_shops
    owner = User.get(User.email == "owner@shop.test")
    topic = ForumTopic.create(shop=shop, author=owner, title="Ukuran sepatu")
    other_topic = ForumTopic.create(shop=other_shop, title="Topik Beta")
    ForumPost.create(topic=topic, order=mine["orders"][0], body="Pakai ukuran 42")
    # A post under this shop's topic that points at another shop's order is not wholly this shop's.
    ForumPost.create(topic=topic, order=theirs["orders"][0], body="cross-shop reference")
    ForumPost.create(topic=other_topic, body="Post Beta")

    data = export.export_shop(shop, plugin_models=forum_tables)
    forum = data["plugins"]["forum"]
    assert forum["test_export_forum_topic"] == [{"id": topic.id, "author": "owner@shop.test", "title": "Ukuran sepatu"}]
    assert [(p["body"], p["topic_id"], p["order_id"]) for p in forum["test_export_forum_post"]] == [
        ("Pakai ukuran 42", topic.id, mine["orders"][0].id)]
    assert data["counts"]["plugins"]["forum"] == {"test_export_forum_topic": 1, "test_export_forum_post": 1}
    assert "s3cr3t-moderation" not in export.to_json(data)
