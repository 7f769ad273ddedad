"""Issue 11, item 8: Redis configured but down — nothing crashes, nothing is lost.

Rate limits count in the process's memory meanwhile, jobs that cannot be queued leave
their mail in the outbox (retried later), and chat messages are saved and reach the
other side by polling.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from portal.core.models import OutboxMail
from portal.core.orders import Order
from portal.testing import free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from orders_testkit import EN, add_to_cart, make_product, post_checkout  # noqa: E402

DOWN = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on


@pytest.fixture
def portal_config():
    return {"REDIS_URL": DOWN, "RATELIMIT_STORAGE_URI": DOWN, "JOBS_IMMEDIATE": False}


def test_pages_log_in_and_checkout_work_with_redis_down(portal_app, client, shop, customer):
    assert client.get(f"/s/{shop.slug}/", headers=EN).status_code == 200
    # Log-in is rate limited (Redis storage): answered, and still limited, in memory.
    statuses = [client.post("/login", data={"email": customer.email, "password": "wrong"}, headers=EN).status_code
                for _ in range(7)]
    assert statuses[0] == 200 and 429 in statuses
    product = make_product(shop, "Pantofel", stock=3)
    assert add_to_cart(client, shop, product).status_code == 303
    response = post_checkout(client, shop, delivery="pickup")
    assert response.status_code == 303
    order = Order.get(Order.shop == shop)
    # The confirmation mail could not be queued: it waits in the outbox for the retry.
    assert OutboxMail.select().where(OutboxMail.status == "queued").count() >= 1
    assert order.status == "placed"


def test_chat_message_is_saved_with_redis_down(portal_app, client, shop, enable_plugin):
    from plugins.chat import models as chat

    enable_plugin(shop, "chat")
    response = client.post(f"/s/{shop.slug}/chat/", data={"chat-name": "Dewi", "chat-email": "dewi@example.test", "chat-body": "Ada ukuran 43?"},
                           headers=EN)
    assert response.status_code in (200, 303)
    assert "Ada ukuran 43?" in [m.body for m in chat.ChatMessage.select()]
