"""Who may read and post, rate limits, the disabled plugin, offline e-mail and hostile input."""
from __future__ import annotations

import pytest
from chat_kit import EN, HX, INBOX, WIDGET, reply, say, start, text

from plugins.chat import models
from plugins.chat.models import ChatConversation, ChatMessage
from portal.core.models import OutboxMail, User
from portal.testing import make_client


@pytest.fixture
def conv(client, available):
    assert start(client, body="Pesan rahasia pelanggan").status_code == 200
    return ChatConversation.get()


def test_only_the_team_of_the_shop_reads_the_inbox(client, customer_client, other_customer_client, owner_client,
                                                   staff_client, supplier_client, courier_client,
                                                   other_owner_client, admin_client, conv):
    url = f"{INBOX}{conv.id}"
    for c in (owner_client, staff_client):
        assert c.get(INBOX, headers=EN).status_code == 200
        assert "Pesan rahasia pelanggan" in text(c.get(url, headers=EN))
    assert client.get(url).status_code in (302, 303)
    for c in (customer_client, other_customer_client, supplier_client, courier_client, other_owner_client,
              admin_client):
        answer = c.get(url, headers=EN)
        assert answer.status_code == 403 and "Pesan rahasia" not in text(answer)
        assert reply(c, conv.id, "menyusup").status_code == 403
    assert ChatMessage.select().where(ChatMessage.body == "menyusup").count() == 0


def test_another_shops_team_gets_404_for_this_shops_conversation(other_owner_client, other_shop, enable_plugin,
                                                                 conv):
    enable_plugin(other_shop, "chat")
    url = f"/s/othershop/chat/manage/{conv.id}"
    assert other_owner_client.get(url, headers=EN).status_code == 404
    assert reply(other_owner_client, conv.id, "menyusup", shop="othershop").status_code == 404
    assert other_owner_client.get(f"{url}/messages?since=0").status_code == 404


def test_a_visitor_only_ever_sees_their_own_conversation(portal_app, client, customer_client, other_customer_client,
                                                         conv):
    # Another browser (a guest with no cookie, or with a forged one) and other customers see a fresh widget.
    stranger = make_client(portal_app)
    stranger.set_cookie("portal_chat", "forged.cookie")
    for c in (stranger, customer_client, other_customer_client):
        panel = text(c.get(WIDGET, headers=HX))
        assert ("Pesan rahasia" not in panel and "Your name" in panel) or "Message" in panel
        assert "Pesan rahasia" not in text(c.get("/s/workshop/chat/messages?since=0", headers=HX))
        assert c.get("/s/workshop/chat/stream", buffered=True).status_code == 204
    # Their messages start their own conversation, never land in the guest's.
    assert say(customer_client, "Saya pelanggan A").status_code == 200
    assert ChatMessage.select().where(ChatMessage.conversation == conv).count() == 1
    a = ChatConversation.get(ChatConversation.customer.is_null(False))
    assert a.id != conv.id and a.name == "Customer A"
    # The guest keeps theirs.
    assert "Pesan rahasia pelanggan" in text(client.get(WIDGET, headers=HX))


def test_guest_cookie_is_signed_httponly_and_lax(client, available):
    answer = start(client)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "." in cookie.split("=", 1)[1].split(";")[0]  # signed value


def test_registered_customer_is_not_asked_for_a_name(customer_client, available):
    panel = text(customer_client.get(WIDGET, headers=HX))
    assert "Your name" not in panel
    assert say(customer_client, "Halo dari akun").status_code == 200
    conv = ChatConversation.get()
    assert (conv.name, conv.email, conv.customer_id is not None) == ("Customer A", "customer@example.test", True)


def test_message_length_cap_and_empty_message(client, available):
    too_long = start(client, body="x" * 2001)
    assert too_long.status_code == 200 and "at most 2000 characters" in text(too_long)
    assert ChatConversation.select().count() == 0
    assert "Write a message first." in text(start(client, body="   "))
    assert start(client, body="y" * 2000).status_code == 200
    assert ChatMessage.get().body == "y" * 2000


