"""One shop's data as JSON, for a shop that leaves the platform (``portal export --shop SLUG``).

The export holds what the shop owns: its profile, categories, products (with
their image file names), orders with their lines, timeline/audit events and
payments, bank statements and their lines, its team (name, e-mail, role), the
customers who ordered (only the name, e-mail and phone they gave on their
orders), its module switches, and the rows of every installed plugin's models
that belong to the shop – switched on or not.

It never holds another shop's rows, and nothing that opens an account or an
order: no password hashes, session or reset tokens, guest-link tokens or
checkout keys. People outside the shop's team appear by the role they acted in
only; a reference to another shop's row (which should not exist) becomes
``null``. Left out on purpose: the mail log (its messages carry guest links),
pending invitations and internal counters. Money is integer Rupiah; times are ISO 8601 in UTC (``…Z``).
Everything is read in one snapshot (a read transaction; repeatable read on
PostgreSQL), so the counts agree with each other.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import peewee as pw

from portal.core.db import db, is_sqlite, utcnow
from portal.core.models import (
    Category,
    Membership,
    Product,
    ProductImage,
    Shop,
    ShopModule,
    User,
)
from portal.core.orders import (
    BankStatement,
    Order,
    OrderEvent,
    OrderItem,
    Payment,
    StatementLine,
)

FORMAT = "portal-shop-export"
FORMAT_VERSION = 1
# Columns never exported, whichever model (core or plugin) holds them.
SECRET_MARKERS = ("password", "token", "secret", "idempotency")


def iso(value):
    """JSON-ready value: UTC times as ISO 8601 with ``Z``, dates as ISO dates."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


