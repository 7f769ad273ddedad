"""The anonymous page cache (portal/web/page_cache.py) and the write tracking it relies on
(portal/core/changes.py): fast for the same page asked twice, never stale, never somebody else's."""
from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Blueprint, g, make_response, session

from portal.core import changes
from portal.core.models import Product
from portal.testing import make_client, until_hit
from portal.web.page_cache import EXTENSION, cache_page
from tests.core.orders_testkit import add_to_cart, make_product

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def product(shop):
    return make_product(shop, "Pantofel Oxford", price=685_000, stock=4)


@contextlib.contextmanager
def serving(app, shop):
    """Run the block as a request to ``shop``'s URL would run it (``g.shop`` set)."""
    with app.test_request_context(f"/s/{shop.slug}/"):
        g.shop = shop
        yield


def cached(client, url):
    """Ask for ``url`` until the page cache holds it (the first answer is a render)."""
    page(client, url)
    return until_hit(lambda: page(client, url))


def page(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response


def test_the_same_page_asked_twice_is_rendered_once(portal_app, shop, product, query_counter):
    first = page(make_client(portal_app), "/s/workshop/")
    assert first.headers["X-Page-Cache"] == "miss"
    for _ in range(30):  # on PostgreSQL another worker's write can make one request a miss
        with query_counter(cold=False) as q:
            second = page(make_client(portal_app), "/s/workshop/")
        if second.headers["X-Page-Cache"] == "hit":
            break
    assert second.headers["X-Page-Cache"] == "hit"
    assert "Pantofel Oxford" in second.get_data(as_text=True)
    # A hit asks the database only whether this shop changed (one row per scope) and
    # nothing about the shop, the plugins or the products.
    assert len(q.statements) == 1 and '"portal_generation"' in q.statements[0], q.statements
    # The page is otherwise the same; only the token (in forms and htmx's headers) is the asker's own.
    tokens = [TOKEN_RE.search(r.get_data(as_text=True)).group(1) for r in (first, second)]
    assert tokens[0] != tokens[1]
    texts = [r.get_data(as_text=True) for r in (first, second)]
    assert texts[0].count(tokens[0]) == texts[1].count(tokens[1]) >= 2
    assert texts[0].replace(tokens[0], "T") == texts[1].replace(tokens[1], "T")


def test_each_visitor_gets_their_own_working_csrf_token(portal_app, shop, product):
    a, b = make_client(portal_app), make_client(portal_app)
    page(a, "/s/workshop/p/pantofel-oxford")
    served = until_hit(lambda: page(b, "/s/workshop/p/pantofel-oxford"))
    tokens = set(TOKEN_RE.findall(served.get_data(as_text=True)))
    assert len(tokens) == 1
    token = tokens.pop()
    assert "__portal_csrf_" not in served.get_data(as_text=True)
    # The token in the cached page is b's: b's form post with it is accepted, a's refused.
    response = b.post(f"/s/workshop/cart/add/{product.id}", data={"quantity": "1", "csrf_token": token}, csrf=False)
    assert response.status_code in (302, 303)
    response = a.post(f"/s/workshop/cart/add/{product.id}", data={"quantity": "1", "csrf_token": token}, csrf=False)
    assert response.status_code == 400


def test_a_change_in_this_process_is_seen_at_once(portal_app, shop, product):
    page(make_client(portal_app), "/s/workshop/p/pantofel-oxford")
    Product.update(name="Pantofel Derby").where(Product.id == product.id).execute()
    fresh = page(make_client(portal_app), "/s/workshop/p/pantofel-oxford")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Pantofel Derby" in fresh.get_data(as_text=True)


# Another portal process (a second gunicorn worker, a CLI command, a job worker): the portal's
# own code on its own connection. With a shop slug, the write is made while serving that
# shop's URL, as a worker's request would make it.
_OTHER_PROCESS = """
import sys
from flask import g
from portal.app import create_app
from portal.core.db import db
from portal.core.models import Shop

url, slug, sql, *params = sys.argv[1:]
app = create_app({"DATABASE_URL": url, "DATABASE_POOL": False})
with app.test_request_context("/"):
    if slug:
        g.shop = Shop.get(Shop.slug == slug)
    with db.atomic():
        db.execute_sql(sql.replace("%s", db.param), [int(p) if p.isdigit() else p for p in params])
"""


def _write_from_another_process(database_url: str, sql: str, params, shop_slug: str = ""):
    subprocess.run([sys.executable, "-c", _OTHER_PROCESS, database_url, shop_slug, sql, *map(str, params)],
                   check=True, timeout=120, cwd=str(Path(__file__).resolve().parents[2]))


def _write_by_hand(database_url: str, sql: str, params):
    """A commit that bypasses the portal's code altogether (psql, sqlite3 by hand)."""
    parts = urlparse(database_url)
    if parts.scheme.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split(":///", 1)[1])
        with conn:
            conn.execute(sql.replace("%s", "?"), params)
        conn.close()
        return
    import psycopg2

    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(sql, params)
    conn.close()


