"""Real time: a posted message reaches an open stream, in process and through Redis; polling fallback."""
from __future__ import annotations

import os
import threading
import time

import pytest
from chat_kit import EN, HX, reply, say, start, text

from plugins.chat import fanout, notify
from plugins.chat.models import ChatConversation

# Streams are read with ``buffered=True``: the test client then reads them inside the request's
# own context (a real server iterates them in the request's thread anyway).
STREAM = "/s/workshop/chat/stream"
INBOX_STREAM = "/s/workshop/chat/manage/stream"


def _open_stream(client, url, out):
    def run():
        response = client.get(url, headers=EN, buffered=True)
        out["status"] = response.status_code
        out["type"] = response.headers.get("Content-Type", "")
        out["body"] = text(response)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for_listener(app, channel):
    broker = fanout.broker_for(app)
    for _ in range(400):
        if broker.listeners(channel):
            return
        time.sleep(0.01)
    raise AssertionError(f"nobody listens on {channel}")


def _round_trip(portal_app, client, owner_client):
    portal_app.config["CHAT_STREAM_LIFETIME"] = 4
    start(client, body="Boleh tanya ukuran?")
    conv = ChatConversation.get()
    customer_out, staff_out = {}, {}
    t1 = _open_stream(client, STREAM, customer_out)
    t2 = _open_stream(owner_client, f"{INBOX_STREAM}?conversation={conv.id}", staff_out)
    _wait_for_listener(portal_app, notify.conversation_channel(conv.id))
    _wait_for_listener(portal_app, notify.shop_channel(conv.shop_id))
    assert reply(owner_client, conv.id, "Boleh, <b>silakan</b>").status_code == 200
    assert say(client, "Ukuran 43 ada?").status_code == 200
    t1.join(10)
    t2.join(10)
    return conv, customer_out, staff_out


def _check(conv, customer_out, staff_out):
    assert customer_out["status"] == 200 and customer_out["type"].startswith("text/event-stream")
    body = customer_out["body"]
    # The team's reply reaches the customer, escaped; the customer's own message is not echoed.
    assert "event: message" in body and "Boleh, &lt;b&gt;silakan&lt;/b&gt;" in body
    assert "Ukuran 43 ada?" not in body
    staff = staff_out["body"]
    assert f"event: msg-{conv.id}" in staff and "Ukuran 43 ada?" in staff
    assert "event: inbox" in staff
    # The owner's own reply is not sent back to the owner.
    assert "silakan" not in staff


def test_stream_delivers_messages_in_process(portal_app, client, owner_client, chat_shop):
    conv, c, s = _round_trip(portal_app, client, owner_client)
    assert fanout.broker_for(portal_app).kind == "local"
    _check(conv, c, s)


