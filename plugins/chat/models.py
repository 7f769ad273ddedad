"""The chat's tables and the queries and writes its views, streams and hooks share.

A conversation belongs to one shop and one visitor: a registered customer
(``customer``) or a guest (``guest_key``, the random value inside the guest's
signed cookie). Nothing is deleted: closing a conversation keeps it, and
switching the plugin off keeps every row.
"""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, atomic_write, utcnow
from portal.core.models import STAFF_ROLES, Membership, Shop, User
from portal.core.orders import Order
from portal.core.prepared import Param, Shapes

OPEN, CLOSED = "open", "closed"
CUSTOMER, STAFF, SYSTEM = "customer", "staff", "system"
MAX_MESSAGE = 2000
HISTORY = 50


class ChatConversation(Model):
    """One thread between a shop and one visitor; the counters make the inbox and badges one query."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    customer = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    guest_key = pw.CharField(max_length=64, null=True, index=True)
    name = pw.CharField(max_length=80)
    email = pw.CharField(max_length=254, default="")
    lang = pw.CharField(max_length=5, default="id")
    order = pw.ForeignKeyField(Order, backref="+", null=True, on_delete="SET NULL")
    status = pw.CharField(max_length=10, default=OPEN)
    assigned_to = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    # Unread for the team (customer messages) and for the customer (team replies).
    unread_staff = pw.IntegerField(default=0)
    unread_customer = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    last_message_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "chat_conversation"
        indexes = (
            (("shop", "last_message_at"), False),
            (("shop", "customer"), False),
        )


class ChatMessage(Model):
    """One message; ``author`` is the staff member or registered customer who wrote it."""

    conversation = pw.ForeignKeyField(ChatConversation, backref="messages", on_delete="CASCADE")
    sender = pw.CharField(max_length=10)  # customer, staff or system
    author = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    author_name = pw.CharField(max_length=120)
    body = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)
    emailed_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "chat_message"
        indexes = ((("conversation", "id"), False),)


class ChatPresence(Model):
    """Whether a team member answers chats in a shop now (available) or not (away)."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    available = pw.BooleanField(default=False)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "chat_presence"
        indexes = ((("shop", "user"), True),)


def _initial(database, migrator):
    database.create_tables([ChatConversation, ChatMessage, ChatPresence], safe=True)


MIGRATIONS = [
    ("0001_initial", _initial),
]


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def conversation_of(shop, conversation_id: int) -> ChatConversation | None:
    """A conversation of this shop only: another shop's id is simply not found."""
    return ChatConversation.get_or_none((ChatConversation.id == conversation_id) & (ChatConversation.shop == shop))


def visitor_conversation(shop, user=None, guest_key: str | None = None) -> ChatConversation | None:
    """The visitor's current conversation: their latest open one in this shop."""
    if user is not None:
        return _VISITOR_CONVERSATION["customer"].first(shop=shop, who=user)
    if guest_key:
        return _VISITOR_CONVERSATION["guest"].first(shop=shop, who=guest_key)
    return None


def _visitor_conversation_query(kind: str):
    if kind == "customer":
        cond = ChatConversation.customer == Param("who")
    else:
        cond = (ChatConversation.guest_key == Param("who")) & ChatConversation.customer.is_null()
    return (ChatConversation.select()
            .where((ChatConversation.shop == Param("shop")) & cond & (ChatConversation.status == OPEN))
            .order_by(ChatConversation.last_message_at.desc(), ChatConversation.id.desc())
            .limit(1))


# Asked on every storefront page a visitor with a chat sees (the widget): SQL built once.
_VISITOR_CONVERSATION = Shapes(_visitor_conversation_query)


def latest_guest_conversation(shop, guest_key: str) -> ChatConversation | None:
    c = ChatConversation
    return (c.select().where((c.shop == shop) & (c.guest_key == guest_key) & c.customer.is_null())
            .order_by(c.last_message_at.desc()).first())


def history(conversation, after: int = 0, limit: int = HISTORY) -> list[ChatMessage]:
    """The last ``limit`` messages (oldest first), or those after message id ``after``."""
    query = ChatMessage.select().where(ChatMessage.conversation == conversation)
    if after:
        return list(query.where(ChatMessage.id > after).order_by(ChatMessage.id).limit(limit))
    return list(reversed(query.order_by(ChatMessage.id.desc()).limit(limit)))


def last_message_id(conversation) -> int:
    return (ChatMessage.select(pw.fn.MAX(ChatMessage.id)).where(ChatMessage.conversation == conversation).scalar()
            or 0)


def unread_for_team(shop) -> int:
    """Unread customer messages in the shop's open conversations (one query, for the nav badge)."""
    return int(ChatConversation.select(pw.fn.SUM(ChatConversation.unread_staff))
               .where((ChatConversation.shop == shop) & (ChatConversation.unread_staff > 0)
                      & (ChatConversation.status == OPEN))
               .scalar() or 0)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally: ``%`` and ``_`` typed by the user are no wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def inbox(shop, status: str = OPEN, search: str = "", mine_id: int | None = None, limit: int = 100):
    """The shop's conversations by last activity; ``search`` looks in name, e-mail and message text."""
    query = ChatConversation.select().where(ChatConversation.shop == shop)
    if status in (OPEN, CLOSED):
        query = query.where(ChatConversation.status == status)
    if mine_id:
        query = query.where(ChatConversation.assigned_to == mine_id)
    if search:
        # ILIKE is LIKE on SQLite (case-insensitive there); ESCAPE makes typed % and _ literal.
        pattern = pw.NodeList((like_pattern(search), pw.SQL("ESCAPE"), "\\"))

        def matches(column):
            return pw.Expression(column, pw.OP.ILIKE, pattern)

        in_messages = ChatMessage.select(ChatMessage.conversation).where(matches(ChatMessage.body))
        query = query.where(matches(ChatConversation.name) | matches(ChatConversation.email)
                            | ChatConversation.id.in_(in_messages))
    return list(query.order_by(ChatConversation.last_message_at.desc(), ChatConversation.id.desc()).limit(limit))


