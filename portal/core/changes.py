"""Has anything been written to the database since I last looked? One cheap answer for caches.

``generation()`` returns a value that changes whenever the data may have changed:

* a write statement or a commit **in this process** moves a counter, before and after
  the statement (so a page rendered while a write is in flight is never filed under
  the generation that follows the commit);
* a commit **by another process** (a second gunicorn worker, a CLI command, a job
  worker) is seen through the database itself: SQLite's ``PRAGMA data_version``
  (asked of one long-lived connection; it moves when any other one has committed) and PostgreSQL's
  current snapshot (its text moves whenever any transaction that wrote completes).

A cache that files its entries under ``generation()`` read *before* it reads the data
can therefore never serve data older than the last commit. It is deliberately
conservative: any write anywhere (a chat message, a mail queued) starts a new
generation, which costs cache hits but never correctness.

**One shop's generation.** On a platform of many shops, one busy shop's orders and chat
would make every other shop's cached pages misses. ``generation(shop=...)`` moves only
for writes that may change that shop's pages:

* a write statement is *the shop's* when it is made while serving that shop's URL
  (``g.shop``) and its table belongs to a shop (it has a ``shop`` foreign key, or one to
  such a table, not through a user: see ``note_models``);
* every other write (the users table, a job, a CLI command, an admin page, a table we
  cannot name) is *global* and moves every shop's generation.

Other processes' writes are seen through one row per scope in ``portal_generation``,
counted up in the writing transaction itself, just before its commit (after the
statement for one outside a transaction), so a reader that sees the new counter sees
the new data. Writes that bypass the portal's code (``psql`` by hand) are not counted
there: pages expire on their own after ``PAGE_CACHE_SECONDS``.
"""
from __future__ import annotations

import contextlib
import copy
import itertools
import logging
import re
import sqlite3
import threading
import time

import peewee
from flask import g, has_request_context

log = logging.getLogger(__name__)

# Statements that never change data. Anything else (INSERT, UPDATE, DELETE, DDL,
# "WITH ... INSERT") counts as a write; a false alarm only costs a cache miss.
# PRAGMAs count as reads: connections set theirs on opening, and the ones that
# write (user_version) run only inside migrations, beside DDL that is counted.
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "BEGIN", "SHOW", "EXPLAIN", "ROLLBACK")

GLOBAL = "global"
TABLE = "portal_generation"

_counter = itertools.count(1)
_last = 0  # the latest value drawn from _counter; reading an int is atomic
_scoped: dict[str, int] = {}  # the latest value per scope ("global", "shop:<id>"), same counter
_local = threading.local()
_watcher_lock = threading.Lock()
_shop_tables: set[str] = set()
# Shops, their members and their module switches are read on every request of every shop
# (finding the shop, checking roles, guarding plugin routes) and written rarely: their
# writes count as global, so the caches of them can be shared by every shop's pages.
_GLOBAL_TABLES = frozenset({"shop", "membership", "shop_module"})
_table_ready: dict[int, tuple[bool, float]] = {}  # id(database) -> (table exists, when we looked)
_RECHECK_SECONDS = 10.0


def bump(scope: str = GLOBAL) -> None:
    """Note that this process wrote something (or is about to); a global write moves every shop's generation."""
    global _last
    _last = value = next(_counter)
    _scoped[scope] = value


def _bump_any() -> None:
    # Another connection committed something we cannot place: only the whole-database generation moves.
    global _last
    _last = next(_counter)


def note_models(models) -> None:
    """Learn which tables hold a shop's rows: a ``shop`` foreign key, or one to such a table (never via a user).

    Except ``_GLOBAL_TABLES``.

    Called with every model an app knows (core's and its plugins'); a table nobody told
    us about counts as global, which only costs cache hits.
    """
    by_table = {m._meta.table_name: m for m in models}
    owned = set(_shop_tables) | {"shop"}
    changed = True
    while changed:
        changed = False
        for table, model in by_table.items():
            if table in owned:
                continue
            for field in model._meta.sorted_fields:
                rel = getattr(field, "rel_model", None)
                if rel is not None and rel._meta.table_name in owned:
                    owned.add(table)
                    changed = True
                    break
    _shop_tables.update(owned - _GLOBAL_TABLES)


# The table a peewee write names first: INSERT INTO "t", UPDATE "t", DELETE FROM "t".
_WRITTEN_TABLE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@contextlib.contextmanager
def global_writes():
    """Count the writes made inside as global, even while serving a shop's URL.

    For work that is not the request's own (a job run in place): it may write any shop's rows.
    """
    _local.global_depth = getattr(_local, "global_depth", 0) + 1
    try:
        yield
    finally:
        _local.global_depth -= 1


def _scope_of(sql: str) -> str:
    if not has_request_context() or getattr(_local, "global_depth", 0):
        return GLOBAL
    shop = g.get("shop")
    if shop is None:
        return GLOBAL
    match = _WRITTEN_TABLE.match(sql)
    if match is None or match.group(1) not in _shop_tables:
        return GLOBAL
    return shop_scope(shop)


