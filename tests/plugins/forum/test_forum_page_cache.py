"""Anonymous readers of the forum are served cached pages (issue 10), which never outlive a change:
a new reply appears and a hidden post disappears on the next read, and members always get a fresh page."""
from __future__ import annotations

from plugins.forum import models
from portal.testing import make_client
from tests.plugins.forum.conftest import text


def test_anonymous_readers_share_a_page_until_the_thread_changes(portal_app, shop, forum, make_thread, add_replies,
                                                                 customer, other_customer, enable_plugin):
    enable_plugin(shop, "forum")
    thread = make_thread(forum.care, customer)
    url = f"/s/workshop/forum/t/{thread.id}"
    first = make_client(portal_app).get(url)
    assert first.status_code == 200 and first.headers["X-Page-Cache"] == "miss"
    second = make_client(portal_app).get(url)
    assert second.headers["X-Page-Cache"] == "hit"
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
    for _ in range(2):
        anonymous = make_client(portal_app).get("/s/workshop/forum/")
    assert anonymous.headers["X-Page-Cache"] == "hit"
    mine = make_client(portal_app, customer).get(f"/s/workshop/forum/c/{forum.care.id}")
    assert "X-Page-Cache" not in mine.headers
    # The author sees their own held thread; the cached anonymous page never does.
    assert "Held for approval" in text(mine)
    assert "Held for approval" not in text(make_client(portal_app).get(f"/s/workshop/forum/c/{forum.care.id}"))
