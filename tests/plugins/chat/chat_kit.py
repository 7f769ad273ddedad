"""Helpers shared by the chat tests."""
from __future__ import annotations

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}
WIDGET = "/s/workshop/chat/"
INBOX = "/s/workshop/chat/manage/"


def text(response) -> str:
    return response.get_data(as_text=True)


def start(client, body="Halo, ada ukuran 42?", name="Budi", email="budi@example.test", htmx=True, shop="workshop", **extra):
    data = {"chat-name": name, "chat-email": email, "chat-body": body, **extra}
    url = f"/s/{shop}/chat/"
    return client.post(url, data=data, headers=HX if htmx else EN)


def say(client, body, htmx=True, shop="workshop"):
    return client.post(f"/s/{shop}/chat/", data={"chat-body": body}, headers=HX if htmx else EN)


def reply(client, conversation_id, body, htmx=True, shop="workshop"):
    return client.post(f"/s/{shop}/chat/manage/{conversation_id}/reply", data={"chat-body": body},
                       headers=HX if htmx else EN)
