"""Hostile text in names, messages and replies stays text: in full pages and in every fragment.
Also: switched off, every route of the guestbook answers 404 and its data (replies too) stays."""
from __future__ import annotations

import re

import pytest
from guestbook_kit import entry_data

from plugins.guestbook.models import GuestbookEntry
from portal.core.models import User

INDEX = "/s/workshop/guestbook/"
QUEUE = "/s/workshop/guestbook/manage/"
HX = {"HX-Request": "true"}

HOSTILE = {
    "script": '<script>alert("gb")</script>',
    "onerror": '<img src=x onerror="alert(1)">',
    "javascript": '<a href="javascript:alert(1)">klik</a>',
    "hx-get": '<div hx-get="/admin/" hx-trigger="load">muat</div>',
    "attr-break": '" hx-post="/logout" x="',
    "zero-width": "Bu\u200bdi\u200d\ufeff",
    "rtl": "\u202egnp.exe\u202c Budi",
    "long": "panjang " * 1250,  # 10 000 characters
}
# What must never appear raw in a page when the corpus is shown as text.
RAW = ['<script>alert("gb")', "<img src=x", 'onerror="alert', 'href="javascript:', '<div hx-get="/admin/"',
       'hx-post="/logout"']


def text(response) -> str:
    return response.get_data(as_text=True)


def assert_inert(body: str, where: str):
    for raw in RAW:
        assert raw not in body, f"{where}: {raw!r} came through unescaped"


@pytest.fixture
def hostile_entries(shop, customer):
    owner = User.get(User.email == "owner@shop.test")
    rows = []
    for i, (key, value) in enumerate(HOSTILE.items()):
        rows.append(GuestbookEntry.create(
            shop=shop, user=customer, name=value[:80], message=value, rating=(i % 5) + 1, reply=value,
            replied_by=owner, is_hidden=key == "long", is_pending=key == "long",
        ))
    return rows