class _Exporter:
    def __init__(self, shop: Shop, plugin_models: dict[str, list[type]]):
        self.shop = shop
        self.plugin_models = plugin_models
        # Model -> ids of this shop's rows: references to anything else become null.
        self.owned: dict[type, set[int]] = {}
        self.member_email: dict[int, str] = {}

    def collect_ids(self):
        """Which rows are this shop's, before any row is written (rows refer to each other)."""
        for model in (Category, Product, BankStatement, StatementLine, Order):
            self.owned[model] = {i for (i,) in model.select(model.id).where(model.shop == self.shop).tuples()}
        query = Membership.select(Membership.user, User.email).join(User).where(Membership.shop == self.shop)
        self.member_email = {uid: email for uid, email in query.tuples()}

    # -- generic rows ----------------------------------------------------
    def row(self, instance, skip=()) -> dict:
        out = {}
        for f in type(instance)._meta.sorted_fields:
            if f.name in skip or is_secret(f.name):
                continue
            if isinstance(f, pw.ForeignKeyField):
                ref = instance.__data__.get(f.name)
                if f.rel_model is Shop:
                    continue  # every exported row is this shop's
                if f.rel_model is User:
                    # Team members by e-mail; anyone else is not the shop's to hand over.
                    out[f.name] = self.member_email.get(ref)
                elif f.rel_model in self.owned:
                    out[f"{f.name}_id"] = ref if ref in self.owned[f.rel_model] else None
                else:
                    out[f"{f.name}_id"] = ref
                continue
            out[f.name] = iso(instance.__data__.get(f.name))
        return out

    # -- the parts ---------------------------------------------------------
    def members(self) -> list[dict]:
        rows = (Membership.select(Membership, User).join(User)
                .where(Membership.shop == self.shop).order_by(Membership.id))
        return [{"name": m.user.name, "email": m.user.email, "role": m.role, "since": iso(m.created_at)} for m in rows]

    def catalogue(self) -> tuple[list, list]:
        categories = list(Category.select().where(Category.shop == self.shop).order_by(Category.id))
        products = list(Product.select().where(Product.shop == self.shop).order_by(Product.id))
        images = defaultdict(list)
        query = (ProductImage.select().join(Product).where(Product.shop == self.shop)
                 .order_by(ProductImage.product, ProductImage.position, ProductImage.id))
        for image in query:
            images[image.product_id].append({"filename": image.filename, "alt": image.alt, "position": image.position})
        product_rows = [{**self.row(p), "images": images[p.id]} for p in products]
        return [self.row(c) for c in categories], product_rows

    def statements(self) -> tuple[list, list]:
        statements = list(BankStatement.select().where(BankStatement.shop == self.shop).order_by(BankStatement.id))
        lines = list(StatementLine.select().where(StatementLine.shop == self.shop).order_by(StatementLine.id))
        return [self.row(s) for s in statements], [self.row(line) for line in lines]

    def orders(self) -> tuple[list, list]:
        orders = list(Order.select().where(Order.shop == self.shop).order_by(Order.id))
        children = {}
        for model, order_by in ((OrderItem, OrderItem.id), (OrderEvent, OrderEvent.id), (Payment, Payment.id)):
            grouped = defaultdict(list)
            for child in model.select(model).join(Order).where(Order.shop == self.shop).order_by(order_by):
                grouped[child.order_id].append(self.row(child, skip=("order",)))
            children[model] = grouped
        out = []
        customers: dict[str, dict] = {}
        for order in orders:
            row = self.row(order, skip=("customer",))
            row["registered_customer"] = order.customer_id is not None
            row["items"] = children[OrderItem][order.id]
            row["events"] = children[OrderEvent][order.id]
            row["payments"] = children[Payment][order.id]
            out.append(row)
            # Orders come oldest first, so the latest order's name and phone win.
            key = order.email.strip().lower()
            seen = customers.setdefault(key, {"email": order.email.strip(), "orders": 0,
                                              "first_order_at": iso(order.created_at)})
            seen.update(name=order.name, phone=order.phone, last_order_at=iso(order.created_at))
            seen["orders"] += 1
        ordered = [{k: c[k] for k in ("name", "email", "phone", "orders", "first_order_at", "last_order_at")}
                   for c in customers.values()]
        return out, ordered

    def modules(self) -> list[dict]:
        rows = ShopModule.select().where(ShopModule.shop == self.shop).order_by(ShopModule.plugin)
        return [self.row(m) for m in rows]

    def plugins(self) -> dict[str, dict[str, list]]:
        """Rows of plugin models that belong to the shop: a ``shop`` field, or a reference to such a row."""
        found: dict[str, dict[type, list]] = {plugin: {} for plugin in self.plugin_models}
        pending = []
        for plugin, models in sorted(self.plugin_models.items()):
            for model in models:
                shop_field = model._meta.fields.get("shop")
                if isinstance(shop_field, pw.ForeignKeyField) and shop_field.rel_model is Shop:
                    found[plugin][model] = list(model.select().where(shop_field == self.shop)
                                                .order_by(model._meta.primary_key))
                    self.owned[model] = {r._pk for r in found[plugin][model]}
                elif model not in self.owned:
                    pending.append((plugin, model))
        # Child tables (a forum post under its topic) come through their owned parent,
        # level by level until nothing new is found.
        progress = True
        while pending and progress:
            progress = False
            for plugin, model in list(pending):
                links = [f for f in model._meta.refs if f.rel_model in self.owned and f.rel_model is not model]
                if not links:
                    continue
                rows = list(model.select().where(self._any_owned(links)).order_by(model._meta.primary_key))
                # A row that also points at another shop's row is not wholly this shop's.
                found[plugin][model] = [r for r in rows if all(
                    r.__data__.get(f.name) is None or r.__data__.get(f.name) in self.owned[f.rel_model] for f in links)]
                self.owned[model] = {r._pk for r in found[plugin][model]}
                pending.remove((plugin, model))
                progress = True
        # Written only now: every owned id is known, so references are checked against all of them.
        return {plugin: {model._meta.table_name: [self.row(r) for r in rows] for model, rows in tables.items()}
                for plugin, tables in sorted(found.items())}

    def _any_owned(self, links):
        condition = pw.Value(False)
        for f in links:
            ids = sorted(self.owned[f.rel_model])
            if ids:
                condition = condition | f.in_(ids)
        return condition

    def run(self) -> dict:
        self.collect_ids()
        members = self.members()
        categories, products = self.catalogue()
        statements, lines = self.statements()
        orders, customers = self.orders()
        modules = self.modules()
        plugins = self.plugins()
        counts = {
            "members": len(members),
            "categories": len(categories),
            "products": len(products),
            "orders": len(orders),
            "order_items": sum(len(o["items"]) for o in orders),
            "events": sum(len(o["events"]) for o in orders),
            "payments": sum(len(o["payments"]) for o in orders),
            "bank_statements": len(statements),
            "statement_lines": len(lines),
            "customers": len(customers),
            "modules": len(modules),
            "plugins": {name: {table: len(rows) for table, rows in t.items()} for name, t in plugins.items()},
        }
        from portal import __version__

        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": iso(utcnow()),
            "portal_version": __version__,
            "shop": self.row(self.shop),
            "members": members,
            "categories": categories,
            "products": products,
            "customers": customers,
            "orders": orders,
            "bank_statements": statements,
            "statement_lines": lines,
            "modules": modules,
            "plugins": plugins,
            "counts": counts,
        }


def _read_snapshot():
    return db.atomic() if is_sqlite() else db.atomic("REPEATABLE READ")


def export_shop(shop: Shop, plugin_models: dict[str, list[type]] | None = None) -> dict:
    """Everything ``shop`` owns, as JSON-ready data (see the module docstring).

    :param plugin_models: ``{plugin: [models]}``; default: every loaded plugin's
        (``PluginRegistry.plugin_models()``), whether the shop has it on or not.
    """
    if plugin_models is None:
        from flask import current_app

        plugin_models = current_app.extensions["portal"].plugin_models()
    with _read_snapshot():
        return _Exporter(Shop.get_by_id(shop.id), plugin_models).run()


def to_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def write_export(shop: Shop, output: Path | str, plugin_models: dict[str, list[type]] | None = None) -> dict:
    """Write the export of ``shop`` to ``output`` (beside it first, then renamed); return the data."""
    data = export_shop(shop, plugin_models)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(to_json(data))
            fh.write("\n")
        # Customers' contact details: owner-only, as mkstemp made it.
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data
