"""The hook reference stays honest: every hook is documented, tested, and its signature frozen per API version.

``test_hook_<name>`` functions prove each hook is called with the documented
arguments and that its result is used. Hooks of other areas (orders, checkout)
have theirs beside those areas' tests; ``test_every_hook_has_a_test`` finds
them anywhere under ``tests/``.
"""
from __future__ import annotations

import ast
import inspect
import itertools
from collections import defaultdict
from pathlib import Path

import peewee as pw
import pytest
from flask import Blueprint, g, render_template_string
from flask_babel import gettext
from markupsafe import Markup
from packaging.version import Version
from playhouse.migrate import SchemaMigrator
from throwaway_plugin import make_plugin

from portal import NavItem, PluginInfo, current_shop, hookspecs
from portal.core import migrations
from portal.core.db import Model, db
from portal.core.models import Migration, Product, User
from portal.plugin_api import PLUGIN_API_VERSION
from portal.testing import make_test_app

TESTS = Path(__file__).resolve().parent.parent


def hook_specs() -> dict[str, object]:
    return {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("portal_")}


def signature_of(fn) -> dict:
    opts = getattr(fn, "portal_spec", None) or {}
    return {"params": tuple(inspect.signature(fn).parameters), "firstresult": bool(opts.get("firstresult"))}


# ---------------------------------------------------------------------------
# the reference itself
# ---------------------------------------------------------------------------

# Every hook's signature, per plugin API version. A released version's entry is
# never edited: change a hook, bump PLUGIN_API_VERSION (portal/plugin_api.py)
# and add the new version's snapshot below.
SIGNATURES: dict[str, dict[str, tuple[tuple[str, ...], bool]]] = {
    "1.0": {
        "portal_checkout_delivery_options": (("shop", "cart"), False),
        "portal_order_after_transition": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_order_before_transition": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_owner_nav_items": (("shop", "user"), False),
        "portal_register_blueprints": ((), False),
        "portal_register_migrations": ((), False),
        "portal_register_models": ((), False),
        "portal_register_plugin": ((), False),
        "portal_register_translations": ((), False),
        "portal_shop_module_toggled": (("shop", "plugin", "enabled", "user"), False),
        "portal_shop_nav_items": (("shop", "user"), False),
        "portal_slot_dashboard_cards": (("shop", "user"), False),
        "portal_slot_footer_links": (("shop",), False),
        "portal_slot_order_customer": (("shop", "order", "user"), False),
        "portal_slot_order_sidebar": (("shop", "order", "user"), False),
        "portal_slot_page_end": (("shop", "user"), False),
        "portal_slot_product_detail_main": (("shop", "product", "user"), False),
        "portal_slot_shop_home_main": (("shop", "user"), False),
        "portal_slot_shop_profile_main": (("shop", "user"), False),
    },
    "1.1": {
        "portal_account_nav_items": (("user",), False),
        "portal_checkout_delivery_options": (("shop", "cart", "destination"), False),
        "portal_checkout_discounts": (("shop", "cart", "customer", "codes"), False),
        "portal_checkout_discounts_used": (("shop", "order", "discounts", "customer"), False),
        "portal_customer_segments": (("shop",), False),
        "portal_order_timeline": (("shop", "order", "audience"), False),
        "portal_product_card_badges": (("shop", "products", "user"), False),
        "portal_order_after_transition": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_order_before_transition": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_owner_nav_items": (("shop", "user"), False),
        "portal_register_blueprints": ((), False),
        "portal_register_demo_data": (("shop",), False),
        "portal_register_migrations": ((), False),
        "portal_register_models": ((), False),
        "portal_register_plugin": ((), False),
        "portal_register_translations": ((), False),
        "portal_shop_module_toggled": (("shop", "plugin", "enabled", "user"), False),
        "portal_shop_nav_items": (("shop", "user"), False),
        "portal_slot_customer_profile": (("shop", "customer", "user"), False),
        "portal_slot_dashboard_cards": (("shop", "user"), False),
        "portal_slot_footer_links": (("shop",), False),
        "portal_slot_order_customer": (("shop", "order", "user"), False),
        "portal_slot_order_sidebar": (("shop", "order", "user"), False),
        "portal_slot_page_end": (("shop", "user"), False),
        "portal_slot_product_detail_main": (("shop", "product", "user"), False),
        "portal_slot_shop_home_main": (("shop", "user"), False),
        "portal_slot_shop_profile_main": (("shop", "user"), False),
    },
    "1.2": {
        "portal_account_nav_items": (("user",), False),
        "portal_checkout_delivery_options": (("shop", "cart", "destination"), False),
        "portal_checkout_discounts": (("shop", "cart", "customer", "codes"), False),
        "portal_checkout_discounts_used": (("shop", "order", "discounts", "customer"), False),
        "portal_customer_segments": (("shop",), False),
        "portal_order_timeline": (("shop", "order", "audience"), False),
        "portal_product_card_badges": (("shop", "products", "user"), False),
        "portal_order_after_transition": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_order_before_transition": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_order_blocked_actions": (("shop", "order", "actions", "user"), False),
        "portal_order_transition_writes": (("order", "action", "from_status", "to_status", "actor", "role"), False),
        "portal_owner_nav_items": (("shop", "user"), False),
        "portal_register_blueprints": ((), False),
        "portal_register_demo_data": (("shop",), False),
        "portal_register_migrations": ((), False),
        "portal_register_models": ((), False),
        "portal_register_plugin": ((), False),
        "portal_register_translations": ((), False),
        "portal_shop_module_toggled": (("shop", "plugin", "enabled", "user"), False),
        "portal_shop_nav_items": (("shop", "user"), False),
        "portal_slot_customer_profile": (("shop", "customer", "user"), False),
        "portal_slot_dashboard_cards": (("shop", "user"), False),
        "portal_slot_footer_links": (("shop",), False),
        "portal_slot_order_customer": (("shop", "order", "user"), False),
        "portal_slot_order_sidebar": (("shop", "order", "user"), False),
        "portal_slot_page_end": (("shop", "user"), False),
        "portal_slot_product_detail_main": (("shop", "product", "user"), False),
        "portal_slot_shop_home_main": (("shop", "user"), False),
        "portal_slot_shop_profile_main": (("shop", "user"), False),
    },
}