def test_a_flood_gets_a_polite_429_not_a_crash(client, owner_client, available):
    start(client)
    answers = [say(client, f"spam {i}") for i in range(12)]
    codes = [a.status_code for a in answers]
    assert 429 in codes and all(c in (200, 429) for c in codes)
    refused = answers[codes.index(429)]
    assert "sending messages very quickly" in text(refused) and "<html" not in text(refused)
    assert ChatMessage.select().count() == 1 + codes.count(200)
    # The team is limited too, per sender.
    conv = ChatConversation.get()
    team_codes = [reply(owner_client, conv.id, f"balas {i}").status_code for i in range(12)]
    assert 429 in team_codes and set(team_codes) <= {200, 429}


def test_disabled_plugin_hides_widget_404s_and_keeps_history(client, owner_client, shop, disable_plugin,
                                                             enable_plugin, conv):
    disable_plugin(shop, "chat")
    assert 'id="chat-widget"' not in text(client.get("/s/workshop/", headers=EN))
    for url in (WIDGET, "/s/workshop/chat/stream", "/s/workshop/chat/messages", "/s/workshop/chat/launcher"):
        assert client.get(url).status_code == 404
    assert say(client, "masih ada?").status_code == 404
    assert owner_client.get(INBOX).status_code == 404
    assert owner_client.get(f"{INBOX}{conv.id}").status_code == 404
    dashboard = text(owner_client.get("/s/workshop/manage/", headers=EN))
    assert "chat-card" not in dashboard and "/chat/manage/" not in dashboard
    assert ChatMessage.select().count() == 1
    enable_plugin(shop, "chat")
    assert "Pesan rahasia pelanggan" in text(client.get(WIDGET, headers=HX))


def test_enabled_plugin_shows_exactly_one_widget_and_a_nav_badge(client, owner_client, conv):
    page = text(client.get("/s/workshop/", headers=EN))
    assert page.count('id="chat-widget"') == 1 and page.count("htmx-ext-sse-2.2.4/sse.min") == 1
    dashboard = text(owner_client.get("/s/workshop/manage/", headers=EN))
    assert "/s/workshop/chat/manage/" in dashboard and "<mark>1</mark>" in dashboard
    page = text(owner_client.get(f"{INBOX}{conv.id}"))
    assert models.unread_for_team(conv.shop) == 1  # a GET changes nothing
    assert f'hx-post="/s/workshop/chat/manage/{conv.id}/read"' in page
    assert owner_client.post(f"{INBOX}{conv.id}/read", headers=HX).status_code == 204  # the page says "shown"
    assert models.unread_for_team(conv.shop) == 0


def test_nav_badge_is_one_query(conv, available, query_counter):
    with query_counter() as q:
        assert models.unread_for_team(available) == 1
    assert q.count == 1


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klik</a>',
    '<div hx-get="/s/workshop/chat/manage/" hx-trigger="load">x</div>',
    "a\u200bb\u202eevil",
]


def test_hostile_text_is_inert_everywhere(client, owner_client, available):
    start(client, name='<img src=x onerror=alert(1)>', body=HOSTILE[0])
    for body in HOSTILE[1:]:
        assert say(client, body).status_code == 200
    conv = ChatConversation.get()
    reply(owner_client, conv.id, "<script>balas()</script>")
    pages = [
        text(client.get(WIDGET, headers=HX)), text(client.get(WIDGET, headers=EN)),
        text(owner_client.get(INBOX, headers=EN)), text(owner_client.get(f"{INBOX}{conv.id}", headers=EN)),
        text(owner_client.get(f"{INBOX}{conv.id}", headers=HX)),
        text(client.get("/s/workshop/chat/messages?since=0", headers=HX)),
    ]
    for page in pages:
        assert "<script>alert" not in page and "<script>balas" not in page
        assert "<img src=x" not in page and 'hx-trigger="load"' not in page
        assert '<a href="javascript:' not in page
        assert "\u202e" not in page and "\u200b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[3]


def test_ten_thousand_characters_are_refused_politely(client, available):
    answer = start(client, body="a" * 10000)
    assert answer.status_code == 200 and "at most 2000" in text(answer)