# A common table expression is a read unless it modifies data ("WITH x AS (...) INSERT ...",
# PostgreSQL's "WITH d AS (DELETE ... RETURNING ...)"): quoted names like "updated_at" do
# not match these whole words, and values travel as parameters, not in the text.
_MODIFIES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|REPLACE)\b")


def _is_write(sql: str) -> bool:
    # PostgreSQL's peewee wraps each part of a UNION in parentheses: "((SELECT ...) UNION ALL ...".
    head = sql.lstrip(" \t\r\n(")[:18].upper()
    if head.startswith("WITH"):
        return _MODIFIES.search(sql.upper()) is not None
    return not head.startswith(_READS)


def track(database: peewee.Database) -> peewee.Database:
    """Make ``database`` report its writes and commits to this module.

    peewee sends every statement through ``execute_sql`` and every transaction's
    end through ``commit`` or ``rollback``; wrapping them on the instance covers plain,
    pooled, SQLite and PostgreSQL databases alike without subclassing each.
    """
    execute_sql = database.execute_sql
    commit = database.commit
    rollback = database.rollback

    def tracked_execute_sql(sql, params=None, *args, **kwargs):
        if not _is_write(sql):
            return execute_sql(sql, params, *args, **kwargs)
        scope = _scope_of(sql)
        bump(scope)
        in_transaction = database.in_transaction()
        try:
            result = execute_sql(sql, params, *args, **kwargs)
        finally:
            bump(scope)  # autocommit statements are committed by now
        if in_transaction:
            if getattr(result, "rowcount", -1) != 0:
                _written().add(scope)
        elif getattr(result, "rowcount", -1) != 0:
            # Committed already: count it for the other processes now (after the data, never before).
            # An UPDATE or DELETE that matched nothing changed nothing: not counted.
            _count_remotely(database, execute_sql, {scope}, committed=True)
        return result

    def tracked_commit(*args, **kwargs):
        written = _written()
        scopes = set(written)
        written.clear()
        if scopes:
            # Inside the transaction, so the counters commit (or roll back) with the data.
            _count_remotely(database, execute_sql, scopes, committed=False)
        try:
            return commit(*args, **kwargs)
        finally:
            for scope in scopes:
                bump(scope)

    def tracked_rollback(*args, **kwargs):
        written = _written()
        scopes = set(written)
        written.clear()
        try:
            return rollback(*args, **kwargs)
        finally:
            for scope in scopes:
                bump(scope)  # nothing changed, but a page rendered meanwhile saw the transaction's rows

    database.execute_sql = tracked_execute_sql
    database.commit = tracked_commit
    database.rollback = tracked_rollback
    return database


def _written() -> set:
    """The scopes this thread's open transaction wrote to."""
    written = getattr(_local, "written", None)
    if written is None:
        written = _local.written = set()
    return written


def _ready(database: peewee.Database) -> bool:
    """Does ``portal_generation`` exist (core's migration 0008 makes it)? Asked again now and then until it does."""
    if isinstance(database, peewee.SqliteDatabase) and database.database in ("", ":memory:"):
        return False  # one connection, one process: the in-process counters are the whole story
    known = getattr(database, "_portal_generation_table", None)
    now = time.monotonic()
    if known is not None and (known[0] or now - known[1] < _RECHECK_SECONDS):
        return known[0]
    exists = database.table_exists(TABLE)
    database._portal_generation_table = (exists, now)
    return exists


def forget_table(database: peewee.Database) -> None:
    """Look for ``portal_generation`` again on next use (a migration made or dropped it)."""
    database._portal_generation_table = None


def _count_remotely(database: peewee.Database, execute_sql, scopes, committed: bool) -> None:
    if not _ready(database):
        return
    p = database.param
    try:
        # One statement per row, always in the same order: two writers never wait on each other's rows crosswise.
        for scope in sorted(scopes):
            execute_sql(f'INSERT INTO "{TABLE}" ("scope", "counter") VALUES ({p}, 1) ON CONFLICT ("scope") '
                        f'DO UPDATE SET "counter" = "{TABLE}"."counter" + 1', (scope,))
    except peewee.DatabaseError:
        if not committed:
            raise  # the transaction fails as a whole: its data is not kept uncounted
        # The write itself is committed and must not be reported as failed; other
        # processes' copies of these pages expire after PAGE_CACHE_SECONDS.
        log.exception("could not count a committed write in %s", TABLE)
        forget_table(database)


def _sqlite_watcher(database: peewee.SqliteDatabase):
    """A connection of its own, kept only to ask ``PRAGMA data_version``.

    The pragma's value belongs to one connection and moves when *any other*
    connection commits, this process's included; request connections come and
    go, so one long-lived watcher per database is what makes the answer comparable.
    """
    watcher = getattr(database, "_portal_watcher", None)
    if watcher is None:
        with _watcher_lock:
            watcher = getattr(database, "_portal_watcher", None)
            if watcher is None:
                conn = sqlite3.connect(database.database, check_same_thread=False, isolation_level=None)
                watcher = database._portal_watcher = [conn, threading.Lock(), None]
    return watcher


