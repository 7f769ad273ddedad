"""What happens after a message is stored: the fan-out to open streams, and the e-mails.

Called after the message's transaction has committed, so a stream never shows
a message that was rolled back.
"""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l

from plugins.chat import models
from plugins.chat.fanout import broker_for
from portal.core.db import utcnow
from portal.core.mail import MailError, queue_mail
from portal.core.notifications import external_url
from portal.core.plugins import plugin_settings

log = logging.getLogger(__name__)

NAME = "chat"
# A customer whose widget asked for news this recently is still reading.
SEEN_SECONDS = 45


def conversation_channel(conversation_id: int) -> str:
    return f"chat:conv:{conversation_id}"


def shop_channel(shop_id: int) -> str:
    return f"chat:shop:{shop_id}"


def _publish(channel: str, event: dict):
    try:
        broker_for(current_app._get_current_object()).publish(channel, event)
    except Exception:  # a fan-out outage must not lose the stored message or fail the request
        log.exception("chat: could not publish to %s", channel)


def message_event(conversation, message) -> dict:
    return {
        "type": "message", "conv": conversation.id, "shop": conversation.shop_id, "id": message.id,
        "sender": message.sender, "author_id": message.author_id, "author_name": message.author_name,
        "body": message.body, "at": message.created_at.isoformat(),
    }


def published(shop, conversation, message, new: bool = False, offline: bool = False):
    """Tell the open streams (customer's and team's); on a new conversation, tell the team."""
    event = message_event(conversation, message)
    _publish(conversation_channel(conversation.id), event)
    _publish(shop_channel(shop.id), event)
    if new and offline and plugin_settings(shop, NAME).get("email_team", True):
        _email_team(shop, conversation, message)


def inbox_changed(shop, conversation):
    _publish(shop_channel(shop.id), {"type": "inbox", "conv": conversation.id})


def customer_seen(conversation):
    """The customer's widget asked for news just now (kept in the broker, not the database)."""
    try:
        broker_for(current_app._get_current_object()).mark_seen(f"conv:{conversation.id}", SEEN_SECONDS)
    except Exception:
        log.exception("chat: could not mark the customer seen")


def customer_is_here(conversation) -> bool:
    """A stream of the customer's is open (in any process), or their widget polled just now."""
    try:
        broker = broker_for(current_app._get_current_object())
        return bool(broker.listeners(conversation_channel(conversation.id))
                    or broker.recently_seen(f"conv:{conversation.id}"))
    except Exception:
        log.exception("chat: could not tell whether the customer is here")
        return False


def email_reply_if_away(shop, conversation, message) -> bool:
    """E-mail the team's reply to a customer who has left the chat (and gave an address)."""
    if not conversation.email or not plugin_settings(shop, NAME).get("email_replies", True):
        return False
    if customer_is_here(conversation):
        return False
    try:
        queue_mail(
            conversation.email, _l("%(shop)s answered your message", shop=shop.name), "chat/reply",
            lang=conversation.lang or "id", shop=shop, conversation=conversation, message=message,
            chat_url=external_url("chat.panel", shop_slug=shop.slug),
        )
    except MailError:
        log.warning("chat: conversation %s has an address mail refuses", conversation.id)
        return False
    models.ChatMessage.update(emailed_at=utcnow()).where(models.ChatMessage.id == message.id).execute()
    return True


def _email_team(shop, conversation, message):
    url = external_url("chat.conversation", shop_slug=shop.slug, conversation_id=conversation.id)
    for member in models.team(shop):
        try:
            queue_mail(member.email, _l("New chat from %(name)s", name=conversation.name), "chat/new_conversation",
                       lang=member.locale or "id", shop=shop, conversation=conversation, message=message,
                       conversation_url=url)
        except MailError:
            log.warning("chat: team member %s has an address mail refuses", member.id)