@pytest.mark.parametrize("shop_slug", ["", "workshop"])
def test_a_commit_by_another_process_is_seen_too(portal_app, shop, product, shop_slug):
    """Globally (a CLI command, a job) or while serving this shop (another worker's request)."""
    client = make_client(portal_app)
    cached(client, "/s/workshop/p/pantofel-oxford")
    _write_from_another_process(portal_app.config["DATABASE_URL"], 'UPDATE "product" SET "name" = %s WHERE "id" = %s',
                                ("Pantofel Monk", product.id), shop_slug=shop_slug)
    fresh = page(client, "/s/workshop/p/pantofel-oxford")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Pantofel Monk" in fresh.get_data(as_text=True)


def test_another_shops_writes_leave_this_shops_pages_cached(portal_app, shop, other_shop, product):
    """A busy shop's orders and chat must not turn every other shop's pages into renders."""
    other_product = make_product(other_shop, "Sandal Kulit", price=150_000, stock=3)
    client = make_client(portal_app)
    cached(client, "/s/workshop/p/pantofel-oxford")
    # In this process, while serving the other shop's URL ...
    with serving(portal_app, other_shop):
        Product.update(name="Sandal Jepit").where(Product.id == other_product.id).execute()
    assert page(client, "/s/workshop/p/pantofel-oxford").headers["X-Page-Cache"] == "hit"
    # ... and in another process.
    _write_from_another_process(portal_app.config["DATABASE_URL"], 'UPDATE "product" SET "name" = %s WHERE "id" = %s',
                                ("Sandal Gunung", other_product.id), shop_slug=other_shop.slug)
    assert page(client, "/s/workshop/p/pantofel-oxford").headers["X-Page-Cache"] == "hit"
    # The other shop's own page sees its change at once.
    assert "Sandal Gunung" in page(client, f"/s/{other_shop.slug}/p/{other_product.slug}").get_data(as_text=True)


def test_a_global_write_reaches_every_shops_pages(portal_app, shop, product, customer):
    """A write no shop owns (a user's name, made outside any shop's URL) may show on any shop's page."""
    from portal.core.models import User

    client = make_client(portal_app)
    cached(client, "/s/workshop/p/pantofel-oxford")
    User.update(name="Sari").where(User.id == customer.id).execute()
    assert page(client, "/s/workshop/p/pantofel-oxford").headers["X-Page-Cache"] == "miss"


def test_a_write_to_a_table_no_shop_owns_is_global_even_on_a_shops_url(portal_app, shop, other_shop, product,
                                                                        customer):
    from portal.core.models import User

    client = make_client(portal_app)
    cached(client, "/s/workshop/p/pantofel-oxford")
    with serving(portal_app, other_shop):
        User.update(name="Sari").where(User.id == customer.id).execute()
    assert page(client, "/s/workshop/p/pantofel-oxford").headers["X-Page-Cache"] == "miss"


def test_a_commit_made_by_hand_expires_with_the_page(portal_app, shop, product, monkeypatch):
    """Writes that bypass the portal's code are not counted: the page's maximum age bounds them."""
    import time
    from types import SimpleNamespace

    from portal.web import page_cache

    client = make_client(portal_app)
    cached(client, "/s/workshop/p/pantofel-oxford")
    _write_by_hand(portal_app.config["DATABASE_URL"], 'UPDATE "product" SET "name" = %s WHERE "id" = %s',
                   ("Pantofel Monk", product.id))
    assert "Pantofel Oxford" in page(client, "/s/workshop/p/pantofel-oxford").get_data(as_text=True)
    later = time.monotonic() + portal_app.extensions[EXTENSION].max_age + 1
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(monotonic=lambda: later))
    fresh = page(client, "/s/workshop/p/pantofel-oxford")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Pantofel Monk" in fresh.get_data(as_text=True)


def test_which_tables_belong_to_a_shop(portal_app):
    """Through a shop key or a chain of them, never through a user; the shop, its members and
    switches count as global (read by every shop's requests before anything else)."""
    owned = changes._shop_tables
    assert {"product", "product_image", "order", "order_item", "order_event", "chat_message",
            "comments_report", "forum_post"} <= owned
    assert not {"user", "platform_plugin", "portal_migration", "couriers_rider_status", "shop", "membership",
                "shop_module"} & owned


