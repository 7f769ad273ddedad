"""The forum's tables and the queries and writes its views, hooks and jobs share.

Nothing is ever deleted by moderation: hiding, holding and locking are flags, so a
switched-off forum keeps everything and a mistaken "hide" can be undone.
"""
from __future__ import annotations

import secrets

import peewee as pw

from portal.core.db import Model, atomic_write, utcnow
from portal.core.models import Shop, User


class ForumCategory(Model):
    """A board the owner sets up ("Perawatan sepatu"); threads live in exactly one."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    name = pw.CharField(max_length=80)
    description = pw.TextField(default="")
    position = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("shop", "position"), False),)


class ForumThread(Model):
    """A topic: its first post holds the opening text (``ForumPost.is_first``)."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    # No cascade: ``delete_category`` moves the threads first (the database refuses otherwise).
    category = pw.ForeignKeyField(ForumCategory, backref="+")
    author = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=120)
    is_pinned = pw.BooleanField(default=False)
    is_locked = pw.BooleanField(default=False)
    is_hidden = pw.BooleanField(default=False)
    # A new member's first thread waits for the team's approval.
    is_held = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    last_post_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("category", "is_pinned", "last_post_at"), False),
            (("shop", "is_held"), False),
        )


class ForumPost(Model):
    """One message: the opening post of a thread or a reply. The Markdown source is stored, rendered on display."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    thread = pw.ForeignKeyField(ForumThread, backref="+", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    body = pw.TextField()
    is_first = pw.BooleanField(default=False)
    # Whether the author was the shop's owner or staff when writing (the "Staff" badge).
    by_staff = pw.BooleanField(default=False)
    is_hidden = pw.BooleanField(default=False)
    is_held = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    # Set once the reply e-mail went out (claimed before queueing, so it goes once).
    notified_at = pw.DateTimeField(null=True)
    # When the author last changed the text (shown as "edited"). Added by 0002_post_edited_at.
    edited_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("thread", "created_at"), False),
            (("shop", "is_held"), False),
            (("author", "shop"), False),
        )


REPORT_REASONS = ("spam", "rude", "off_topic", "other")


class ForumReport(Model):
    """A logged-in reader's complaint about a post, waiting in the owner's queue until resolved."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    post = pw.ForeignKeyField(ForumPost, backref="+", on_delete="CASCADE")
    reporter = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    reason = pw.CharField(max_length=20)
    details = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    resolved_at = pw.DateTimeField(null=True)
    resolved_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    # "hidden" (the post was hidden) or "dismissed".
    outcome = pw.CharField(max_length=20, default="")

    class Meta:
        indexes = ((("shop", "resolved_at"), False), (("post", "reporter"), False))


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ForumSubscription(Model):
    """A thread author's opt-in to hear about replies; the token is the one-click unsubscribe link."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    thread = pw.ForeignKeyField(ForumThread, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    # The language the mail is written in when the account has none set.
    lang = pw.CharField(max_length=5, default="id")
    token = pw.CharField(max_length=64, unique=True, default=new_token)
    is_active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("thread", "user"), True),)


MODELS = [ForumCategory, ForumThread, ForumPost, ForumReport, ForumSubscription]


def _initial(database, migrator):
    database.create_tables(MODELS, safe=True)


def _post_edited_at(database, migrator):
    # A database made by 0001 from today's model has the column already; one made by 1.0 has not.
    from playhouse.migrate import migrate

    if "edited_at" not in {c.name for c in database.get_columns("forum_post")}:
        migrate(migrator.add_column("forum_post", "edited_at", pw.DateTimeField(null=True)))


# Applied once each by `portal db upgrade`; never rename or remove a shipped step.
MIGRATIONS = [
    ("0001_initial", _initial),
    ("0002_post_edited_at", _post_edited_at),
]


# ---------------------------------------------------------------------------
# categories
# ---------------------------------------------------------------------------


def categories(shop) -> list[ForumCategory]:
    return list(ForumCategory.select().where(ForumCategory.shop == shop)
                .order_by(ForumCategory.position, ForumCategory.id))


def category_of(shop, category_id: int) -> ForumCategory | None:
    """A category of this shop only: another shop's id is simply not found."""
    return ForumCategory.get_or_none((ForumCategory.id == category_id) & (ForumCategory.shop == shop))


def add_category(shop, name: str, description: str = "") -> ForumCategory:
    with atomic_write():
        last = (ForumCategory.select(pw.fn.MAX(ForumCategory.position))
                .where(ForumCategory.shop == shop).scalar())
        return ForumCategory.create(shop=shop, name=name, description=description, position=(last or 0) + 1)


