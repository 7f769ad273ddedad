"""The reply e-mail: a thread's author who opted in hears about each new public reply, once, in their language.

Runs as the ``forum_reply_mail`` job (deferred by the view, so after the reply is
committed). The post is claimed (``notified_at``) before any mail is queued, so a
retried job or an approval pressed twice never sends a second message.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from plugins.forum import markup
from plugins.forum.models import ForumPost, ForumSubscription, ForumThread, claim_notification
from portal.core.mail import MailError, queue_mail
from portal.core.models import User
from portal.core.notifications import external_url
from portal.core.plugins import registry


def send_reply_mail(post_id: int) -> int:
    """Queue the reply mail for ``post_id``; returns how many messages were queued (0 or 1)."""
    post = ForumPost.get_or_none(id=post_id)
    if post is None or post.is_first or post.is_hidden or post.is_held:
        return 0
    thread = ForumThread.get_or_none(id=post.thread_id)
    if thread is None or thread.is_hidden or thread.is_held or thread.author_id is None:
        return 0
    shop = thread.shop
    if not registry().is_enabled(shop, "forum"):
        return 0
    # Never mail people about their own reply.
    if post.author_id == thread.author_id:
        return 0
    sub = ForumSubscription.get_or_none((ForumSubscription.thread == thread) & (ForumSubscription.user == thread.author_id)
                                        & (ForumSubscription.is_active == True))  # noqa: E712
    if sub is None:
        return 0
    recipient = User.get_or_none(id=thread.author_id)
    if recipient is None or not recipient.is_active:
        return 0
    if not claim_notification(post):
        return 0
    replier = post.author.name if post.author_id else ""
    try:
        queue_mail(
            recipient.email,
            _l("New reply to “%(title)s”", title=thread.title),
            "forum/reply",
            lang=recipient.locale or sub.lang or "id",
            shop=shop,
            recipient=recipient,
            replier=replier,
            thread=thread,
            excerpt=markup.excerpt(post.body, 400),
            post_url=external_url("forum.post_link", shop_slug=shop.slug, post_id=post.id),
            unsubscribe_url=external_url("forum.unsubscribe", shop_slug=shop.slug, token=sub.token),
        )
    except MailError:
        return 0
    return 1