def current_signatures() -> dict[str, tuple[tuple[str, ...], bool]]:
    return {name: (s["params"], s["firstresult"]) for name, s in ((n, signature_of(f)) for n, f in hook_specs().items())}


def test_signatures_match_the_snapshot_of_this_api_version():
    assert PLUGIN_API_VERSION in SIGNATURES, (
        f"PLUGIN_API_VERSION is {PLUGIN_API_VERSION}: add its signature snapshot to SIGNATURES"
    )
    snapshot = SIGNATURES[PLUGIN_API_VERSION]
    now = current_signatures()
    changed = sorted(n for n in set(now) | set(snapshot) if now.get(n) != snapshot.get(n))
    assert not changed, (
        f"hook signatures changed without a new plugin API version: {changed}. "
        "Bump PLUGIN_API_VERSION (minor for added hooks or parameters, major for removed or "
        "renamed ones or a changed firstresult) and add a snapshot for it."
    )


def test_api_versions_grow_as_the_changes_require():
    versions = sorted(SIGNATURES, key=Version)
    for old, new in itertools.pairwise(versions):
        before, after = SIGNATURES[old], SIGNATURES[new]
        breaking = [
            n for n in before
            if n not in after or not set(before[n][0]) <= set(after[n][0]) or before[n][1] != after[n][1]
        ]
        if breaking:
            assert Version(new).major > Version(old).major, f"{new} breaks {breaking}: needs a new major version"
        else:
            assert before != after, f"{new} changes nothing compared with {old}"


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_hookspec_docstring_is_a_reference(name):
    fn = hook_specs()[name]
    doc = inspect.getdoc(fn) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.strip() and summary.rstrip().endswith("."), f"{name}: first line must be a one-sentence summary"
    assert len(doc.splitlines()) == 1 or not doc.splitlines()[1].strip(), f"{name}: a blank line follows the summary"
    assert ":return:" in doc, f"{name}: say what to return (:return:)"
    assert "Example::" in doc, f"{name}: give an Example:: block"
    example = doc.split("Example::", 1)[1]
    assert "@hookimpl" in example and f"def {name}(" in example, f"{name}: the example implements the hook"
    for param in inspect.signature(fn).parameters:
        assert f":param {param}:" in doc, f"{name}: document :param {param}:"
    if signature_of(fn)["firstresult"]:
        assert "first non-None result wins" in doc, f"{name}: say that the first non-None result wins"


