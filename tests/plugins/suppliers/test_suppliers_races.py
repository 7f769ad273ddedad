"""Purchase-order numbers stay unique when several drafts are created at the same moment.

Each thread has its own database connection, so this runs the real locking: BEGIN
IMMEDIATE on SQLite, a per-shop advisory lock on PostgreSQL (with
``PORTAL_TEST_DATABASE_URL`` set).
"""
from __future__ import annotations

import threading

from plugins.suppliers import purchasing
from plugins.suppliers.models import MATERIALS, PurchaseOrder
from portal.core.db import db

THREADS = 6


def test_drafts_created_at_once_get_distinct_numbers(portal_app, cast):
    barrier = threading.Barrier(THREADS)
    errors = []

    def create(i):
        try:
            with portal_app.app_context(), db.connection_context():
                barrier.wait(timeout=10)
                purchasing.create_po(cast.shop, cast.a, MATERIALS)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    numbers = [po.number for po in PurchaseOrder.select().where(PurchaseOrder.shop == cast.shop)]
    assert sorted(numbers) == [f"PO-{n:04d}" for n in range(1, THREADS + 1)]
