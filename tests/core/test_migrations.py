"""Schema migrations: idempotent upgrade, recorded per app, on SQLite and PostgreSQL."""
from click.testing import CliRunner

from portal.core import migrations
from portal.core.models import Migration


def test_upgrade_is_idempotent(portal_app):
    registry = portal_app.extensions["portal"]
    again = migrations.upgrade(registry)
    assert all(ran == [] for ran in again.values())
    assert migrations.pending(registry) == {}
    # Each recorded exactly once. Not by id: the tests share one database per worker, and
    # a test that replays an old database's upgrade records its migration again, last.
    names = [m.name for m in Migration.select().where(Migration.app == "core")]
    assert sorted(names) == sorted(n for n, _ in migrations.core_migrations())


def test_cli_db_upgrade_twice(portal_app, portal_database_url, tmp_path, monkeypatch):
    from portal.cli import main

    monkeypatch.setenv("PORTAL_DATABASE_URL", portal_database_url)
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"])
    second = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "core: up to date" in second.output


def test_a_failing_plugin_migration_is_rolled_back_and_the_plugin_refused(portal_app):
    from portal import PluginInfo, hookimpl
    from portal.core.plugins import PluginRegistry

    class Broken:
        @hookimpl
        def portal_register_plugin(self):
            return PluginInfo(name="broken", label="Broken", version="0", description="")

        @hookimpl
        def portal_register_migrations(self):
            def boom(db, migrator):
                db.execute_sql('CREATE TABLE "broken_thing" (id INTEGER PRIMARY KEY)')
                raise RuntimeError("bad migration")

            return [("0001_initial", boom)]

    broken = Broken()
    broken.__name__ = "broken"
    registry = PluginRegistry(portal_app)
    registry.load(extra_plugins=[broken], use_entry_points=False)
    assert "broken" in registry.plugins
    migrations.upgrade(registry)
    assert "broken" not in registry.plugins
    assert "bad migration" in registry.refused["broken"]
    assert not Migration.select().where(Migration.app == "broken").exists()
    from portal.core.db import db

    assert "broken_thing" not in db.get_tables()