def test_hook_names_say_what_kind_they_are():
    kinds = ("portal_register_", "portal_slot_", "portal_order_", "portal_shop_", "portal_owner_", "portal_checkout_",
             "portal_product_", "portal_customer_", "portal_account_")
    assert all(name.startswith(kinds) for name in hook_specs())


def test_every_hook_has_a_test():
    defined = set()
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_hook_"):
                defined.add(node.name.removeprefix("test_hook_"))
    missing = sorted(set(hook_specs()) - defined)
    assert not missing, f"hooks without a test_hook_<name> under tests/: {missing}"


# ---------------------------------------------------------------------------
# a recording plugin: each hook proves it is called with its documented arguments
# ---------------------------------------------------------------------------

RECORD: dict[str, list[dict]] = defaultdict(list)
recorder_bp = Blueprint("recorder", __name__, url_prefix="/s/<shop_slug>/recorder")


@recorder_bp.get("/")
def recorder_page():
    return f"recorder page of {current_shop.slug}"


class RecorderNote(Model):
    text = pw.CharField(max_length=40)


def _create_notes(database, migrator):
    RECORD["migration"].append({"database": database, "migrator": migrator})
    database.create_tables([RecorderNote], safe=True)


def _slot(name, **kwargs):
    RECORD[name].append(kwargs)
    shop = kwargs["shop"]
    return Markup('<p class="rec" data-hook="{}">{} for {}</p>').format(name, name, shop.slug)


def portal_register_plugin():
    RECORD["portal_register_plugin"].append({})
    return PluginInfo(name="recorder", label="Recorder", version="2.3.4",
                      description="Writes down every hook call.", roles=("owner", "staff"))


def portal_register_models():
    RECORD["portal_register_models"].append({})
    return [RecorderNote]


def portal_register_migrations():
    return [("0001_notes", _create_notes)]


def portal_register_blueprints():
    return [recorder_bp]


def portal_shop_nav_items(shop, user):
    RECORD["portal_shop_nav_items"].append({"shop": shop, "user": user})
    return [NavItem("Recorder shop link", f"/s/{shop.slug}/recorder/", badge=3)]


def portal_owner_nav_items(shop, user):
    RECORD["portal_owner_nav_items"].append({"shop": shop, "user": user})
    return [NavItem("Recorder owner link", f"/s/{shop.slug}/recorder/", badge=7, order=5)]


def portal_slot_shop_home_main(shop, user):
    return _slot("portal_slot_shop_home_main", shop=shop, user=user)


def portal_slot_shop_profile_main(shop, user):
    return _slot("portal_slot_shop_profile_main", shop=shop, user=user)


def portal_slot_product_detail_main(shop, product, user):
    return _slot("portal_slot_product_detail_main", shop=shop, product=product, user=user)


def portal_slot_footer_links(shop):
    return _slot("portal_slot_footer_links", shop=shop)


def portal_slot_page_end(shop, user):
    return _slot("portal_slot_page_end", shop=shop, user=user)


def portal_slot_dashboard_cards(shop, user):
    return _slot("portal_slot_dashboard_cards", shop=shop, user=user)


def portal_shop_module_toggled(shop, plugin, enabled, user):
    RECORD["portal_shop_module_toggled"].append(
        {"shop": shop, "plugin": plugin, "enabled": enabled, "user": user, "in_transaction": db.in_transaction()}
    )


RECORDER = make_plugin(
    "recorder",
    portal_register_plugin, portal_register_models, portal_register_migrations, portal_register_blueprints,
    portal_shop_nav_items, portal_owner_nav_items, portal_slot_shop_home_main, portal_slot_shop_profile_main,
    portal_slot_product_detail_main, portal_slot_footer_links, portal_slot_page_end, portal_slot_dashboard_cards,
    portal_shop_module_toggled,
)


@pytest.fixture
def portal_plugins():
    return [RECORDER]


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def record():
    RECORD.clear()
    yield RECORD
    RECORD.clear()


