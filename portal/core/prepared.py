"""Queries whose SQL is built once: the hot ones every page render runs.

peewee turns a query into SQL by walking its expression tree on every execution;
for the small lookups a page makes (a product by its slug, the comments under it)
that walk costs more CPU than SQLite's answer (about 0.2 ms a query here, a third
of a product page's render). A ``Prepared`` query is built once per kind of
database; each call only binds new values and hands the rows back as peewee would
(model instances, dicts or tuples, as the built query says)::

    by_slug = Prepared(lambda: Product.select().where(
        (Product.shop == Param("shop")) & (Product.slug == Param("slug"))).limit(1))

    product = by_slug.first(shop=shop.id, slug="pantofel-oxford")

``Param`` stands for one scalar value; it is converted as the surrounding
expression would have converted it (``Product.shop == Param("shop")`` goes
through the foreign key's ``db_value``, a datetime through its field's), so a
prepared query reads and writes exactly what the ordinary one would. A list's
length is part of the SQL (``IN (?, ?, ?)``): ``Param.many("ids", n)`` stands for
a list of ``n`` values, and ``Shapes`` keeps one prepared query per length (or
per any other choice that changes the SQL)::

    covers = Shapes(lambda n: ProductImage.select().where(ProductImage.product.in_(Param.many("ids", n))))
    covers[len(ids)].all(ids=ids)
"""
from __future__ import annotations

import threading
from collections.abc import Callable

import peewee

from portal.core.db import db


class _Slot:
    """Where a ``Param``'s value goes in the compiled parameter list, and how to convert it."""

    __slots__ = ("converter", "index", "name")

    def __init__(self, name: str, index: int | None, converter):
        self.name = name
        self.index = index
        self.converter = converter

    def bind(self, values: dict):
        try:
            value = values[self.name]
            if self.index is not None:
                value = value[self.index]
        except (KeyError, IndexError):
            raise TypeError(f"missing value for Param({self.name!r})") from None
        if isinstance(value, peewee.Model):
            value = value._pk  # not get_id(): Flask-Login's User answers its session token there
        return self.converter(value) if self.converter else value


class Param(peewee.ColumnBase):
    """A named placeholder for one value of a ``Prepared`` query."""

    def __init__(self, name: str, index: int | None = None):
        super().__init__()
        self.name = name
        self.index = index

    @classmethod
    def many(cls, name: str, count: int) -> list[Param]:
        """Placeholders for a list of ``count`` values passed as ``name=[...]`` (an ``IN`` list)."""
        return [cls(name, i) for i in range(count)]

    def __sql__(self, ctx):
        # The converter the enclosing expression set up (a field's db_value), kept for binding time.
        return ctx.value(_Slot(self.name, self.index, ctx.state.converter), converter=False)


class Prepared:
    """A query built by ``build()`` once per kind of database, run with new values each call."""

    def __init__(self, build: Callable[[], peewee.BaseQuery]):
        self._build = build
        self._compiled: dict[type, tuple] = {}
        self._lock = threading.Lock()

    def _for(self, database: peewee.Database) -> tuple:
        kind = type(database)
        compiled = self._compiled.get(kind)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(kind)
                if compiled is None:
                    query = self._build()
                    sql, params = database.get_sql_context().sql(query).query()
                    compiled = self._compiled[kind] = (query, sql, tuple(params))
        return compiled

    def execute(self, **values):
        """The rows, as iterating the built query would give them."""
        database = db.obj
        query, sql, params = self._for(database)
        bound = [p.bind(values) if isinstance(p, _Slot) else p for p in params]
        cursor = database.execute_sql(sql, bound)
        return query._get_cursor_wrapper(cursor)

    def all(self, **values) -> list:
        return list(self.execute(**values))

    def first(self, **values):
        """The first row or ``None`` (build the query with ``.limit(1)`` when only one is wanted)."""
        return next(iter(self.execute(**values)), None)

    def scalar(self, **values):
        """The first column of the first row, or ``None``."""
        database = db.obj
        _, sql, params = self._for(database)
        row = database.execute_sql(sql, [p.bind(values) if isinstance(p, _Slot) else p for p in params]).fetchone()
        return row[0] if row else None


class Shapes:
    """One ``Prepared`` per shape of a query: ``build(shape)`` makes it, ``shapes[shape]`` finds it.

    A shape is whatever changes the SQL (an ``IN`` list's length, a sort order). At most
    ``limit`` are kept (the oldest made is dropped), so a shape taken from a request
    cannot grow the memory without end.
    """

    def __init__(self, build: Callable[..., peewee.BaseQuery], limit: int = 64):
        self._build = build
        self._limit = limit
        self._prepared: dict = {}

    def __getitem__(self, shape) -> Prepared:
        prepared = self._prepared.get(shape)
        if prepared is None:
            if len(self._prepared) >= self._limit:
                self._prepared.pop(next(iter(self._prepared)), None)
            prepared = self._prepared[shape] = Prepared(lambda: self._build(*(shape if isinstance(shape, tuple)
                                                                              else (shape,))))
        return prepared
