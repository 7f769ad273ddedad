"""The one database object every model (core's and plugins') is bound to.

``db`` is a peewee ``DatabaseProxy`` initialised from ``PORTAL_DATABASE_URL`` by
``init_db``; requests open a connection on first use and close it at teardown.
"""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlparse

import peewee
from playhouse.db_url import connect
from playhouse.pool import PooledSqliteDatabase

db = peewee.DatabaseProxy()

# SQLite pragmas: WAL lets readers run beside a writer, busy_timeout makes a
# second writer wait instead of failing with "database is locked".
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -16000,
}


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: every stored time is UTC, shown in Asia/Jakarta."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class JSONField(peewee.TextField):
    """A small JSON column that works the same on SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Model(peewee.Model):
    """Base class of every model; plugins subclass it too."""

    class Meta:
        database = db
        legacy_table_names = False


# A served portal keeps its connections: opening one costs more than most queries
# (SQLite also checkpoints its WAL when the last connection closes), so requests
# borrow from a pool and hand back at teardown. Idle ones are recycled after 5 min.
POOL = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}


def make_database(url: str, pool: bool = False) -> peewee.Database:
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        # ``sqlite:///relative.db`` and ``sqlite:////abs/path.db``, as SQLAlchemy spells them.
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if pool and path != ":memory:":
            return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **POOL)
        return peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    if scheme in ("postgres", "postgresql"):
        return connect(url.replace(f"{scheme}://", f"{scheme}+pool://", 1), **POOL) if pool else connect(url)
    raise ValueError(f"Unsupported database URL scheme: {scheme!r}")


def init_db(url: str, pool: bool = False) -> peewee.Database:
    database = make_database(url, pool=pool)
    db.initialize(database)
    return database


def is_sqlite() -> bool:
    return isinstance(db.obj, peewee.SqliteDatabase)


def atomic_write():
    """A transaction for writes that must not interleave (``BEGIN IMMEDIATE`` on SQLite).

    SQLite's default deferred transaction upgrades to a write lock late and can
    then fail with "database is locked"; taking the lock up front makes
    concurrent writers queue on ``busy_timeout`` instead.
    """
    if is_sqlite():
        return db.atomic("IMMEDIATE")
    return db.atomic()
