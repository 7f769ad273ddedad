"""The chat end to end through the test client: widget, first message, inbox, reply."""
from __future__ import annotations

from chat_kit import EN, HX, INBOX, WIDGET, reply, say, start, text

from plugins.chat.models import ChatConversation, ChatMessage


def test_guest_starts_and_team_answers(client, owner_client, available):
    home = text(client.get("/s/workshop/", headers=EN))
    assert 'id="chat-widget"' in home and home.count('id="chat-widget"') == 1
    panel = client.get(WIDGET, headers=HX)
    assert panel.status_code == 200 and "Your name" in text(panel)
    answer = start(client, name="Budi", body="Ada sepatu ukuran 44?")
    assert answer.status_code == 200, text(answer)
    assert "portal_chat=" in answer.headers.get("Set-Cookie", "")
    conv = ChatConversation.get()
    assert (conv.name, conv.customer_id, conv.unread_staff) == ("Budi", None, 1)
    again = say(client, "Warna hitam ya")
    assert again.status_code == 200 and "Warna hitam ya" in text(again)
    assert ChatMessage.select().count() == 2
    inbox = owner_client.get(INBOX, headers=EN)
    assert inbox.status_code == 200 and "Budi" in text(inbox)
    page = owner_client.get(f"{INBOX}{conv.id}", headers=EN)
    assert "Warna hitam ya" in text(page)
    r = reply(owner_client, conv.id, "Ada, Pak.")
    assert r.status_code == 200 and "Ada, Pak." in text(r)
    assert "Ada, Pak." in text(client.get(WIDGET, headers=HX))
