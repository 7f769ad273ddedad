"""Demo data: believable conversations in sepatu-cibaduyut, one linked to an order; loading twice adds nothing."""
from __future__ import annotations

from plugins.chat import demo
from plugins.chat.models import ChatConversation, ChatMessage
from portal.core.shops import add_member
from portal.testing import make_shop, make_user


def test_demo_conversations_are_made_once(portal_app):
    owner = make_user("owner@demo.test", "Asep Suryana")
    shop = make_shop("sepatu-cibaduyut", owner=owner, order_prefix="SCB")
    add_member(shop, make_user("staff@demo.test", "Rina Marlina"), "staff")
    make_user("customer@demo.test", "Dewi Lestari")
    first = demo.load(shop)
    assert first["chat conversations"] == 4 and first["chat conversations added"] == 4
    assert demo.load(shop)["chat conversations added"] == 0
    assert ChatConversation.select().count() == 4
    assert ChatMessage.select().where(ChatMessage.sender == "staff").count() >= 3
    assert ChatConversation.select().where(ChatConversation.customer.is_null()).count() == 2
    assert demo.load(make_shop("other-demo")) is None