@pytest.fixture
def redis_url():
    url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not url:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set (CI sets it to redis://127.0.0.1:6379/15)")
    return url


def test_stream_delivers_messages_through_redis(portal_app, client, owner_client, chat_shop, redis_url):
    portal_app.extensions.pop("chat_broker", None)
    portal_app.config["CHAT_REDIS_URL"] = redis_url
    try:
        conv, c, s = _round_trip(portal_app, client, owner_client)
        assert fanout.broker_for(portal_app).kind == "redis"
        _check(conv, c, s)
    finally:
        fanout.broker_for(portal_app).close()
        portal_app.extensions.pop("chat_broker", None)


def test_redis_broker_fans_out_between_two_brokers(redis_url):
    # Two brokers stand for two server processes sharing one Redis.
    a, b = fanout.RedisBroker(redis_url), fanout.RedisBroker(redis_url)
    try:
        with b.subscribe(["chat:conv:test-x"]) as sub:
            assert a.listeners("chat:conv:test-x") >= 1
            a.publish("chat:conv:test-x", {"type": "message", "id": 1, "body": "halo"})
            assert sub.get(timeout=3) == {"type": "message", "id": 1, "body": "halo"}
    finally:
        a.close()
        b.close()


def test_stream_ends_after_its_lifetime_with_heartbeats(client, chat_shop):
    start(client)
    response = client.get(STREAM, headers=EN, buffered=True)
    body = text(response)
    assert response.status_code == 200 and body.startswith("retry: ")
    assert ": keep-alive" in body and body.rstrip().endswith(": bye")


def test_stream_replays_what_a_reconnecting_browser_missed(client, owner_client, chat_shop):
    start(client)
    conv = ChatConversation.get()
    reply(owner_client, conv.id, "Pesan satu")
    reply(owner_client, conv.id, "Pesan dua")
    first = client.get(STREAM, headers=EN, buffered=True)
    assert "Pesan" not in text(first)  # no Last-Event-ID: the page already shows the history
    from plugins.chat.models import ChatMessage

    one = ChatMessage.get(ChatMessage.body == "Pesan satu")
    again = client.get(STREAM, headers={**EN, "Last-Event-ID": str(one.id)}, buffered=True)
    assert "Pesan dua" in text(again) and "Pesan satu" not in text(again)


def test_shutdown_ends_open_streams(portal_app, client, chat_shop):
    portal_app.config["CHAT_STREAM_LIFETIME"] = 30
    start(client)
    conv = ChatConversation.get()
    out = {}
    thread = _open_stream(client, STREAM, out)
    _wait_for_listener(portal_app, notify.conversation_channel(conv.id))
    fanout.shutdown()
    try:
        thread.join(5)
        assert not thread.is_alive() and out["body"].rstrip().endswith(": bye")
    finally:
        fanout.STOPPING.clear()


def test_no_conversation_no_stream(client, chat_shop):
    assert client.get(STREAM, headers=EN, buffered=True).status_code == 204


def test_streaming_off_means_polling(portal_app, client, owner_client, chat_shop):
    portal_app.config["CHAT_STREAMING"] = False
    start(client)
    conv = ChatConversation.get()
    panel = text(client.get("/s/workshop/chat/", headers=HX))
    assert "sse-connect" not in panel and 'data-chat-mode="poll-only"' in panel
    assert client.get(STREAM, headers=EN, buffered=True).status_code == 204
    last = conv.messages.order_by(-ChatConversation.id).count()
    assert last >= 1
    from plugins.chat.models import last_message_id

    mark = last_message_id(conv)
    assert client.get(f"/s/workshop/chat/messages?since={mark}", headers=HX).status_code == 204
    reply(owner_client, conv.id, "Jawaban lewat polling")
    news = client.get(f"/s/workshop/chat/messages?since={mark}", headers=HX)
    assert news.status_code == 200 and "Jawaban lewat polling" in text(news)
    assert f"since={last_message_id(conv)}" in text(news) and 'hx-swap-oob="true"' in text(news)
    staff_poll = owner_client.get(f"/s/workshop/chat/manage/{conv.id}/messages?since=0", headers=HX)
    assert staff_poll.status_code == 200 and "Jawaban lewat polling" in text(staff_poll)


def test_stream_capacity_answers_503_so_the_widget_polls(portal_app, client, chat_shop):
    portal_app.config["CHAT_MAX_STREAMS"] = 1
    start(client)
    from plugins.chat import views

    views._OPEN_STREAMS["n"] = 1
    try:
        refused = client.get(STREAM, headers=EN, buffered=True)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    finally:
        views._OPEN_STREAMS["n"] = 0


def test_the_widget_marks_replies_read_with_a_post(portal_app, client, owner_client, customer_client, chat_shop):
    conv, customer_out, _ = _round_trip(portal_app, client, owner_client)
    assert "silakan" in customer_out["body"]
    reply(owner_client, conv.id, "Satu lagi")
    panel = text(client.get("/s/workshop/chat/", headers=HX))
    client.get("/s/workshop/chat/messages?since=0", headers=HX)
    assert ChatConversation.get_by_id(conv.id).unread_customer == 1  # GETs write nothing
    assert 'hx-post="/s/workshop/chat/read"' in panel and 'hx-trigger="load, sse:message, chat-read"' in panel
    assert customer_client.post("/s/workshop/chat/read", headers=HX).status_code == 404  # not theirs
    assert ChatConversation.get_by_id(conv.id).unread_customer == 1
    assert client.post("/s/workshop/chat/read", headers=HX).status_code == 204
    assert ChatConversation.get_by_id(conv.id).unread_customer == 0