def _marker(hook: str, slug: str) -> str:
    return f'data-hook="{hook}">{hook} for {slug}</p>'


def _user(email: str) -> User:
    return User.get(User.email == email)


def test_hook_portal_register_plugin(portal_app, owner_client, shop):
    info = portal_app.extensions["portal"].plugins["recorder"].info
    assert (info.name, info.version, info.roles) == ("recorder", "2.3.4", ("owner", "staff"))
    page = owner_client.get(f"/s/{shop.slug}/manage/modules").get_data(as_text=True)
    assert 'id="module-recorder"' in page
    assert "Recorder" in page and "2.3.4" in page and "Writes down every hook call." in page


def test_hook_portal_register_models(portal_app, record):
    registry = portal_app.extensions["portal"]
    assert registry.plugin_models()["recorder"] == [RecorderNote]
    assert record["portal_register_models"] == [{}]
    assert registry.plugin_models()["guestbook"][0].__name__ == "GuestbookEntry"


def test_hook_portal_register_migrations(portal_app, record):
    registry = portal_app.extensions["portal"]
    # Start from a database where the plugin's migration never ran.
    db.drop_tables([RecorderNote], safe=True)
    Migration.delete().where(Migration.app == "recorder").execute()
    assert migrations.pending(registry) == {"recorder": ["0001_notes"]}
    result = migrations.upgrade(registry)
    assert result["recorder"] == ["0001_notes"]
    (call,) = record["migration"]
    assert call["database"] is db.obj and isinstance(call["migrator"], SchemaMigrator)
    assert "recorder_note" in db.get_tables()
    assert Migration.select().where((Migration.app == "recorder") & (Migration.name == "0001_notes")).exists()
    # Applied once: a second upgrade does not call it again.
    assert migrations.upgrade(registry)["recorder"] == []
    assert len(record["migration"]) == 1


def test_hook_portal_register_blueprints(portal_app, client, shop, disable_plugin):
    assert portal_app.extensions["portal"].blueprint_plugin["recorder"] == "recorder"
    page = client.get(f"/s/{shop.slug}/recorder/")
    assert page.status_code == 200 and page.get_data(as_text=True) == f"recorder page of {shop.slug}"
    disable_plugin(shop, "recorder")
    assert client.get(f"/s/{shop.slug}/recorder/").status_code == 404