def _external_token(database: peewee.Database):
    """What the database says about commits made through other connections (see the module docstring)."""
    if isinstance(database, peewee.SqliteDatabase):
        if database.database in ("", ":memory:"):
            return None  # nobody else can reach a private in-memory database
        watcher = _sqlite_watcher(database)
        conn, lock, _ = watcher
        with lock:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if watcher[2] is not None and watcher[2] != version:
                _bump_any()
            watcher[2] = version
        return None
    if isinstance(database, peewee.PostgresqlDatabase):
        return database.execute_sql("SELECT pg_current_snapshot()::text").fetchone()[0]
    bump()  # an engine we cannot ask: treat every look as a change
    return None


_UNSET = object()


def generation(database: peewee.Database | None = None, shop=None, scope: str | None = None) -> tuple:
    """A value that differs from any earlier one if data may have changed since.

    With ``shop``, only writes that may change that shop's pages count; with
    ``scope=GLOBAL``, only global writes (for what is read from global tables alone:
    users, shops, memberships, module switches); with neither, every write does. See
    the module docstring.

    The database is asked once per request (other processes' commits during the
    rest of it make later requests miss, which is all a cache needs); this
    process's own writes are seen at once.
    """
    from portal.core.db import db

    database = database if database is not None else db.obj
    if shop is not None:
        scope = shop_scope(shop)
    if scope is not None and _ready(database):
        counters = _counters(database, {GLOBAL, scope})
        # In-process counters read after the look: this process's own writes count at once.
        return (id(database), scope, _scoped.get(GLOBAL, 0), _scoped.get(scope, 0), counters[GLOBAL],
                counters[scope])
    if has_request_context():
        token = g.get("_changes_db_token", _UNSET)
        if token is _UNSET:
            token = g._changes_db_token = _external_token(database)
    else:
        token = _external_token(database)
    return (id(database), _last, token)  # _last read after the look, which may have moved it


def shop_scope(shop) -> str:
    """The scope of one shop's writes, for ``GenerationCache.get(..., scope=shop_scope(shop))``.

    Right for a value read from that shop's rows (and global ones) alone, whatever URL asks for it.
    """
    return f"shop:{getattr(shop, 'id', shop)}"


def expect_shop(shop_id: int) -> None:
    """This request will ask about shop ``shop_id``: fetch its counter with the first look (one query, not two)."""
    if has_request_context():
        g.setdefault("_changes_expected", set()).add(shop_scope(shop_id))


def _counters(database: peewee.Database, scopes: set) -> dict:
    """The committed counters of ``scopes`` (0 for one never written), asked once per request."""
    if not has_request_context():
        return _ask_counters(database, scopes)
    known = g.setdefault("_changes_counters", {})
    missing = scopes - known.keys()
    if missing:
        known.update(_ask_counters(database, missing | (g.get("_changes_expected", set()) - known.keys())))
    return known


def _ask_counters(database: peewee.Database, scopes: set) -> dict:
    marks = ", ".join([database.param] * len(scopes))
    found = dict(database.execute_sql(f'SELECT "scope", "counter" FROM "{TABLE}" WHERE "scope" IN ({marks})',
                                      tuple(scopes)).fetchall())
    return {scope: found.get(scope, 0) for scope in scopes}


class GenerationCache:
    """A small per-process map whose entries are good only for the generation they were made in.

    ``scope=GLOBAL`` for values read from global tables alone (users, shops, memberships,
    switches): they then survive the shops' own writes. The default counts every write.
    """

    def __init__(self, max_entries: int = 1024, scope: str | None = None):
        self.max_entries = max_entries
        self.scope = scope
        self._entries: dict = {}

    def get(self, key, make, scope: str | None = None):
        """The value for ``key`` in the current generation, made by ``make()`` on a miss.

        ``scope`` overrides the cache's own for this call.
        """
        scope = scope if scope is not None else self.scope
        now = generation(scope=scope)
        found = self._entries.get(key)
        if found is not None and found[0] == now:
            return found[1]
        value = make()
        if generation(scope=scope) == now:  # nothing was written meanwhile: safe to keep
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def get_instance(self, key, model, load, scope: str | None = None):
        """Like ``get`` for one model row (or ``None``): a fresh instance per call, so callers may change it."""
        data = self.get(key, lambda: _row_data(load()), scope=scope)
        if data is None:
            return None
        instance = model(__no_default__=1, **{k: copy.deepcopy(v) if isinstance(v, (dict, list)) else v
                                               for k, v in data.items()})
        instance._dirty.clear()
        return instance


def _row_data(instance):
    return None if instance is None else dict(instance.__data__)
