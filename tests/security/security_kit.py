"""Shared pieces of the security suite: the roles, a database fingerprint, the outbox count."""
from __future__ import annotations

import io

from PIL import Image

from portal.core.db import db

EN = {"Accept-Language": "en"}

# Every role the matrix knows, in the order refusals are tried.
ROLES = ("anonymous", "customer_a", "customer_b", "owner_x", "staff_x", "owner_y", "staff_y",
         "supplier_x", "courier_x", "admin")

EMAILS = {
    "customer_a": "customer@example.test",
    "customer_b": "customer-b@example.test",
    "owner_x": "owner@shop.test",
    "staff_x": "staff@shop.test",
    "owner_y": "owner@other.test",
    "staff_y": "staff@other.test",
    "supplier_x": "supplier@shop.test",
    "courier_x": "courier@shop.test",
    "admin": "admin@platform.test",
}


def png_bytes(size=(40, 30), color=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def fingerprint() -> dict:
    """Every row of every table, ordered, as plain tuples (session-only changes never show here)."""
    dump = {}
    for table in sorted(db.get_tables()):
        cursor = db.execute_sql(f'SELECT * FROM "{table}"')  # table names come from the schema, not from input
        dump[table] = sorted(tuple(repr(v) for v in row) for row in cursor.fetchall())
    return dump


def diff(before: dict, after: dict) -> list[str]:
    """The tables whose content changed, for a readable failure."""
    return [t for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)]


def outbox_count() -> int:
    from portal.core.models import OutboxMail

    return OutboxMail.select().count()




# ---- which form a POST endpoint validates (for the form fuzzer's FORMS maps) ----------------------------------


def _form(module: str, name: str, **kwargs):
    """Build the view's form class ``name`` from ``module``, unbound (the fuzzer reads its fields)."""
    def build():
        import importlib

        return getattr(importlib.import_module(module), name)(formdata=None, **kwargs)
    return build


def _names(*names):
    """For a view that reads plain request fields rather than a form: their names."""
    return lambda: names
