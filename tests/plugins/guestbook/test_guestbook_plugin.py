"""The guestbook as a plugin: metadata, migration, profile fragment, menu link, dashboard card, on/off."""
from __future__ import annotations

import re

from plugins.guestbook.forms import GuestbookSettingsForm
from plugins.guestbook.models import GuestbookEntry
from portal.core.db import db
from portal.core.models import Migration
from portal.core.plugins import plugin_settings

PROFILE = "/s/workshop/profile"
INDEX = "/s/workshop/guestbook/"


def text(response) -> str:
    return response.get_data(as_text=True)


def fragment(page: str) -> str:
    """The guestbook section of a page ('' when absent)."""
    match = re.search(r'<section id="guestbook".*?</section>', page, re.DOTALL)
    return match.group(0) if match else ""


def test_declares_its_metadata(portal_app):
    info = portal_app.extensions["portal"].plugins["guestbook"].info
    assert info.name == "guestbook" and info.version == "1.0.0"
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(info.label) == "Guestbook" and "message" in str(info.description)
    assert info.roles == ("customer", "owner", "staff")
    assert info.settings_form is GuestbookSettingsForm
    assert info.default_enabled is True


def test_its_migration_made_the_table(portal_app):
    assert "guestbook_entry" in db.get_tables()
    for step in ("0001_initial", "0002_replies_and_queue"):
        assert Migration.select().where((Migration.app == "guestbook") & (Migration.name == step)).exists()
    columns = {c.name for c in db.get_columns("guestbook_entry")}
    assert {"shop_id", "user_id", "name", "message", "rating", "is_hidden", "created_at"} <= columns
    assert {"is_pending", "reply", "replied_at", "replied_by_id"} <= columns


def test_settings_default_to_no_approval(portal_app, shop):
    assert plugin_settings(shop, "guestbook") == {"require_approval": False}


def test_profile_shows_latest_five_visible_entries_link_and_form(client, shop, add_entries):
    add_entries(shop, 7)
    add_entries(shop, 1, hidden=True, name="Spammer", start=shop.created_at)
    section = fragment(text(client.get(PROFILE)))
    assert section, "the guestbook fragment is missing from the profile"
    names = re.findall(r"<strong>(Visitor \d+)</strong>", section)
    assert names == ["Visitor 7", "Visitor 6", "Visitor 5", "Visitor 4", "Visitor 3"]
    assert "Spammer" not in section
    assert f'href="{INDEX}"' in section and "All entries" in section
    assert 'name="gb-message"' in section and 'name="gb-csrf_token"' in section
    # Visitors get no moderation buttons.
    assert "/hide" not in section