def move_category(category: ForumCategory, direction: str) -> bool:
    """Swap places with the neighbour above ("up") or below ("down"); ``False`` at either end."""
    with atomic_write():
        rows = categories(category.shop)
        ids = [c.id for c in rows]
        i = ids.index(category.id)
        j = i - 1 if direction == "up" else i + 1
        if j < 0 or j >= len(rows):
            return False
        rows[i], rows[j] = rows[j], rows[i]
        # Renumber all: positions may have been equal or sparse.
        for position, row in enumerate(rows, start=1):
            if row.position != position:
                ForumCategory.update(position=position).where(ForumCategory.id == row.id).execute()
        return True


def thread_count(category: ForumCategory) -> int:
    return ForumThread.select().where(ForumThread.category == category).count()


def delete_category(category: ForumCategory, move_to: ForumCategory | None = None) -> int:
    """Delete ``category``, first moving its threads to ``move_to``; returns how many moved.

    Refuses (``ValueError``) when threads would be left without a category.
    """
    with atomic_write():
        count = thread_count(category)
        if count and (move_to is None or move_to.id == category.id or move_to.shop_id != category.shop_id):
            raise ValueError("threads must move first")
        if count:
            ForumThread.update(category=move_to).where(ForumThread.category == category).execute()
        category.delete_instance()
        return count


# ---------------------------------------------------------------------------
# threads and posts
# ---------------------------------------------------------------------------


def visible_threads(shop, viewer=None, staff: bool = False):
    """Threads this viewer may see: staff everything, the author their own held ones, others the public ones."""
    query = ForumThread.select(ForumThread, User).join(User, pw.JOIN.LEFT_OUTER, on=(ForumThread.author == User.id))
    query = query.where(ForumThread.shop == shop)
    if not staff:
        public = (ForumThread.is_hidden == False) & (ForumThread.is_held == False)  # noqa: E712
        if viewer is not None:
            public = public | ((ForumThread.author == viewer.id) & (ForumThread.is_hidden == False))  # noqa: E712
        query = query.where(public)
    return query


def visible_posts(viewer=None, staff: bool = False):
    query = ForumPost.select(ForumPost, User).join(User, pw.JOIN.LEFT_OUTER, on=(ForumPost.author == User.id))
    if not staff:
        public = (ForumPost.is_hidden == False) & (ForumPost.is_held == False)  # noqa: E712
        if viewer is not None:
            public = public | ((ForumPost.author == viewer.id) & (ForumPost.is_hidden == False))  # noqa: E712
        query = query.where(public)
    return query


def page_rows(query, page: int, per_page: int):
    """``(rows, has_next)`` for one page, fetched with one extra row: no COUNT over the table."""
    rows = list(query.limit(per_page + 1).offset((page - 1) * per_page))
    return rows[:per_page], len(rows) > per_page


def threads_page(shop, category, page: int, per_page: int, viewer=None, staff: bool = False):
    query = (visible_threads(shop, viewer, staff).where(ForumThread.category == category)
             .order_by(ForumThread.is_pinned.desc(), ForumThread.last_post_at.desc(), ForumThread.id.desc()))
    return page_rows(query, page, per_page)


def reply_counts(thread_ids) -> dict[int, int]:
    """Public replies per thread, for one page of threads in one grouped query."""
    if not thread_ids:
        return {}
    rows = (ForumPost.select(ForumPost.thread, pw.fn.COUNT(ForumPost.id).alias("n"))
            .where(ForumPost.thread.in_(list(thread_ids)) & (ForumPost.is_first == False)  # noqa: E712
                   & (ForumPost.is_hidden == False) & (ForumPost.is_held == False))  # noqa: E712
            .group_by(ForumPost.thread).tuples())
    return {thread_id: n for thread_id, n in rows}


def category_thread_counts(shop) -> dict[int, int]:
    rows = (ForumThread.select(ForumThread.category, pw.fn.COUNT(ForumThread.id))
            .where((ForumThread.shop == shop) & (ForumThread.is_hidden == False)  # noqa: E712
                   & (ForumThread.is_held == False))  # noqa: E712
            .group_by(ForumThread.category).tuples())
    return {category_id: n for category_id, n in rows}


def thread_of(shop, thread_id: int) -> ForumThread | None:
    return (ForumThread.select(ForumThread, ForumCategory)
            .join(ForumCategory, on=(ForumThread.category == ForumCategory.id))
            .where((ForumThread.id == thread_id) & (ForumThread.shop == shop)).first())