def test_search_is_literal(owner_client, client, available):
    start(client, name="Persen", body="diskon 100% ya")
    other = make_client(owner_client.application)
    start(other, name="Biasa", body="halo saja", email="b@example.test")
    found = text(owner_client.get(f"{INBOX}?q=100%25&status=all", headers=EN))
    assert "Persen" in found and "Biasa" not in found
    wildcard = text(owner_client.get(f"{INBOX}?q=%25&status=all", headers=EN))
    assert "Persen" in wildcard and "Biasa" not in wildcard
    underscore = text(owner_client.get(f"{INBOX}?q=_&status=all", headers=EN))
    assert "Persen" not in underscore and "Biasa" not in underscore
    by_mail = text(owner_client.get(f"{INBOX}?q=B%40EXAMPLE&status=all", headers=EN))
    assert "Biasa" in by_mail


def test_assign_close_and_reopen(owner_client, staff_client, conv):
    staff = User.get(User.email == "staff@shop.test")
    answer = owner_client.post(f"{INBOX}{conv.id}/assign", data={"assign-assignee": str(staff.id)}, headers=HX)
    assert answer.status_code == 200 and "Assigned to Staff" in text(answer)
    assert ChatConversation.get_by_id(conv.id).assigned_to_id == staff.id
    mine = text(staff_client.get(f"{INBOX}?mine=1", headers=EN))
    assert "Budi" in mine
    outsider = User.get(User.email == "supplier@shop.test")
    bad = owner_client.post(f"{INBOX}{conv.id}/assign", data={"assign-assignee": str(outsider.id)}, headers=HX)
    assert bad.status_code == 400
    assert "Conversation closed." in text(owner_client.post(f"{INBOX}{conv.id}/close", headers=HX))
    assert ChatConversation.get_by_id(conv.id).status == "closed"
    assert "Budi" not in text(owner_client.get(INBOX, headers=EN))
    assert "Budi" in text(owner_client.get(f"{INBOX}?status=closed", headers=EN))
    assert "Conversation reopened." in text(owner_client.post(f"{INBOX}{conv.id}/reopen", headers=HX))


def test_offline_widget_asks_for_email_and_replies_go_by_mail(client, owner_client, chat_shop):
    panel = text(client.get(WIDGET, headers=HX))
    assert "Nobody is available right now" in panel
    without = start(client, email="")
    assert "Leave your e-mail so we can answer you." in text(without)
    assert start(client, email="budi@example.test").status_code == 200
    conv = ChatConversation.get()
    # The team hears about the new conversation by e-mail.
    # (in each member's language: Indonesian here, as they have none set)
    team_mail = {m.to for m in OutboxMail.select() if "/s/workshop/chat/manage/" in m.body_text}
    assert team_mail == {"owner@shop.test", "staff@shop.test"}
    # The customer has left (their widget has not asked for news since).
    from plugins.chat.fanout import broker_for

    broker_for(owner_client.application)._seen.clear()
    reply(owner_client, conv.id, "Ukuran 42 tersedia.")
    [mail] = OutboxMail.select().where(OutboxMail.to == "budi@example.test")
    assert "Ukuran 42 tersedia." in mail.body_text and "/s/workshop/chat/" in mail.body_text
    assert ChatMessage.get(ChatMessage.body == "Ukuran 42 tersedia.").emailed_at is not None


def test_no_reply_mail_while_the_customer_is_in_the_chat(client, owner_client, conv):
    client.get(WIDGET, headers=HX)  # the widget is open right now
    reply(owner_client, conv.id, "Langsung dijawab")
    assert OutboxMail.select().where(OutboxMail.to == "budi@example.test").count() == 0


def test_presence_switch(staff_client, chat_shop):
    staff = User.get(User.email == "staff@shop.test")
    on = staff_client.post("/s/workshop/chat/manage/available", headers=HX)
    assert on.status_code == 200 and "You are available for chat." in text(on)
    assert models.available_team(chat_shop) == [staff.id]
    off = staff_client.post("/s/workshop/chat/manage/away", headers=HX)
    assert "You are away." in text(off) and models.available_team(chat_shop) == []