def test_profile_fragment_for_staff_has_hide_buttons(staff_client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    section = fragment(text(staff_client.get(PROFILE)))
    assert f'action="/s/workshop/guestbook/{entry.id}/hide"' in section


def test_logged_in_visitor_finds_their_name_filled_in(customer_client, shop):
    section = fragment(text(customer_client.get(PROFILE)))
    assert 'value="Customer A"' in section


def test_storefront_menu_links_to_the_guestbook(client, shop):
    page = text(client.get("/s/workshop/"))
    assert f'<a href="{INDEX}">Guestbook</a>' in page


def test_dashboard_card_counts_entries(owner_client, shop, add_entries):
    add_entries(shop, 3)
    add_entries(shop, 2, hidden=True)
    page = text(owner_client.get("/s/workshop/manage/"))
    card = page[page.index('<h3>Guestbook</h3>'):]
    card = card[:card.index("</article>")]
    assert "<strong>3</strong> public entries" in card
    assert "2 hidden entries" in card
    assert f'href="{INDEX}"' in card


def test_switched_off_hides_everything_and_keeps_the_entries(client, owner_client, shop, add_entries, disable_plugin, enable_plugin):
    (old,) = add_entries(shop, 1, name="Loyal Customer", message="Sepatunya awet!")
    disable_plugin(shop, "guestbook")
    profile = text(client.get(PROFILE))
    assert client.get(PROFILE).status_code == 200
    assert fragment(profile) == "" and "Loyal Customer" not in profile
    assert f'href="{INDEX}"' not in text(client.get("/s/workshop/"))
    assert client.get(INDEX).status_code == 404
    assert client.post(INDEX, data={"gb-name": "X", "gb-message": "Y"}).status_code == 404
    assert owner_client.post(f"{INDEX}{old.id}/hide").status_code == 404
    # Other plugins bring cards of their own; the guestbook's is gone.
    assert "Open the guestbook" not in text(owner_client.get("/s/workshop/manage/"))
    assert GuestbookEntry.select().where(GuestbookEntry.shop == shop).count() == 1
    enable_plugin(shop, "guestbook")
    section = fragment(text(client.get(PROFILE)))
    assert "Loyal Customer" in section and "Sepatunya awet!" in section
    assert client.get(INDEX).status_code == 200


def test_switched_off_in_one_shop_only(client, shop, other_shop, add_entries, disable_plugin):
    add_entries(shop, 1, name="Workshop fan")
    add_entries(other_shop, 1, name="Other fan")
    disable_plugin(shop, "guestbook")
    assert fragment(text(client.get(PROFILE))) == ""
    other = fragment(text(client.get("/s/othershop/profile")))
    assert "Other fan" in other and "Workshop fan" not in other


def test_back_office_menu_links_to_the_guestbook(owner_client, staff_client, shop, add_entries):
    from portal.core.models import ShopModule

    def menu(c):
        page = text(c.get("/s/workshop/manage/"))
        start = page.index('class="backoffice-menu"')
        return page[start:page.index("</nav>", start)]

    add_entries(shop, 1, hidden=True, name="Hidden by hand")
    assert f'<a href="{INDEX}">Guestbook</a>' in menu(owner_client)
    assert f'<a href="{INDEX}">Guestbook</a>' in menu(staff_client)
    add_entries(shop, 2, pending=True)
    # Entries held for approval: the menu counts the ones waiting (not those hidden on purpose).
    assert f'<a href="{INDEX}">Guestbook <mark>2</mark></a>' in menu(owner_client)
    ShopModule.create(shop=shop, plugin="guestbook", enabled=True, settings={"require_approval": True})
    assert f'<a href="{INDEX}">Guestbook <mark>2</mark></a>' in menu(staff_client)


def test_demo_data_is_believable_and_loaded_once(portal_app, client):
    from plugins.guestbook import demo
    from portal.testing import make_shop, make_user

    make_user("owner@demo.test", "Pak Asep")
    buyer = make_user("customer@demo.test", "Budi Santoso")
    cibaduyut = make_shop("cibaduyut", name="Sepatu Kulit Cibaduyut")
    batik = make_shop("laweyan")
    first = demo.load(cibaduyut)
    assert demo.load(cibaduyut) == first == {"guestbook entries": 12}
    assert demo.load(batik) is None
    rows = list(GuestbookEntry.select().where(GuestbookEntry.shop == cibaduyut))
    assert sum(1 for r in rows if r.reply) >= 4
    assert sum(1 for r in rows if r.is_pending) == 1 and sum(1 for r in rows if r.is_hidden) == 2
    assert any(r.user_id == buyer.id for r in rows)
    page = text(client.get("/s/cibaduyut/guestbook/", headers={"Accept-Language": "id"}))
    assert "Balasan dari Sepatu Kulit Cibaduyut" in page and "JUAL FOLLOWER" not in page


def test_the_second_migration_keeps_old_entries_and_runs_once(portal_app, shop, add_entries):
    from plugins.guestbook import models
    from portal.core.migrations import make_migrator

    (old,) = add_entries(shop, 1, name="Before 0002", rating=4)
    # Run again on a table that already has the columns (a database upgraded by hand, say): nothing changes.
    with db.atomic():
        models._replies_and_queue(db.obj, make_migrator())
    row = GuestbookEntry.get_by_id(old.id)
    assert (row.name, row.rating, row.is_pending, row.reply, row.replied_at) == ("Before 0002", 4, False, "", None)
