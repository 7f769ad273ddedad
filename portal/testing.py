"""pytest fixtures for the portal and for plugin authors (registered as a pytest plugin).

Installing the portal makes these fixtures available to any test suite, so an
external plugin package needs no copy of core's conftest::

    def test_my_page(portal_app, shop, owner_client, enable_plugin):
        enable_plugin(shop, "myplugin")
        assert owner_client.get(f"/s/{shop.slug}/myplugin/").status_code == 200

The database is SQLite in a temporary folder, or a fresh PostgreSQL database
when ``PORTAL_TEST_DATABASE_URL`` points at a server (it is created and dropped).
Every test starts from empty tables. CSRF protection stays on: ``PortalClient``
fetches a real token before each form post, as a browser would.
"""
from __future__ import annotations

import contextvars
import os
import re
import secrets
import threading
import uuid
from urllib.parse import urlparse, urlunparse

import pytest
from flask.testing import FlaskClient

TEST_PASSWORD = "correct-horse-42"
_CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


# ---------------------------------------------------------------------------
# database
# ---------------------------------------------------------------------------


def _pg_admin(url: str):
    import psycopg2

    parts = urlparse(url)
    conn = psycopg2.connect(urlunparse(parts._replace(path="/postgres")))
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def portal_database_url(tmp_path_factory):
    """The database URL the tests use (one database per test session)."""
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.db'}"
        return
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    conn = _pg_admin(base)
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(urlparse(base)._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        from portal.core.db import db

        try:
            if db.obj is not None and not db.is_closed():
                db.close()
        except Exception:
            pass
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def truncate_all():
    """Empty every table but the migration record (fast test isolation)."""
    from portal.core.db import db, is_sqlite

    tables = [t for t in db.get_tables() if t != "portal_migration"]
    if not tables:
        return
    if is_sqlite():
        db.execute_sql("PRAGMA foreign_keys = OFF")
        with db.atomic():
            for t in tables:
                db.execute_sql(f'DELETE FROM "{t}"')
        db.execute_sql("PRAGMA foreign_keys = ON")
    else:
        db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


def make_test_app(database_url: str, instance_dir, plugins=(), use_entry_points=True, **config):
    from portal import create_app
    from portal.core import migrations

    settings = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(instance_dir),
        "MEDIA_DIR": str(instance_dir / "media"),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "JOBS_IMMEDIATE": True,
        "SERVER_NAME": None,
        # An app per test: a pool per app would leave idle connections behind each one.
        "DATABASE_POOL": False,
        # Full-cost scrypt makes every log-in in the suite take a third of a second.
        "PASSWORD_HASH_METHOD": "scrypt:2048:8:1",
    }
    settings.update(config)
    app = create_app(settings, plugins=plugins, use_entry_points=use_entry_points)
    with app.app_context():
        migrations.upgrade(app.extensions["portal"])
    return app


@pytest.fixture
def portal_plugins():
    """Extra plugin modules for ``portal_app``; override in a conftest to add yours."""
    return []


@pytest.fixture
def portal_config():
    """Extra config for ``portal_app``; override in a conftest or a test module."""
    return {}


@pytest.fixture
def portal_app(portal_database_url, tmp_path, portal_plugins, portal_config):
    """A portal app on a clean database, with every installed plugin loaded."""
    from portal.core.db import db

    app = make_test_app(portal_database_url, tmp_path, plugins=portal_plugins, **portal_config)
    ctx = app.app_context()
    ctx.push()
    truncate_all()
    try:
        yield app
    finally:
        ctx.pop()
        try:
            truncate_all()
        finally:
            if not db.is_closed():
                db.close()


# ---------------------------------------------------------------------------
# clients
# ---------------------------------------------------------------------------


