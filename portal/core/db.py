"""The one database object every model (core's and plugins') is bound to.

``db`` is a peewee ``DatabaseProxy`` initialised from ``PORTAL_DATABASE_URL`` by
``init_db``; requests open a connection on first use and close it at teardown.
``on_commit`` defers work (plugin hooks, mail) until the outermost transaction commits.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from urllib.parse import urlparse

import peewee
from playhouse.db_url import connect
from playhouse.pool import PooledSqliteDatabase

log = logging.getLogger(__name__)


class _Savepoint(peewee._savepoint):
    """A savepoint that forgets the ``on_commit`` work registered inside it when rolled back.

    peewee keeps one list of after-commit callbacks per connection and clears it only
    when the whole transaction rolls back; a savepoint rolled back inside a transaction
    that then commits would still run its callbacks. Django's ``on_commit`` drops them.
    """

    def _begin(self):
        super()._begin()
        self._mark = len(self.db._state.commit_callbacks)

    def rollback(self, begin=True):
        # Before super(): rolling back with ``begin`` starts the savepoint again (a new mark).
        del self.db._state.commit_callbacks[self._mark:]
        super().rollback(begin)


class _DatabaseProxy(peewee.DatabaseProxy):
    # ``Proxy.__setattr__`` checks the slots of the instance's own class.
    __slots__ = peewee.DatabaseProxy.__slots__

    def savepoint(self):
        # ``db.atomic()`` nested in a transaction asks the proxy (not the database) for this.
        return _Savepoint(self)


db = _DatabaseProxy()

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
    from portal.core import changes

    # Every write is counted, so caches can tell when their copies went stale.
    database = changes.track(make_database(url, pool=pool))
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


def on_commit(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` once the outermost transaction has committed.

    With no transaction open it is called at once, as if the caller called it. Inside
    one it waits for the outermost commit, and never runs if that transaction — or the
    ``atomic()`` savepoint it was registered in — rolls back (Django's
    ``transaction.on_commit``). Deferred work runs after the commit with no transaction
    open; an exception in it is logged, not raised: the change it follows is committed,
    and the other deferred work must still run.
    """
    if db.transaction_depth() == 0:
        return fn(*args, **kwargs)

    def deferred():
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("work deferred to the commit failed: %r", fn)

    db.after_commit(deferred)
    return None