def test_corpus_is_inert_in_full_pages(client, owner_client, hostile_entries):
    pages = {
        "index (visitor)": client.get(INDEX),
        "index (owner)": owner_client.get(INDEX),
        "profile": client.get("/s/workshop/profile"),
        "queue": owner_client.get(QUEUE),
        "entry page": client.get(f"{INDEX}{hostile_entries[0].id}"),
        "delete question": owner_client.get(f"{INDEX}{hostile_entries[1].id}/delete"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_inert(text(response), where)
    index = text(pages["index (visitor)"])
    assert "&lt;script&gt;alert(&#34;gb&#34;)&lt;/script&gt;" in index
    assert "&lt;div hx-get=&#34;/admin/&#34;" in index


def test_corpus_is_inert_in_fragments(client, owner_client, hostile_entries, portal_app, shop, customer):
    e = hostile_entries
    fragments = {
        "list": client.get(INDEX, headers=HX),
        "queue": owner_client.get(QUEUE, headers=HX),
        "entry": owner_client.get(f"{INDEX}{e[2].id}", headers=HX),
        "delete question": owner_client.get(f"{INDEX}{e[3].id}/delete", headers=HX),
        "hide": owner_client.post(f"{INDEX}{e[4].id}/hide", headers=HX),
        "reply": owner_client.post(f"{INDEX}{e[0].id}/reply", data={"reply-reply": HOSTILE["hx-get"]}, headers=HX),
    }
    for where, response in fragments.items():
        assert response.status_code == 200, where
        assert "<html" not in text(response), where
        assert_inert(text(response), where)
    owner = User.get(User.email == "owner@shop.test")
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        reg = portal_app.extensions["portal"]
        section = dict(reg.call_isolated("portal_slot_customer_profile", shop, shop=shop, customer=customer, user=owner))
        profile = str(reg.render_slot("shop_profile_main", shop, user=None))
    assert_inert(section["guestbook"], "customer profile slot")
    assert_inert(profile, "shop profile slot")


@pytest.mark.parametrize("key", ["script", "onerror", "javascript", "hx-get", "attr-break"])
def test_posting_the_corpus_stores_it_as_text_and_echoes_it_escaped(client, shop, key):
    value = HOSTILE[key]
    answer = client.post(INDEX, data=entry_data(**{"gb-name": value[:80], "gb-message": value}), headers=HX)
    assert answer.status_code == 200
    assert_inert(text(answer), f"posted {key}")
    stored = GuestbookEntry.get()
    assert stored.message == value.strip()


def test_over_long_text_is_refused_and_echoed_escaped(client, shop):
    long = HOSTILE["long"] + HOSTILE["script"]
    for headers in ({}, HX):
        answer = client.post(INDEX, data=entry_data(**{"gb-message": long, "gb-name": "n" * 81}), headers=headers)
        body = text(answer)
        assert "Field cannot be longer than 2000 characters." in body
        assert "Field cannot be longer than 80 characters." in body
        assert_inert(body, "too long")
    assert GuestbookEntry.select().count() == 0


def test_invisible_and_direction_characters_are_removed_on_input(client, shop):
    client.post(INDEX, data=entry_data(**{"gb-name": HOSTILE["rtl"], "gb-message": "Sepa\u200btu \u202ebagus\u202c 👨\u200d👩\u200d👧"}))
    entry = GuestbookEntry.get()
    assert entry.name == "gnp.exe Budi"
    # Zero-width spaces and overrides go; the joiners that build an emoji family stay.
    assert entry.message == "Sepatu bagus 👨\u200d👩\u200d👧"


def test_zero_width_only_name_is_refused(client, shop):
    answer = client.post(INDEX, data=entry_data(**{"gb-name": "\u200b\u200d\ufeff"}))
    assert '<small id="gb-name-error" class="field-error">This field is required.</small>' in text(answer)
    assert GuestbookEntry.select().count() == 0


def test_stored_direction_characters_are_isolated_on_the_page(client, shop, add_entries):
    add_entries(shop, 1, name=HOSTILE["rtl"], message=HOSTILE["rtl"])
    page = text(client.get(INDEX))
    # The text is shown as written, inside elements the stylesheet isolates.
    assert re.search(r"<strong>\u202egnp\.exe\u202c Budi</strong>", page)
    from pathlib import Path

    css = (Path(__file__).resolve().parents[3] / "static" / "css" / "plugins.css").read_text()
    block = css[css.index("/* ---- guestbook ---- */"):css.index("/* ---- end guestbook ---- */")]
    assert ".guestbook .entry-head strong, .guestbook .entry-message" in block and "unicode-bidi: isolate" in block


# ---------------------------------------------------------------------------
# switched off: every route 404, the data kept, back when switched on
# ---------------------------------------------------------------------------


def test_switched_off_every_route_is_404_and_replies_stay(client, owner_client, staff_client, shop, add_entries,
                                                          disable_plugin, enable_plugin):
    (entry,) = add_entries(shop, 1, name="Loyal", reply="Terima kasih!")
    (waiting,) = add_entries(shop, 1, pending=True, name="Waiting")
    disable_plugin(shop, "guestbook")
    for c in (client, owner_client, staff_client):
        assert c.get(INDEX).status_code == 404
        assert c.get(QUEUE).status_code == 404
        assert c.get(f"{INDEX}{entry.id}").status_code == 404
        assert c.get(f"{INDEX}{entry.id}/delete").status_code == 404
        for action in ("hide", "show", "reply", "delete"):
            assert c.post(f"{INDEX}{entry.id}/{action}", data={"reply-reply": "x"}).status_code == 404
    assert client.post(INDEX, data=entry_data()).status_code == 404
    assert "Terima kasih!" not in text(client.get("/s/workshop/profile"))
    manage = text(owner_client.get("/s/workshop/manage/"))
    assert f'href="{INDEX}"' not in manage and "waiting for approval" not in manage
    kept = GuestbookEntry.get_by_id(entry.id)
    assert kept.reply == "Terima kasih!" and GuestbookEntry.get_by_id(waiting.id).is_pending
    enable_plugin(shop, "guestbook")
    assert "Terima kasih!" in text(client.get(INDEX))
    assert "Waiting" in text(owner_client.get(QUEUE))


def test_enabled_the_profile_has_exactly_one_guestbook(client, shop, add_entries):
    add_entries(shop, 2)
    page = text(client.get("/s/workshop/profile"))
    assert page.count('<section id="guestbook"') == 1
    assert page.count('class="guestbook-form"') == 1