class PortalClient(FlaskClient):
    """A test client that behaves like a browser with CSRF protection on.

    Each request runs in an empty ``contextvars`` context, so it gets its own
    app context and ``g`` even while a test holds one open — as in production,
    nothing cached on ``g`` (locale, plugin switches, roles) leaks between requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/", headers={"Accept-Language": "en"})
        match = _CSRF_RE.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def post(self, *args, **kwargs):
        return self._with_csrf("post", *args, **kwargs)

    def _with_csrf(self, method, *args, **kwargs):
        if kwargs.pop("csrf", True):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return getattr(super(), method)(*args, **kwargs)

    def put(self, *args, **kwargs):
        return self._with_csrf("put", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._with_csrf("delete", *args, **kwargs)

    def hx_get(self, url, **kwargs):
        headers = {"HX-Request": "true", **(kwargs.pop("headers", None) or {})}
        return self.get(url, headers=headers, **kwargs)

    def hx_post(self, url, **kwargs):
        headers = {"HX-Request": "true", **(kwargs.pop("headers", None) or {})}
        return self.post(url, headers=headers, **kwargs)

    def login(self, email: str, password: str = TEST_PASSWORD):
        response = self.post("/login", data={"email": email, "password": password})
        assert response.status_code in (302, 303), f"login failed for {email}: {response.status_code}"
        return response


@pytest.fixture
def client(portal_app):
    """An anonymous browser."""
    portal_app.test_client_class = PortalClient
    return portal_app.test_client()


def make_client(app, user=None) -> PortalClient:
    app.test_client_class = PortalClient
    c = app.test_client()
    if user is not None:
        c.login(user.email)
    return c


# ---------------------------------------------------------------------------
# people and shops
# ---------------------------------------------------------------------------


_TEST_HASH: list[str] = []


def make_user(email: str, name: str | None = None, password: str = TEST_PASSWORD, **fields):
    """A user with ``password``; the shared test password is hashed once per session (scrypt is slow)."""
    from portal.core.accounts import create_user, hash_password, normalise_email
    from portal.core.models import User

    name = name or email.split("@")[0].title()
    if password != TEST_PASSWORD:
        return create_user(email=email, name=name, password=password, **fields)
    if not _TEST_HASH:
        _TEST_HASH.append(hash_password(TEST_PASSWORD))
    return User.create(email=normalise_email(email), name=name, password_hash=_TEST_HASH[0], **fields)


def make_shop(slug: str, owner=None, name: str | None = None, **fields):
    from portal.core.shops import add_member, create_shop

    shop = create_shop(slug=slug, name=name or slug.title(), **fields)
    if owner is not None:
        add_member(shop, owner, "owner")
    return shop


class People:
    """The cast every authorisation test needs, for one shop."""

    def __init__(self, shop, owner, staff, supplier, courier):
        self.shop, self.owner, self.staff, self.supplier, self.courier = shop, owner, staff, supplier, courier


@pytest.fixture
def shop(portal_app):
    """Shop ``workshop`` with an owner, staff, supplier and courier member."""
    from portal.core.shops import add_member

    owner = make_user("owner@shop.test", "Owner")
    s = make_shop("workshop", owner=owner, name="Test Workshop", order_prefix="TWS", city="Bandung",
                  bank_accounts=[{"bank": "BCA", "number": "1234567890", "holder": "Test Workshop"}])
    for role in ("staff", "supplier", "courier"):
        add_member(s, make_user(f"{role}@shop.test", role.title()), role)
    return s


@pytest.fixture
def other_shop(portal_app):
    """A second tenant with its own owner, to prove one shop never reaches another."""
    owner = make_user("owner@other.test", "Other Owner")
    return make_shop("othershop", owner=owner, name="Other Shop", order_prefix="OTH")


@pytest.fixture
def customer(portal_app):
    return make_user("customer@example.test", "Customer A")


@pytest.fixture
def other_customer(portal_app):
    return make_user("customer-b@example.test", "Customer B")


@pytest.fixture
def admin_user(portal_app):
    return make_user("admin@platform.test", "Admin", is_admin=True)


def _user(email):
    from portal.core.models import User

    return User.get(User.email == email)


@pytest.fixture
def owner_client(portal_app, shop):
    return make_client(portal_app, _user("owner@shop.test"))


@pytest.fixture
def staff_client(portal_app, shop):
    return make_client(portal_app, _user("staff@shop.test"))


@pytest.fixture
def supplier_client(portal_app, shop):
    return make_client(portal_app, _user("supplier@shop.test"))


@pytest.fixture
def courier_client(portal_app, shop):
    return make_client(portal_app, _user("courier@shop.test"))


@pytest.fixture
def customer_client(portal_app, customer):
    return make_client(portal_app, customer)


@pytest.fixture
def other_customer_client(portal_app, other_customer):
    return make_client(portal_app, other_customer)


@pytest.fixture
def other_owner_client(portal_app, other_shop):
    return make_client(portal_app, _user("owner@other.test"))


@pytest.fixture
def admin_client(portal_app, admin_user):
    return make_client(portal_app, admin_user)


# ---------------------------------------------------------------------------
# plugin switches
# ---------------------------------------------------------------------------


def set_plugin(shop, name: str, enabled: bool):
    from portal.core.shops import set_module_enabled

    set_module_enabled(shop, name, enabled)


@pytest.fixture
def enable_plugin(portal_app):
    """``enable_plugin(shop, "name")`` switches a plugin on for a shop."""
    return lambda shop, name: set_plugin(shop, name, True)


@pytest.fixture
def allow_plugin(portal_app):
    """``allow_plugin("name")``: the platform admin allows a (third-party) plugin for every shop."""
    from portal.core.shops import set_platform_plugin_allowed

    return lambda name, allowed=True: set_platform_plugin_allowed(name, allowed)


@pytest.fixture
def disable_plugin(portal_app):
    """``disable_plugin(shop, "name")`` switches a plugin off (its data stays)."""
    return lambda shop, name: set_plugin(shop, name, False)


# ---------------------------------------------------------------------------
# a real server for browser tests
# ---------------------------------------------------------------------------


class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(portal_app):
    """The app served on a free loopback port in a thread; ``live_server.url``."""
    server = LiveServer(portal_app).start()
    yield server
    server.stop()


# ---------------------------------------------------------------------------
# query budgets
# ---------------------------------------------------------------------------


class QueryCounter:
    """Counts the SQL statements run through the portal's database while active.

    Use it to hold a page to a fixed query budget that must not grow with the data (the
    count starts cold: as if something had just been written, see ``cold``)::

        with count_queries() as q:
            client.get("/s/workshop/products")
        assert q.count <= 8, q.statements
    """

    def __init__(self, cold: bool = True):
        self.statements: list[str] = []
        self.cold = cold

    @property
    def count(self) -> int:
        return len(self.statements)

    def __enter__(self):
        from portal.core import changes
        from portal.core.db import db

        if self.cold:
            # Count what a request costs right after a write: the per-process caches of
            # portal.core.changes (pages, shop, switches, menus) start empty, so a count
            # never depends on what an earlier request happened to leave warm.
            changes.bump()

        database = db.obj
        original = database.execute_sql
        self._restore = (database, original)

        def counting(sql, params=None, *args, **kwargs):
            # Connection housekeeping is not a query the page asked for.
            if not sql.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")):
                self.statements.append(sql)
            return original(sql, params, *args, **kwargs)

        database.execute_sql = counting
        return self

    def __exit__(self, *exc):
        database, original = self._restore
        database.execute_sql = original
        return False


def until_hit(fetch, tries: int = 30):
    """Call ``fetch()`` until the page cache answers, and return that response.

    A shop's pages are filed under that shop's write counter, but a page outside any shop
    counts every write, and on PostgreSQL that probe is the cluster's snapshot: a write to
    *any* database of the cluster (another test worker's) makes the next request a miss.
    Asking again is what a visitor would see next. Fails if no request is ever a hit.
    """
    for _ in range(tries):
        response = fetch()
        if response.headers.get("X-Page-Cache") == "hit":
            return response
    raise AssertionError(f"no cache hit in {tries} requests")


def count_queries(cold: bool = True) -> QueryCounter:
    """See :class:`QueryCounter`; ``cold=False`` counts with the per-process caches as they are."""
    return QueryCounter(cold=cold)


@pytest.fixture
def query_counter(portal_app):
    """``with query_counter() as q: ...`` — see :class:`QueryCounter`."""
    return count_queries


# ---------------------------------------------------------------------------
# a real SMTP server
# ---------------------------------------------------------------------------


class SmtpCollector:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_server(port: int | None = None):
    """Start an aiosmtpd server on loopback; returns ``(controller, handler)``."""
    from aiosmtpd.controller import Controller

    handler = SmtpCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller, handler


@pytest.fixture(scope="module")
def smtp_server():
    """A real SMTP server on a free loopback port for the module: ``(controller, handler)``.

    Point the app at it by overriding ``portal_config`` in the test module::

        @pytest.fixture
        def portal_config(smtp_server):
            return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server[0].port}
    """
    controller, handler = start_smtp_server()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server):
    """The envelopes the SMTP server received during this test (``.rcpt_tos``, ``.original_content``)."""
    _, handler = smtp_server
    handler.envelopes.clear()
    return handler.envelopes


def parse_mail(envelope):
    """An envelope as an ``email.message.EmailMessage``."""
    from email import message_from_bytes, policy

    return message_from_bytes(envelope.original_content, policy=policy.default)


# ---------------------------------------------------------------------------
# hostile text: one corpus, one check (issue 11, item 4)
# ---------------------------------------------------------------------------

# What an attacker types into any field that is shown again. Each entry carries a
# marker (x1..x9) so a failure says which one got through.
HOSTILE_TEXTS = (
    '<script>alert("x1")</script>',
    '"><img src=x onerror=alert("x2")>',
    "javascript:alert('x3')",
    '<a href="javascript:alert(\'x4\')">x4</a>',
    '<div hx-get="/x5/admin/" hx-trigger="load">x5</div>',
    "' hx-post='/x6/logout' hx-trigger='load' x='x6",
    "Zero\u200bwidth \u202eRTL\u202c x7",
    "CR\r\nBcc: victim@evil.test x8",
    "<svg onload=alert('x9')></svg>",
)

_URL_ATTRS = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-delete", "hx-patch",
              "sse-connect", "poster", "data"}


def inert_problems(html: str) -> list[str]:
    """What in ``html`` could run: scripts, event handlers, ``javascript:`` URLs, htmx attributes from user text.

    Escaped text is fine anywhere (inside an attribute value too): only markup that a
    browser or htmx would act on is reported. Scripts are allowed only as a ``src`` on
    this site; htmx attributes are reported when they carry the corpus's own URLs.
    """
    from html.parser import HTMLParser

    problems: list[str] = []

    class Checker(HTMLParser):
        in_script = False

        def handle_starttag(self, tag, attrs):
            names = dict(attrs)
            if tag == "script":
                self.in_script = True
                src = names.get("src") or ""
                if not (src.startswith("/") and not src.startswith("//")):
                    problems.append(f"inline or foreign <script> {attrs}")
            for name, value in attrs:
                value = value or ""
                if name.startswith("on"):
                    problems.append(f"event handler {name}={value!r} on <{tag}>")
                if name in _URL_ATTRS and value.strip().lower().replace("\x00", "").startswith(("javascript:", "vbscript:", "data:text/html")):
                    problems.append(f"{name}={value!r} on <{tag}>")
                if name.startswith(("hx-", "data-hx-", "sse-")) and value.startswith(("/x5/", "/x6/")):
                    problems.append(f"{name}={value!r} on <{tag}>: an htmx attribute from user text")
            if tag == "svg" or (tag == "img" and "onerror" in names):
                if any(n.startswith("on") for n in names):
                    problems.append(f"<{tag}> with an event handler")

        def handle_endtag(self, tag):
            if tag == "script":
                self.in_script = False

        def handle_data(self, data):
            if self.in_script and data.strip():
                problems.append(f"script content {data.strip()[:60]!r}")

    Checker(convert_charrefs=True).feed(html)
    return problems


def assert_inert(html: str, where: str = ""):
    """Fail if ``html`` (a page or a fragment) holds anything from user text that could run."""
    problems = inert_problems(html)
    assert not problems, f"{where}: {problems}"
