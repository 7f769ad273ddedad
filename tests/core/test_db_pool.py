"""A served portal borrows database connections from a pool instead of opening one per request."""
from __future__ import annotations

from playhouse.pool import PooledDatabase

from portal import create_app
from portal.core.db import db, make_database


def test_served_portal_reuses_its_connection(portal_database_url, tmp_path):
    app = create_app({"DATABASE_URL": portal_database_url, "INSTANCE_DIR": str(tmp_path), "DATABASE_POOL": True,
                      "SECRET_KEY": "x" * 40})
    try:
        assert isinstance(db.obj, PooledDatabase)
        client = app.test_client()
        idle = lambda: [id(entry[-1]) for entry in db.obj._connections]  # noqa: E731
        assert client.get("/healthz").status_code == 200
        first = idle()
        assert len(first) == 1 and not db.obj._in_use  # handed back at teardown, not closed
        assert client.get("/healthz").status_code == 200
        # The second request borrowed that same connection: no new one was opened.
        assert idle() == first
    finally:
        db.obj.close_all()


def test_tests_and_scripts_get_plain_connections(portal_database_url):
    assert not isinstance(make_database(portal_database_url), PooledDatabase)
    assert isinstance(make_database(portal_database_url, pool=True), PooledDatabase)