def test_logged_in_visitors_never_get_the_anonymous_copy(portal_app, shop, product, customer, other_customer):
    page(make_client(portal_app), "/s/workshop/")
    until_hit(lambda: page(make_client(portal_app), "/s/workshop/"))
    client = make_client(portal_app, customer)
    add_to_cart(client, shop, product, quantity=2)
    badge = re.compile(r'id="cart-count" class="cart-count">(\d+)<')
    assert "X-Page-Cache" not in page(client, "/s/workshop/").headers  # shows "added to cart" once
    mine = page(client, "/s/workshop/")
    assert mine.headers["X-Page-Cache"] == "miss"
    assert 'action="/logout"' in mine.get_data(as_text=True)
    assert badge.search(mine.get_data(as_text=True)).group(1) == "2"
    assert mine.headers["Cache-Control"] == "private, no-store"
    # Their own copy next time, and nobody else's: another customer's first visit is a render.
    assert badge.search(until_hit(lambda: page(client, "/s/workshop/")).get_data(as_text=True)).group(1) == "2"
    theirs = page(make_client(portal_app, other_customer), "/s/workshop/")
    assert theirs.headers["X-Page-Cache"] == "miss"
    assert 'action="/logout"' in theirs.get_data(as_text=True)
    assert badge.search(theirs.get_data(as_text=True)).group(1) == "0"


def test_each_cart_shows_in_its_own_badge(portal_app, shop, product):
    empty, filled = make_client(portal_app), make_client(portal_app)
    page(empty, "/s/workshop/")
    add_to_cart(filled, shop, product, quantity=3)
    badge = re.compile(r'id="cart-count" class="cart-count">(\d+)<')
    mine = page(filled, "/s/workshop/").get_data(as_text=True)
    assert badge.search(mine) and badge.search(mine).group(1) == "3"
    theirs = until_hit(lambda: page(empty, "/s/workshop/"))
    assert badge.search(theirs.get_data(as_text=True)).group(1) == "0"


def test_a_flashed_message_is_shown_not_skipped(portal_app, shop, product):
    client = make_client(portal_app)
    page(client, "/s/workshop/")
    with client.session_transaction() as s:
        s["_flashes"] = [("success", "Pesanan tersimpan")]
    shown = page(client, "/s/workshop/")
    assert "X-Page-Cache" not in shown.headers
    assert "Pesanan tersimpan" in shown.get_data(as_text=True)


def test_languages_and_htmx_fragments_are_kept_apart(portal_app, shop, product):
    client = make_client(portal_app)
    english = page(client, "/s/workshop/products", **{"Accept-Language": "en"}).get_data(as_text=True)
    indonesian = page(make_client(portal_app), "/s/workshop/products", **{"Accept-Language": "id"}).get_data(as_text=True)
    assert 'lang="en"' in english and 'lang="id"' in indonesian
    fragment = page(client, "/s/workshop/products", **{"HX-Request": "true", "HX-Target": "catalogue-results",
                                                       "Accept-Language": "en"})
    assert fragment.headers["X-Page-Cache"] == "miss"
    assert "<html" not in fragment.get_data(as_text=True)
    again = until_hit(lambda: page(make_client(portal_app), "/s/workshop/products", **{"Accept-Language": "en"}))
    assert "<html" in again.get_data(as_text=True)


def test_a_cookie_of_its_own_bypasses_the_cache(portal_app, shop, product):
    client = make_client(portal_app)
    page(client, "/s/workshop/")
    client.set_cookie("portal_chat", "x")
    assert "X-Page-Cache" not in page(client, "/s/workshop/").headers


def test_entries_expire(portal_app, shop, product, monkeypatch):
    import portal.web.page_cache as pc

    page(make_client(portal_app), "/s/workshop/")
    now = pc.time.monotonic()
    monkeypatch.setattr(pc.time, "monotonic", lambda: now + portal_app.extensions[EXTENSION].max_age + 1)
    assert page(make_client(portal_app), "/s/workshop/").headers["X-Page-Cache"] == "miss"


# -- what a view must not lose by being cached ----------------------------------------------------------------

calls: list[str] = []


