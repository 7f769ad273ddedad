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
"""
from __future__ import annotations

import copy
import itertools
import re
import sqlite3
import threading

import peewee
from flask import g, has_request_context

# Statements that never change data. Anything else (INSERT, UPDATE, DELETE, DDL,
# "WITH ... INSERT") counts as a write; a false alarm only costs a cache miss.
# PRAGMAs count as reads: connections set theirs on opening, and the ones that
# write (user_version) run only inside migrations, beside DDL that is counted.
_READS = ("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "BEGIN", "SHOW", "EXPLAIN", "ROLLBACK")

_counter = itertools.count(1)
_last = 0  # the latest value drawn from _counter; reading an int is atomic
_local = threading.local()
_watcher_lock = threading.Lock()


def bump() -> None:
    """Note that this process wrote something (or is about to)."""
    global _last
    _last = next(_counter)


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
    end through ``commit``; wrapping the two methods on the instance covers plain,
    pooled, SQLite and PostgreSQL databases alike without subclassing each.
    """
    execute_sql = database.execute_sql
    commit = database.commit

    def tracked_execute_sql(sql, params=None, *args, **kwargs):
        if not _is_write(sql):
            return execute_sql(sql, params, *args, **kwargs)
        bump()
        _local.dirty = True
        try:
            return execute_sql(sql, params, *args, **kwargs)
        finally:
            bump()  # autocommit statements are committed by now

    def tracked_commit(*args, **kwargs):
        try:
            return commit(*args, **kwargs)
        finally:
            if getattr(_local, "dirty", False):
                _local.dirty = False
                bump()

    database.execute_sql = tracked_execute_sql
    database.commit = tracked_commit
    return database


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
                bump()
            watcher[2] = version
        return None
    if isinstance(database, peewee.PostgresqlDatabase):
        return database.execute_sql("SELECT pg_current_snapshot()::text").fetchone()[0]
    bump()  # an engine we cannot ask: treat every look as a change
    return None


_UNSET = object()


def generation(database: peewee.Database | None = None) -> tuple:
    """A value that differs from any earlier one if data may have changed since.

    The database is asked once per request (other processes' commits during the
    rest of it make later requests miss, which is all a cache needs); this
    process's own writes are seen at once.
    """
    from portal.core.db import db

    database = database if database is not None else db.obj
    if has_request_context():
        token = g.get("_changes_db_token", _UNSET)
        if token is _UNSET:
            token = g._changes_db_token = _external_token(database)
    else:
        token = _external_token(database)
    return (id(database), _last, token)  # _last read after the look, which may have moved it


class GenerationCache:
    """A small per-process map whose entries are good only for the generation they were made in."""

    def __init__(self, max_entries: int = 1024):
        self.max_entries = max_entries
        self._entries: dict = {}

    def get(self, key, make):
        """The value for ``key`` in the current generation, made by ``make()`` on a miss."""
        now = generation()
        found = self._entries.get(key)
        if found is not None and found[0] == now:
            return found[1]
        value = make()
        if generation() == now:  # nothing was written meanwhile: safe to keep
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def get_instance(self, key, model, load):
        """Like ``get`` for one model row (or ``None``): a fresh instance per call, so callers may change it."""
        data = self.get(key, lambda: _row_data(load()))
        if data is None:
            return None
        instance = model(__no_default__=1, **{k: copy.deepcopy(v) if isinstance(v, (dict, list)) else v
                                               for k, v in data.items()})
        instance._dirty.clear()
        return instance


def _row_data(instance):
    return None if instance is None else dict(instance.__data__)
