"""Versioned schema migrations for core and plugins, applied by ``portal db upgrade``.

Each app (``core`` or a plugin name) has an ordered list of ``(name, fn)``;
``fn(db, migrator)`` runs inside a transaction (PostgreSQL rolls back DDL too)
and its name is recorded in ``portal_migration``. Running upgrade twice is a no-op.
"""
from __future__ import annotations

import logging

from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from portal.core import models
from portal.core.db import db, is_sqlite

log = logging.getLogger(__name__)


def _core_initial(database, migrator):
    database.create_tables(models.CORE_MODELS, safe=True)


def _core_orders(database, migrator):
    from portal.core import orders

    database.create_tables(orders.ORDER_MODELS, safe=True)


def _add_missing_columns(database, migrator, model, names):
    """Add ``model``'s fields ``names`` that the table lacks.

    A database made after the field was declared already has it (``0002_orders``
    creates the table from the current model); an older one gets it here.
    """
    from playhouse.migrate import migrate

    table = model._meta.table_name
    present = {c.name for c in database.get_columns(table)}
    operations = [migrator.add_column(table, model._meta.fields[n].column_name, model._meta.fields[n])
                  for n in names if model._meta.fields[n].column_name not in present]
    if operations:
        migrate(*operations)


def _core_cash_on_delivery(database, migrator):
    # Cash on delivery (an own rider collects the money at the door) and the delivery
    # district that riders' areas are priced by; existing orders are bank transfers.
    from portal.core import orders

    _add_missing_columns(database, migrator, orders.Order, ("payment_method", "district"))


def _core_discounts(database, migrator):
    # What the plugins' discounts (vouchers, points) were; ``discount`` holds their sum.
    from portal.core import orders

    _add_missing_columns(database, migrator, orders.Order, ("discounts",))


def _core_mail_headers(database, migrator):
    # Extra headers of a queued message (e.g. List-Unsubscribe on campaign mail).
    _add_missing_columns(database, migrator, models.OutboxMail, ("headers",))


# Covering indexes on two of core's tables, so reports read them without touching
# the rows: an order's status milestones (funnel, lead times) need only these columns
# of order_event, the per-customer figures (RFM, cohorts, customer lists) only these
# of "order". Plain CREATE INDEX, the same on SQLite and PostgreSQL.
ORDER_COVERING_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "order_event_order_id_kind_to_status_created_at" '
    'ON "order_event" ("order_id", "kind", "to_status", "created_at")',
    'CREATE INDEX IF NOT EXISTS "order_shop_id_status_customer_id_created_at_total" '
    'ON "order" ("shop_id", "status", "customer_id", "created_at", "total")',
)
# The same two, as the analytics plugin's migration 0002 made them before core owned
# them: identical copies only slow every write down.
LEGACY_PLUGIN_INDEXES = (
    'DROP INDEX IF EXISTS "analytics_order_event_flow"',
    'DROP INDEX IF EXISTS "analytics_order_customer"',
)


def _core_order_covering_indexes(database, migrator):
    for statement in ORDER_COVERING_INDEXES + LEGACY_PLUGIN_INDEXES:
        database.execute_sql(statement)


# Orders that go to an address, by shop and status: the delivery queue and its menu badge
# look for "ready, not picked up" and must not walk a busy shop's pick-up orders to do it.
# A partial index (SQLite and PostgreSQL both have them); queries must spell the condition
# with the literal, as ``TO_DELIVER`` does, for the planner to see that it applies.
TO_DELIVER_INDEX = ('CREATE INDEX IF NOT EXISTS "order_to_deliver" ON "order" ("shop_id", "status", "id") '
                    "WHERE delivery_method <> 'pickup'")


def _core_catalogue_and_delivery_indexes(database, migrator):
    database.execute_sql(TO_DELIVER_INDEX)
    # Product's Meta.indexes for the catalogue's sorts (a new database has them from 0001).
    for columns in (("shop_id", "is_active", "created_at", "id"), ("shop_id", "is_active", "price", "id"),
                    ("category_id", "is_active", "created_at", "id"), ("category_id", "is_active", "price", "id")):
        name = "product_" + "_".join(columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        database.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "product" ({quoted})')


def _core_cache_generations(database, migrator):
    # One counter per shop (and one for the rest), moved by every committed write, so a
    # process can tell whether *its* shop changed (portal.core.changes). Not a model:
    # it is cache bookkeeping, never backed up as data or shown.
    from portal.core import changes

    database.execute_sql(f'CREATE TABLE IF NOT EXISTS "{changes.TABLE}" '
                         '("scope" VARCHAR(100) NOT NULL PRIMARY KEY, "counter" BIGINT NOT NULL)')
    changes.forget_table(database)


CORE_MIGRATIONS = [
    ("0001_initial", _core_initial),
    ("0002_orders", _core_orders),
    ("0003_cash_on_delivery", _core_cash_on_delivery),
    ("0004_discounts", _core_discounts),
    ("0005_mail_headers", _core_mail_headers),
    ("0006_order_covering_indexes", _core_order_covering_indexes),
    ("0007_catalogue_and_delivery_indexes", _core_catalogue_and_delivery_indexes),
    ("0008_cache_generations", _core_cache_generations),
]


def core_migrations():
    return list(CORE_MIGRATIONS)


def make_migrator():
    return SqliteMigrator(db.obj) if is_sqlite() else PostgresqlMigrator(db.obj)


def applied() -> set[tuple[str, str]]:
    db.create_tables([models.Migration], safe=True)
    return {(m.app, m.name) for m in models.Migration.select()}


def upgrade_app(app_label: str, steps) -> list[str]:
    done = applied()
    ran = []
    migrator = make_migrator()
    for name, fn in steps:
        if (app_label, name) in done:
            continue
        with db.atomic():
            fn(db.obj, migrator)
            models.Migration.create(app=app_label, name=name)
        log.info("applied migration %s.%s", app_label, name)
        ran.append(name)
    return ran


def upgrade(registry) -> dict[str, list[str]]:
    """Apply every pending migration: core first, then each plugin.

    A plugin whose migration fails is rolled back, unloaded and reported; core
    and the other plugins still upgrade.
    """
    result = {"core": upgrade_app("core", core_migrations())}
    for plugin_name, steps in registry.call_each("portal_register_migrations"):
        try:
            result[plugin_name] = upgrade_app(plugin_name, steps or [])
        except Exception as exc:
            registry.unload(plugin_name, f"migration failed: {exc!r}")
    return result


def pending(registry) -> dict[str, list[str]]:
    done = applied()
    out = {}
    todo = [n for n, _ in core_migrations() if ("core", n) not in done]
    if todo:
        out["core"] = todo
    for plugin_name, steps in registry.call_each("portal_register_migrations"):
        todo = [n for n, _ in steps or [] if (plugin_name, n) not in done]
        if todo:
            out[plugin_name] = todo
    return out