def _probe_blueprint():
    bp = Blueprint("cache_probe", __name__)

    @bp.get("/probe/writes")
    @cache_page
    def writes():
        calls.append("writes")
        Product.update(stock=Product.stock + 1).execute()  # a side effect every visit must have
        return "<p>counted</p>"

    @bp.get("/probe/cookie")
    @cache_page
    def cookie():
        calls.append("cookie")
        response = make_response("<p>cookie</p>")
        response.set_cookie("probe", "1")
        return response

    @bp.get("/probe/session")
    @cache_page
    def touches_session():
        calls.append("session")
        session["seen"] = session.get("seen", 0) + 1
        return "<p>seen</p>"

    @bp.get("/probe/error")
    @cache_page
    def error():
        calls.append("error")
        return "<p>gone</p>", 404

    return bp


@pytest.mark.parametrize("path", ["writes", "cookie", "session", "error"])
def test_views_with_side_effects_run_every_time(portal_app, shop, product, path):
    portal_app.register_blueprint(_probe_blueprint())
    calls.clear()
    client = make_client(portal_app)
    for _ in range(3):
        assert client.get(f"/probe/{path}").headers.get("X-Page-Cache") != "hit"
    assert calls == [path] * 3
    if path == "writes":
        assert Product.get_by_id(product.id).stock == 4 + 3


def test_write_tracking_counts_writes_not_reads(portal_app, shop, product):
    before = changes.generation()
    Product.select().count()
    assert changes.generation() == before
    Product.update(name="X").where(Product.id == product.id).execute()
    assert changes.generation() != before


@pytest.mark.parametrize("sql,writes", [
    ('SELECT "t1"."updated_at" FROM "order" AS "t1"', False),
    ('WITH "placed" AS MATERIALIZED (SELECT "t1"."id", "t1"."deleted_at" FROM "order" AS "t1") '
     'SELECT * FROM "placed"', False),
    ('WITH "x" AS (SELECT 1) INSERT INTO "product" ("name") SELECT * FROM "x"', True),
    ('WITH "gone" AS (DELETE FROM "cart_line" RETURNING "id") SELECT COUNT(*) FROM "gone"', True),
    ('with "y" as (select 1) update "product" set "stock" = 1', True),
    ('INSERT INTO "product" ("name") VALUES (?)', True),
    ('  update "product" set "stock" = 1', True),
    ("PRAGMA data_version", False),
    # peewee on PostgreSQL parenthesises a compound query (the queue's tab counts)
    ('((SELECT %s AS "status" FROM "order" AS "t1") UNION ALL (SELECT %s FROM "order" AS "t2"))', False),
    ('(\n  SELECT 1)', False),
])
def test_statements_are_told_apart(sql, writes):
    """A read-only WITH (the analytics' queries) must not empty every cache; a modifying one must."""
    assert changes._is_write(sql) is writes


def test_a_page_rendered_during_an_open_write_is_not_kept_past_its_commit(portal_app, shop, product):
    """A write in flight moves the generation before and after it commits, so a page
    rendered meanwhile (from the old data) is filed under a generation nobody asks for again."""
    from portal.core.db import db

    client = make_client(portal_app)
    with db.atomic():
        Product.update(name="Pantofel Loafer").where(Product.id == product.id).execute()
        during = changes.generation()
    after = changes.generation()
    assert during != after
    assert "Pantofel Loafer" in page(client, "/s/workshop/p/pantofel-oxford").get_data(as_text=True)


def test_rows_kept_between_writes_follow_every_change(portal_app, shop, customer):
    """What core keeps per process (roles, the logged-in user) is re-read after any write."""
    from portal.core.models import Membership, User
    from portal.core.permissions import roles_anywhere
    from portal.core.shops import add_member

    assert roles_anywhere(customer) == frozenset()
    add_member(shop, customer, "courier")
    assert roles_anywhere(customer) == {"courier"}
    Membership.delete().where(Membership.user == customer.id).execute()
    assert roles_anywhere(customer) == frozenset()

    client = make_client(portal_app, customer)
    assert 'action="/logout"' in page(client, "/s/workshop/").get_data(as_text=True)
    User.update(is_active_flag=False).where(User.id == customer.id).execute()
    assert 'action="/logout"' not in page(client, "/s/workshop/").get_data(as_text=True)


def test_a_job_run_in_place_counts_as_global(portal_app, shop, other_shop, product):
    """A job queued while serving one shop's URL may write any shop's rows (immediate mode runs it there)."""
    from portal.core.jobs import jobs

    queue = jobs()
    queue.register("rename_for_test", lambda pid, name: Product.update(name=name).where(Product.id == pid).execute())
    client = make_client(portal_app)
    cached(client, "/s/workshop/p/pantofel-oxford")
    with serving(portal_app, other_shop):
        queue.enqueue("rename_for_test", product.id, "Pantofel Brogue")
    fresh = page(client, "/s/workshop/p/pantofel-oxford")
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Pantofel Brogue" in fresh.get_data(as_text=True)