def test_chat_from_an_order_page_links_the_order(portal_app, customer_client, owner_client, customer, available):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core"))
    from orders_testkit import make_product, place

    product = make_product(available)
    order = place(available, [(product, 1)], customer=customer)
    page = text(customer_client.get(f"/s/workshop/orders/{order.number}", headers=EN))
    assert "Chat with us about" in page
    import re

    link = re.search(r'href="(/s/workshop/chat/\?order=[^"]+)"', page).group(1).replace("&amp;", "&")
    panel = text(customer_client.get(link, headers=HX))
    assert f"About order {order.number}" in panel
    token = re.search(r'name="chat-order_ref" type="hidden" value="([^"]+)"', panel).group(1)
    customer_client.post(WIDGET, data={"chat-body": "Kapan dikirim?", "chat-order_ref": token}, headers=HX)
    conv = ChatConversation.get()
    assert conv.order_id == order.id
    staff_view = text(owner_client.get(f"{INBOX}{conv.id}", headers=EN))
    assert f"Order {order.number}" in staff_view
    # A forged reference links nothing.
    other = make_client(portal_app)
    start(other, body="x", **{"chat-order_ref": "forged"})
    assert ChatConversation.select().where(ChatConversation.order == order).count() == 1


def test_customer_profile_slot_lists_their_conversations(portal_app, customer_client, customer, available):
    say(customer_client, "Halo")
    owner = User.get(User.email == "owner@shop.test")
    with portal_app.test_request_context("/s/workshop/manage/"):
        [(_name, html)] = [r for r in portal_app.extensions["portal"].call_isolated(
            "portal_slot_customer_profile", available, shop=available, customer=customer, user=owner)
            if r[0] == "chat"]
    assert "<h2>Chat</h2>" in html and "/s/workshop/chat/manage/" in html


def test_after_closing_the_next_message_starts_a_new_conversation(client, owner_client, conv):
    owner_client.post(f"{INBOX}{conv.id}/close", headers=HX)
    panel = text(client.get(WIDGET, headers=HX))
    assert 'value="Budi"' in panel  # the guest is not asked who they are again
    assert start(client, body="Pertanyaan baru").status_code == 200
    new = ChatConversation.select().order_by(ChatConversation.id.desc()).first()
    assert new.id != conv.id and new.guest_key == conv.guest_key and new.status == "open"
    page = text(owner_client.get(f"{INBOX}{new.id}", headers=EN))
    assert "Earlier conversations" in page and f"/chat/manage/{conv.id}" in page


def test_owner_order_page_lists_the_chats_about_it(customer_client, owner_client, customer, available):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core"))
    from orders_testkit import make_product, place

    order = place(available, [(make_product(available), 1)], customer=customer)
    say(customer_client, "Soal pesanan")
    conv = ChatConversation.get()
    before = text(owner_client.get(f"/s/workshop/manage/orders/{order.number}", headers=EN))
    assert "Chat about this order" not in before
    ChatConversation.update(order=order).where(ChatConversation.id == conv.id).execute()
    after = text(owner_client.get(f"/s/workshop/manage/orders/{order.number}", headers=EN))
    assert "Chat about this order" in after and f"/s/workshop/chat/manage/{conv.id}" in after


def test_the_chat_works_without_javascript(client, owner_client, available):
    first = start(client, body="Tanpa JavaScript", htmx=False)
    assert first.status_code == 303 and first.headers["Location"].endswith("/s/workshop/chat/")
    assert say(client, "Pesan kedua", htmx=False).status_code == 303
    page = text(client.get(WIDGET, headers=EN))
    assert "<html" in page and "Tanpa JavaScript" in page and "Pesan kedua" in page
    conv = ChatConversation.get()
    answered = reply(owner_client, conv.id, "Dijawab", htmx=False)
    assert answered.status_code == 303
    invalid = say(client, "", htmx=False)
    assert invalid.status_code == 200 and "Write a message first." in text(invalid) and "<html" in text(invalid)
