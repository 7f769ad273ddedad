"""Forum test helpers: English pages, and quick ways to make categories, threads and replies."""
from __future__ import annotations

import datetime as dt

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read English text; the Indonesian catalogue is tested in tests/core.
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def forum(portal_app, shop):
    """Two categories of shop ``workshop``: ``forum.care`` and ``forum.sizes``."""
    from plugins.forum import models

    class Forum:
        care = models.add_category(shop, "Shoe care", "Cleaning and polishing")
        sizes = models.add_category(shop, "Sizes & orders")

    return Forum


@pytest.fixture
def make_thread(portal_app):
    """``make_thread(category, author, title=..., body=..., **flags)``: a thread with its first post."""
    from plugins.forum import models

    def make(category, author, title="Polishing tips", body="How do I polish **brown** leather?",
             subscribe=False, held=False, by_staff=False, at=None, **flags):
        thread, post = models.create_thread(category.shop, category, author, title, body, by_staff=by_staff,
                                            held=held, subscribe=subscribe, lang="en")
        if at is not None:
            models.ForumThread.update(created_at=at, last_post_at=at).where(models.ForumThread.id == thread.id).execute()
            models.ForumPost.update(created_at=at).where(models.ForumPost.id == post.id).execute()
        if flags:
            models.ForumThread.update(**flags).where(models.ForumThread.id == thread.id).execute()
        return models.ForumThread.get_by_id(thread.id)

    return make


@pytest.fixture
def add_replies(portal_app):
    """``add_replies(thread, author, n)``: n replies one minute apart after the thread's last post, the last one newest."""
    from plugins.forum import models

    def add(thread, author, n=1, start=None, body="Reply number {i}", **fields):
        # After everything already in the thread, so they come last in reading order.
        latest = models.ForumPost.select(models.ForumPost.created_at).where(models.ForumPost.thread == thread) \
            .order_by(models.ForumPost.created_at.desc()).scalar()
        start = start or latest or thread.created_at
        rows = []
        for i in range(1, n + 1):
            rows.append(models.ForumPost.create(
                shop=thread.shop_id, thread=thread, author=author, body=body.format(i=i),
                created_at=start + dt.timedelta(minutes=i), **fields))
        return rows

    return add


def text(response) -> str:
    return response.get_data(as_text=True)