def test_hook_portal_register_translations(portal_database_url, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    folder = tmp_path / "translations"
    (folder / "id" / "LC_MESSAGES").mkdir(parents=True)
    catalog = Catalog(locale="id")
    catalog.add("A greeting from the recorder", "Salam dari perekam")
    with open(folder / "id" / "LC_MESSAGES" / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    calls = []

    def portal_register_translations():
        calls.append(True)
        return str(folder)

    app = make_test_app(portal_database_url, tmp_path / "app", plugins=[make_plugin("speaker", portal_register_translations)])
    try:
        assert calls == [True]
        assert str(folder) in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
        with app.test_request_context(headers={"Accept-Language": "id"}):
            assert gettext("A greeting from the recorder") == "Salam dari perekam"
        with app.test_request_context(headers={"Accept-Language": "en"}):
            assert gettext("A greeting from the recorder") == "A greeting from the recorder"
    finally:
        db.close()


def test_hook_portal_shop_nav_items(client, customer_client, shop, customer, record):
    page = client.get(f"/s/{shop.slug}/").get_data(as_text=True)
    assert f'href="/s/{shop.slug}/recorder/">Recorder shop link <mark>3</mark></a>' in page
    assert record["portal_shop_nav_items"][-1] == {"shop": shop, "user": None}
    customer_client.get(f"/s/{shop.slug}/")
    call = record["portal_shop_nav_items"][-1]
    assert call["shop"] == shop and call["user"].id == customer.id


def test_hook_portal_owner_nav_items(owner_client, shop, record):
    page = owner_client.get(f"/s/{shop.slug}/manage/").get_data(as_text=True)
    menu = page[page.index('class="backoffice-menu"'):page.index("</nav>", page.index('class="backoffice-menu"'))]
    assert "Recorder owner link <mark>7</mark>" in menu
    # order=5 sorts it between the Dashboard (0) and Modules (90).
    assert menu.index("Dashboard") < menu.index("Recorder owner link") < menu.index("Modules")
    call = record["portal_owner_nav_items"][-1]
    assert call["shop"] == shop and call["user"].id == _user("owner@shop.test").id


def test_hook_portal_slot_shop_home_main(client, shop, record):
    page = client.get(f"/s/{shop.slug}/").get_data(as_text=True)
    assert page.count(_marker("portal_slot_shop_home_main", shop.slug)) == 1
    assert record["portal_slot_shop_home_main"] == [{"shop": shop, "user": None}]


def test_hook_portal_slot_shop_profile_main(customer_client, shop, customer, record):
    page = customer_client.get(f"/s/{shop.slug}/profile").get_data(as_text=True)
    assert page.count(_marker("portal_slot_shop_profile_main", shop.slug)) == 1
    (call,) = record["portal_slot_shop_profile_main"]
    assert call["shop"] == shop and call["user"].id == customer.id


def test_hook_portal_slot_product_detail_main(client, shop, record):
    product = Product.create(shop=shop, name="Sepatu Pantofel", slug="pantofel", price=450000, stock=2)
    page = client.get(f"/s/{shop.slug}/p/{product.slug}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count(_marker("portal_slot_product_detail_main", shop.slug)) == 1
    (call,) = record["portal_slot_product_detail_main"]
    assert call == {"shop": shop, "product": product, "user": None}


def test_hook_portal_slot_footer_links(client, shop, record):
    page = client.get(f"/s/{shop.slug}/profile").get_data(as_text=True)
    footer = page[page.index("<footer"):]
    assert footer.count(_marker("portal_slot_footer_links", shop.slug)) == 1
    assert record["portal_slot_footer_links"] == [{"shop": shop}]
    # Platform pages belong to no shop: nobody is asked.
    client.get("/")
    assert len(record["portal_slot_footer_links"]) == 1


def test_hook_portal_slot_page_end(client, shop, record):
    page = client.get(f"/s/{shop.slug}/").get_data(as_text=True)
    end = page[page.index("</footer>"):]
    assert end.count(_marker("portal_slot_page_end", shop.slug)) == 1
    assert record["portal_slot_page_end"] == [{"shop": shop, "user": None}]


def test_hook_portal_slot_dashboard_cards(staff_client, shop, record):
    page = staff_client.get(f"/s/{shop.slug}/manage/").get_data(as_text=True)
    cards = page[page.index('class="cards"'):]
    assert cards.count(_marker("portal_slot_dashboard_cards", shop.slug)) == 1
    (call,) = record["portal_slot_dashboard_cards"]
    assert call["shop"] == shop and call["user"].id == _user("staff@shop.test").id


def test_hook_portal_shop_module_toggled(owner_client, shop, record, disable_plugin):
    owner = _user("owner@shop.test")
    response = owner_client.post(f"/s/{shop.slug}/manage/modules/guestbook/switch", data={})
    assert response.status_code == 303
    (call,) = record["portal_shop_module_toggled"]
    assert call["shop"] == shop and call["plugin"] == "guestbook" and call["enabled"] is False
    assert call["user"].id == owner.id
    assert call["in_transaction"] is False  # told after the commit
    # The plugin switched off hears about its own switch once ...
    owner_client.post(f"/s/{shop.slug}/manage/modules/recorder/switch", data={})
    assert [(c["plugin"], c["enabled"]) for c in record["portal_shop_module_toggled"]][-1] == ("recorder", False)
    # ... and, being off, nothing else afterwards.
    owner_client.post(f"/s/{shop.slug}/manage/modules/guestbook/switch", data={"switch-guestbook-enabled": "y"})
    assert len(record["portal_shop_module_toggled"]) == 2
    # Switching to the state it already has tells nobody.
    owner_client.post(f"/s/{shop.slug}/manage/modules/guestbook/switch", data={"switch-guestbook-enabled": "y"})
    assert len(record["portal_shop_module_toggled"]) == 2


def test_slots_render_inside_templates_with_the_shop_of_the_page(portal_app, shop, record):
    with portal_app.test_request_context(f"/s/{shop.slug}/"):
        g.shop = shop
        html = render_template_string("{{ slot('shop_home_main') }}")
    assert _marker("portal_slot_shop_home_main", shop.slug) in html
