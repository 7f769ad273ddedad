"""Anonymous readers of the forum are served cached pages (issue 10), which never outlive a change:
a new reply appears and a hidden post disappears on the next read, and each member gets a copy of their own."""
from __future__ import annotations

from plugins.forum import models
from portal.testing import make_client, until_hit
from tests.plugins.forum.conftest import text


def test_anonymous_readers_share_a_page_until_the_thread_changes(portal_app, shop, forum, make_thread, add_replies,
                                                                 customer, other_customer, enable_plugin):
    enable_plugin(shop, "forum")
    thread = make_thread(forum.care, customer)
    url = f"/s/workshop/forum/t/{thread.id}"
    first = make_client(portal_app).get(url)
    assert first.status_code == 200 and first.headers["X-Page-Cache"] == "miss"
    second = until_hit(lambda: make_client(portal_app).get(url))
    assert "Polishing tips" in text(second)

    reply = add_replies(thread, other_customer, 1, body="Use a horsehair brush")[0]
    after_reply = make_client(portal_app).get(url)
    assert after_reply.headers["X-Page-Cache"] == "miss"
    assert "Use a horsehair brush" in text(after_reply)

    models.set_post_hidden(reply, True)
    after_hiding = make_client(portal_app).get(url)
    assert "Use a horsehair brush" not in text(after_hiding)


def test_members_and_the_index_follow_the_same_rules(portal_app, shop, forum, make_thread, customer, enable_plugin):
    enable_plugin(shop, "forum")
    make_thread(forum.care, customer, title="Held for approval", held=True)
    until_hit(lambda: make_client(portal_app).get("/s/workshop/forum/"))
    author = make_client(portal_app, customer)
    mine = author.get(f"/s/workshop/forum/c/{forum.care.id}")
    assert mine.headers["X-Page-Cache"] == "miss"
    # The author sees their own held thread, in their own copy too; the anonymous page never does.
    assert "Held for approval" in text(mine)
    assert "Held for approval" in text(until_hit(lambda: author.get(f"/s/workshop/forum/c/{forum.care.id}")))
    assert "Held for approval" not in text(make_client(portal_app).get(f"/s/workshop/forum/c/{forum.care.id}"))


def test_the_owner_menu_badge_follows_every_new_held_post(portal_app, shop, forum, make_thread, customer,
                                                          enable_plugin, owner_client):
    """Menus are kept per process between writes (portal.core.plugins.nav_items); a write shows at once."""
    import re

    enable_plugin(shop, "forum")

    def badge():
        body = text(owner_client.get("/s/workshop/manage/"))
        found = re.search(r'forum/manage/"[^>]*>Forum(?: <mark>(\d+)</mark>)?', body)
        assert found, "no Forum entry in the owner's menu"
        return int(found.group(1) or 0)

    assert badge() == 0
    make_thread(forum.care, customer, title="First", held=True)
    assert badge() == 1
    assert badge() == 1
    make_thread(forum.care, customer, title="Second", held=True)
    assert badge() == 2