def post_of(shop, post_id: int) -> ForumPost | None:
    return (ForumPost.select(ForumPost, ForumThread, User)
            .join(ForumThread, on=(ForumPost.thread == ForumThread.id))
            .switch(ForumPost).join(User, pw.JOIN.LEFT_OUTER, on=(ForumPost.author == User.id))
            .where((ForumPost.id == post_id) & (ForumPost.shop == shop)).first())


def posts_page(thread, page: int, per_page: int, viewer=None, staff: bool = False):
    query = (visible_posts(viewer, staff).where(ForumPost.thread == thread)
             .order_by(ForumPost.created_at, ForumPost.id))
    return page_rows(query, page, per_page)


def is_new_member(shop, user) -> bool:
    """No post of this user in this shop's forum has been let through yet."""
    return not (ForumPost.select().where((ForumPost.shop == shop) & (ForumPost.author == user.id)
                                         & (ForumPost.is_held == False)).exists())  # noqa: E712


def create_thread(shop, category, author, title: str, body: str, by_staff: bool, held: bool,
                  subscribe: bool, lang: str) -> tuple[ForumThread, ForumPost]:
    with atomic_write():
        now = utcnow()
        thread = ForumThread.create(shop=shop, category=category, author=author, title=title, is_held=held,
                                    created_at=now, last_post_at=now)
        post = ForumPost.create(shop=shop, thread=thread, author=author, body=body, is_first=True,
                                by_staff=by_staff, is_held=held, created_at=now)
        if subscribe:
            ForumSubscription.create(shop=shop, thread=thread, user=author, lang=lang)
    return thread, post


def add_reply(thread, author, body: str, by_staff: bool, held: bool) -> ForumPost:
    with atomic_write():
        now = utcnow()
        post = ForumPost.create(shop=thread.shop_id, thread=thread, author=author, body=body, by_staff=by_staff,
                                is_held=held, created_at=now)
        if not held:
            ForumThread.update(last_post_at=now).where(ForumThread.id == thread.id).execute()
    return post


def edit_post(post: ForumPost, body: str) -> ForumPost:
    """The author's new text; moderation flags stay as they were (a held post stays held)."""
    now = utcnow()
    with atomic_write():
        ForumPost.update(body=body, edited_at=now).where(ForumPost.id == post.id).execute()
    post.body, post.edited_at = body, now
    return post


def set_thread_flag(thread: ForumThread, flag: str, value: bool) -> ForumThread:
    with atomic_write():
        ForumThread.update({getattr(ForumThread, flag): value}).where(ForumThread.id == thread.id).execute()
    setattr(thread, flag, value)
    return thread


def move_thread(thread: ForumThread, category: ForumCategory) -> ForumThread:
    with atomic_write():
        ForumThread.update(category=category).where(ForumThread.id == thread.id).execute()
    thread.category = category
    return thread


def set_post_hidden(post: ForumPost, hidden: bool) -> ForumPost:
    with atomic_write():
        ForumPost.update(is_hidden=hidden).where(ForumPost.id == post.id).execute()
    post.is_hidden = hidden
    return post


def approve_post(post: ForumPost) -> ForumPost:
    """Let a held post through (and its thread, when it opens one)."""
    with atomic_write():
        ForumPost.update(is_held=False).where(ForumPost.id == post.id).execute()
        if post.is_first:
            ForumThread.update(is_held=False).where(ForumThread.id == post.thread_id).execute()
        else:
            ForumThread.update(last_post_at=utcnow()).where(ForumThread.id == post.thread_id).execute()
    post.is_held = False
    if post.is_first:
        post.thread.is_held = False
    return post


def reject_post(post: ForumPost) -> ForumPost:
    """Refuse a held post: it stays stored, hidden (with its thread, when it opens one)."""
    with atomic_write():
        ForumPost.update(is_held=False, is_hidden=True).where(ForumPost.id == post.id).execute()
        if post.is_first:
            ForumThread.update(is_held=False, is_hidden=True).where(ForumThread.id == post.thread_id).execute()
    post.is_held, post.is_hidden = False, True
    if post.is_first:
        post.thread.is_held, post.thread.is_hidden = False, True
    return post


def claim_notification(post: ForumPost) -> bool:
    """Mark the post's reply mail as sent; ``False`` when it already was (so it goes once)."""
    return bool(ForumPost.update(notified_at=utcnow())
                .where((ForumPost.id == post.id) & ForumPost.notified_at.is_null()).execute())


# ---------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------