def customer_conversations(shop, customer, exclude_id: int | None = None, limit: int = 20):
    query = ChatConversation.select().where((ChatConversation.shop == shop) & (ChatConversation.customer == customer))
    if exclude_id:
        query = query.where(ChatConversation.id != exclude_id)
    return list(query.order_by(ChatConversation.last_message_at.desc()).limit(limit))


def earlier_conversations(conversation, limit: int = 10):
    """The same visitor's other conversations in this shop (by account, guest cookie or e-mail)."""
    c = ChatConversation
    if conversation.customer_id:
        who = c.customer == conversation.customer_id
    elif conversation.email:
        who = (c.guest_key == conversation.guest_key) | (c.email == conversation.email)
    else:
        who = c.guest_key == conversation.guest_key
    return list(c.select().where((c.shop == conversation.shop_id) & who & (c.id != conversation.id))
                .order_by(c.last_message_at.desc()).limit(limit))


def team(shop) -> list[User]:
    return list(User.select().join(Membership, on=(Membership.user == User.id))
                .where((Membership.shop == shop) & (Membership.role.in_(STAFF_ROLES)))
                .order_by(User.name))


def team_member(shop, user_id) -> User | None:
    return (User.select().join(Membership, on=(Membership.user == User.id))
            .where((Membership.shop == shop) & (Membership.role.in_(STAFF_ROLES)) & (User.id == user_id))
            .first())


def available_team(shop) -> list[int]:
    """Ids of team members who set themselves available (and are still in the team)."""
    rows = (ChatPresence.select(ChatPresence.user)
            .join(Membership, on=((Membership.user == ChatPresence.user) & (Membership.shop == ChatPresence.shop)))
            .where((ChatPresence.shop == shop) & (ChatPresence.available == True)  # noqa: E712
                   & (Membership.role.in_(STAFF_ROLES))))
    return [r.user_id for r in rows]


def is_available(shop, user) -> bool:
    p = ChatPresence.get_or_none((ChatPresence.shop == shop) & (ChatPresence.user == user))
    return bool(p and p.available)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def start_conversation(shop, name: str, email: str = "", user=None, guest_key: str | None = None,
                       order=None, lang: str = "id") -> ChatConversation:
    return ChatConversation.create(
        shop=shop, customer=user, guest_key=None if user is not None else guest_key,
        name=name.strip()[:80], email=(email or "").strip()[:254], order=order, lang=lang,
    )


def add_message(conversation, sender: str, body: str, author=None, author_name: str = "") -> ChatMessage:
    """Store a message and bump the conversation's counters in the same transaction."""
    now = utcnow()
    with atomic_write():
        message = ChatMessage.create(conversation=conversation, sender=sender, author=author,
                                     author_name=author_name[:120], body=body, created_at=now)
        c = ChatConversation
        changes = {c.last_message_at: now}
        if sender == CUSTOMER:
            changes[c.unread_staff] = c.unread_staff + 1
        elif sender == STAFF:
            changes[c.unread_customer] = c.unread_customer + 1
        c.update(changes).where(c.id == conversation.id).execute()
    conversation.last_message_at = now
    return message


def link_order(conversation, order, note: str):
    """Link the conversation to ``order`` and say so in the thread, in one transaction."""
    with atomic_write():
        ChatConversation.update(order=order).where(ChatConversation.id == conversation.id).execute()
        ChatMessage.create(conversation=conversation, sender=SYSTEM, author_name="", body=note)
    conversation.order = order


def mark_read_by_team(conversation):
    ChatConversation.update(unread_staff=0).where(
        (ChatConversation.id == conversation.id) & (ChatConversation.unread_staff > 0)).execute()
    conversation.unread_staff = 0


def mark_read_by_customer(conversation):
    ChatConversation.update(unread_customer=0).where(
        (ChatConversation.id == conversation.id) & (ChatConversation.unread_customer > 0)).execute()
    conversation.unread_customer = 0


def set_status(conversation, status: str):
    ChatConversation.update(status=status).where(ChatConversation.id == conversation.id).execute()
    conversation.status = status


def assign(conversation, user_id: int | None):
    ChatConversation.update(assigned_to=user_id).where(ChatConversation.id == conversation.id).execute()
    conversation.assigned_to = user_id


def set_presence(shop, user, available: bool):
    with atomic_write():
        row = ChatPresence.get_or_none((ChatPresence.shop == shop) & (ChatPresence.user == user))
        if row is None:
            ChatPresence.create(shop=shop, user=user, available=available)
        else:
            ChatPresence.update(available=available, updated_at=utcnow()).where(ChatPresence.id == row.id).execute()
