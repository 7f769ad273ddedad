"""Core owns the covering indexes on "order" and "order_event" (migration 0006), which the analytics
plugin's migration 0002 used to create: databases made before and after the move end up the same."""
from __future__ import annotations

from portal.core import migrations
from portal.core.db import db
from portal.core.models import Migration

CORE = {"order_event": "order_event_order_id_kind_to_status_created_at",
        "order": "order_shop_id_status_customer_id_created_at_total"}
LEGACY = {"order_event": "analytics_order_event_flow", "order": "analytics_order_customer"}
# What the analytics plugin's 0002 executed before core took the indexes over.
LEGACY_SQL = (
    'CREATE INDEX IF NOT EXISTS "analytics_order_event_flow" '
    'ON "order_event" ("order_id", "kind", "to_status", "created_at")',
    'CREATE INDEX IF NOT EXISTS "analytics_order_customer" '
    'ON "order" ("shop_id", "status", "customer_id", "created_at", "total")',
)


def indexes(table: str) -> dict[str, list[str]]:
    return {i.name: list(i.columns) for i in db.get_indexes(table)}


def test_a_new_database_has_core_s_indexes_and_no_copies(portal_app):
    for table, name in CORE.items():
        found = indexes(table)
        assert name in found and LEGACY[table] not in found
    assert indexes("order_event")[CORE["order_event"]] == ["order_id", "kind", "to_status", "created_at"]
    assert indexes("order")[CORE["order"]] == ["shop_id", "status", "customer_id", "created_at", "total"]
    assert Migration.select().where((Migration.app == "core")
                                    & (Migration.name == "0006_order_covering_indexes")).exists()


def test_upgrading_a_database_where_the_plugin_made_them(portal_app):
    # As before the move: the plugin's two indexes, core's 0006 not applied yet.
    for statement in ('DROP INDEX "order_event_order_id_kind_to_status_created_at"',
                      'DROP INDEX "order_shop_id_status_customer_id_created_at_total"', *LEGACY_SQL):
        db.execute_sql(statement)
    Migration.delete().where((Migration.app == "core") & (Migration.name == "0006_order_covering_indexes")).execute()
    ran = migrations.upgrade(portal_app.extensions["portal"])
    assert ran["core"] == ["0006_order_covering_indexes"] and ran["analytics"] == []
    for table, name in CORE.items():
        found = indexes(table)
        assert name in found and LEGACY[table] not in found
    assert migrations.pending(portal_app.extensions["portal"]) == {}


def test_the_plugin_step_run_again_leaves_core_s_indexes_alone(portal_app):
    from plugins.analytics.models import MIGRATIONS

    step = dict(MIGRATIONS)["0002_covering_indexes"]
    with db.atomic():
        step(db.obj, migrations.make_migrator())
    for table, name in CORE.items():
        found = indexes(table)
        assert name in found and LEGACY[table] not in found