def search(shop, q: str, page: int, per_page: int, viewer=None, staff: bool = False):
    """Threads whose title or a visible post contains ``q`` (case-insensitive; ``%`` and ``_`` are literal).

    peewee's ``contains`` escapes LIKE wildcards and becomes ILIKE on PostgreSQL
    and LIKE (case-insensitive for ASCII) on SQLite.
    """
    matching_posts = (visible_posts(viewer, staff).select(ForumPost.thread)
                      .where((ForumPost.shop == shop) & ForumPost.body.contains(q)))
    query = (visible_threads(shop, viewer, staff)
             .where(ForumThread.title.contains(q) | ForumThread.id.in_(matching_posts))
             .order_by(ForumThread.last_post_at.desc(), ForumThread.id.desc()))
    return page_rows(query, page, per_page)


# ---------------------------------------------------------------------------
# reports and the moderation queue
# ---------------------------------------------------------------------------


def add_report(post: ForumPost, reporter, reason: str, details: str) -> tuple[ForumReport, bool]:
    """``(report, created)``: a reader's second report of the same post while the first is open changes nothing."""
    with atomic_write():
        existing = ForumReport.get_or_none((ForumReport.post == post) & (ForumReport.reporter == reporter)
                                           & ForumReport.resolved_at.is_null())
        if existing is not None:
            return existing, False
        return ForumReport.create(shop=post.shop_id, post=post, reporter=reporter, reason=reason,
                                  details=details), True


def open_reports(shop):
    Reporter = User.alias()
    return (ForumReport.select(ForumReport, ForumPost, ForumThread, Reporter)
            .join(ForumPost, on=(ForumReport.post == ForumPost.id))
            .join(ForumThread, on=(ForumPost.thread == ForumThread.id))
            .switch(ForumReport).join(Reporter, pw.JOIN.LEFT_OUTER, on=(ForumReport.reporter == Reporter.id))
            .where((ForumReport.shop == shop) & ForumReport.resolved_at.is_null())
            .order_by(ForumReport.created_at, ForumReport.id))


def report_of(shop, report_id: int) -> ForumReport | None:
    return ForumReport.get_or_none((ForumReport.id == report_id) & (ForumReport.shop == shop))


def resolve_report(report: ForumReport, by, hide: bool) -> int:
    """Close the report (and every other open one about the same post); hide the post if asked."""
    with atomic_write():
        if hide:
            ForumPost.update(is_hidden=True).where(ForumPost.id == report.post_id).execute()
        return (ForumReport.update(resolved_at=utcnow(), resolved_by=by, outcome="hidden" if hide else "dismissed")
                .where((ForumReport.post == report.post_id) & ForumReport.resolved_at.is_null()).execute())


def held_posts(shop):
    return (ForumPost.select(ForumPost, ForumThread, User)
            .join(ForumThread, on=(ForumPost.thread == ForumThread.id))
            .switch(ForumPost).join(User, pw.JOIN.LEFT_OUTER, on=(ForumPost.author == User.id))
            .where((ForumPost.shop == shop) & (ForumPost.is_held == True))  # noqa: E712
            .order_by(ForumPost.created_at, ForumPost.id))


def queue_counts(shop) -> dict[str, int]:
    held = ForumPost.select().where((ForumPost.shop == shop) & (ForumPost.is_held == True)).count()  # noqa: E712
    reports = ForumReport.select().where((ForumReport.shop == shop) & ForumReport.resolved_at.is_null()).count()
    return {"held": held, "reports": reports, "total": held + reports}


# ---------------------------------------------------------------------------
# one customer, for the team
# ---------------------------------------------------------------------------


def posts_by(shop, user, limit: int = 10):
    return list(ForumPost.select(ForumPost, ForumThread)
                .join(ForumThread, on=(ForumPost.thread == ForumThread.id))
                .where((ForumPost.shop == shop) & (ForumPost.author == user.id))
                .order_by(ForumPost.created_at.desc(), ForumPost.id.desc()).limit(limit))


def activity_counts(shop, user) -> dict[str, int]:
    threads = ForumThread.select().where((ForumThread.shop == shop) & (ForumThread.author == user.id)).count()
    posts = ForumPost.select().where((ForumPost.shop == shop) & (ForumPost.author == user.id)).count()
    return {"threads": threads, "posts": posts}


# ---------------------------------------------------------------------------
# subscriptions
# ---------------------------------------------------------------------------


def subscription_by_token(shop, token: str) -> ForumSubscription | None:
    return (ForumSubscription.select(ForumSubscription, ForumThread)
            .join(ForumThread, on=(ForumSubscription.thread == ForumThread.id))
            .where((ForumSubscription.token == token) & (ForumSubscription.shop == shop)).first())


def set_subscribed(sub: ForumSubscription, active: bool) -> ForumSubscription:
    with atomic_write():
        ForumSubscription.update(is_active=active).where(ForumSubscription.id == sub.id).execute()
    sub.is_active = active
    return sub
