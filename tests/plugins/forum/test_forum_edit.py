"""Editing a post: the author changes their own words in place; nobody else may (issue 4, item 5: who may edit)."""
from __future__ import annotations

import re

import pytest

from plugins.forum import models
from plugins.forum.models import ForumPost
from portal.core.db import db
from portal.core.models import Migration, User
from tests.plugins.forum.conftest import text
from tests.plugins.forum.test_forum_views import HOSTILE, _inert

F = "/s/workshop/forum"


def edit_url(post) -> str:
    return f"{F}/p/{post.id}/edit"


def first_post(thread) -> ForumPost:
    return ForumPost.get((ForumPost.thread == thread) & (ForumPost.is_first == True))  # noqa: E712


def body_of(post) -> str:
    return ForumPost.get_by_id(post.id).body


def test_the_author_edits_in_place_with_htmx(customer_client, client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    post = first_post(thread)
    opened = customer_client.hx_get(edit_url(post))
    assert opened.status_code == 200
    form = text(opened)
    assert "<html" not in form and 'hx-post="' + edit_url(post) + '"' in form
    assert "How do I polish **brown** leather?</textarea>" in form
    saved = customer_client.hx_post(edit_url(post), data={"fe-body": "How do I polish *tan* suede?"})
    assert saved.status_code == 200
    fragment = text(saved)
    assert "<html" not in fragment and fragment.lstrip().startswith("<article")
    assert "<em>tan</em>" in fragment and "Saved." in fragment and "(edited)" in fragment
    stored = ForumPost.get_by_id(post.id)
    assert stored.body == "How do I polish *tan* suede?" and stored.edited_at is not None
    # Readers see the new text, marked as edited.
    page = text(client.get(f"{F}/t/{thread.id}"))
    assert "<em>tan</em>" in page and "brown" not in page and "(edited)" in page


def test_editing_without_javascript_redirects_to_the_post(customer_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    post = first_post(thread)
    page = customer_client.get(edit_url(post))
    assert page.status_code == 200 and "<html" in text(page) and "Edit your post" in text(page)
    response = customer_client.post(edit_url(post), data={"fe-body": "Plain form"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/{post.id}")
    assert body_of(post) == "Plain form"


def test_only_the_author_sees_the_edit_link(customer_client, other_customer_client, owner_client, client, shop, forum,
                                            make_thread, customer, other_customer, add_replies):
    thread = make_thread(forum.care, customer)
    [reply] = add_replies(thread, other_customer, 1)
    url = f"{F}/t/{thread.id}"
    mine = text(customer_client.get(url))
    assert f'href="{edit_url(first_post(thread))}"' in mine and f'href="{edit_url(reply)}"' not in mine
    theirs = text(other_customer_client.get(url))
    assert f'href="{edit_url(reply)}"' in theirs and f'href="{edit_url(first_post(thread))}"' not in theirs
    for c in (owner_client, client):
        assert "/edit" not in text(c.get(url))


@pytest.mark.parametrize("who", ["client", "other_customer_client", "owner_client", "staff_client",
                                 "other_owner_client", "supplier_client", "courier_client", "admin_client"])
def test_nobody_else_may_edit(request, who, shop, forum, make_thread, customer):
    """Guests, other customers, the shop's own team, another shop's owner: 404, and the text stays."""
    thread = make_thread(forum.care, customer)
    post = first_post(thread)
    c = request.getfixturevalue(who)
    assert c.get(edit_url(post)).status_code == 404
    assert c.post(edit_url(post), data={"fe-body": "Not yours"}).status_code == 404
    assert c.hx_post(edit_url(post), data={"fe-body": "Not yours"}).status_code == 404
    assert body_of(post) == "How do I polish **brown** leather?" and ForumPost.get_by_id(post.id).edited_at is None


def test_another_shops_post_is_not_found_through_this_shop(customer_client, shop, other_shop, make_thread, customer):
    theirs = make_thread(models.add_category(other_shop, "Theirs"), customer)
    post = first_post(theirs)
    assert customer_client.get(edit_url(post)).status_code == 404
    assert customer_client.post(edit_url(post), data={"fe-body": "Through the wrong shop"}).status_code == 404
    assert body_of(post) == "How do I polish **brown** leather?"


def test_hidden_posts_and_locked_threads_are_closed_to_the_author(customer_client, staff_client, shop, forum,
                                                                  make_thread, customer, add_replies):
    hidden_thread = make_thread(forum.care, customer, title="Hidden")
    models.set_post_hidden(first_post(hidden_thread), True)
    locked = make_thread(forum.sizes, customer, title="Locked", is_locked=True)
    for post in (first_post(hidden_thread), first_post(locked)):
        assert customer_client.get(edit_url(post)).status_code == 404
        assert customer_client.post(edit_url(post), data={"fe-body": "Sneaky"}).status_code == 404
        assert body_of(post) == "How do I polish **brown** leather?"
    assert "/edit" not in text(customer_client.get(f"{F}/t/{locked.id}"))
    # The team's own posts in a locked thread stay editable by their author.
    staff = User.get(User.email == "staff@shop.test")
    [own] = add_replies(locked, staff, 1, by_staff=True)
    assert staff_client.hx_post(edit_url(own), data={"fe-body": "Closed: see the size chart"}).status_code == 200
    assert body_of(own) == "Closed: see the size chart"


def test_a_held_post_stays_held_after_editing(customer_client, client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer, held=True)
    post = first_post(thread)
    assert customer_client.hx_post(edit_url(post), data={"fe-body": "Edited while waiting"}).status_code == 200
    stored = ForumPost.get_by_id(post.id)
    assert stored.body == "Edited while waiting" and stored.is_held
    assert client.get(f"{F}/t/{thread.id}").status_code == 404


def test_invalid_text_is_refused_next_to_the_field(customer_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    post = first_post(thread)
    # Four posts: under the per-account limit of five a minute.
    for bad in ("  \u200b\u202e ", "y" * 8001, "bell\x07"):
        in_place = customer_client.hx_post(edit_url(post), data={"fe-body": bad})
        assert in_place.status_code == 422
        assert 'id="fe-body-error"' in text(in_place) and "<html" not in text(in_place)
    plain = customer_client.post(edit_url(post), data={"fe-body": ""})
    assert plain.status_code == 422 and 'id="fe-body-error"' in text(plain) and "<html" in text(plain)
    assert body_of(post) == "How do I polish **brown** leather?"


def test_editing_needs_the_csrf_token(customer_client, shop, forum, make_thread, customer):
    post = first_post(make_thread(forum.care, customer))
    assert customer_client.post(edit_url(post), data={"fe-body": "Forged"}, csrf=False).status_code == 400
    assert body_of(post) == "How do I polish **brown** leather?"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_edits_are_inert_in_the_fragment_and_the_pages(customer_client, client, owner_client, shop, forum,
                                                               make_thread, customer, hostile):
    thread = make_thread(forum.care, customer)
    post = first_post(thread)
    saved = customer_client.hx_post(edit_url(post), data={"fe-body": hostile})
    assert saved.status_code == 200
    _inert(text(saved))
    for response in (client.get(f"{F}/t/{thread.id}"), owner_client.get(f"{F}/t/{thread.id}"),
                     customer_client.get(edit_url(post)), customer_client.hx_get(edit_url(post))):
        assert response.status_code == 200
        _inert(text(response))
    # Zero-width characters are kept as typed; direction overrides are dropped on the way in.
    assert "\u202e" not in body_of(post)


def test_the_edit_migration_adds_the_column_to_an_older_table_and_runs_once(portal_app, shop, forum, make_thread,
                                                                            customer):
    from playhouse.migrate import migrate

    from portal.core.migrations import make_migrator

    assert Migration.select().where((Migration.app == "forum") & (Migration.name == "0002_post_edited_at")).exists()
    post = first_post(make_thread(forum.care, customer))
    # A forum table as 1.0 made it: no edited_at yet.
    with db.atomic():
        migrate(make_migrator().drop_column("forum_post", "edited_at"))
    assert "edited_at" not in {c.name for c in db.get_columns("forum_post")}
    for _ in range(2):  # the second run finds the column and changes nothing
        with db.atomic():
            models._post_edited_at(db.obj, make_migrator())
        assert [c.name for c in db.get_columns("forum_post")].count("edited_at") == 1
    stored = ForumPost.get_by_id(post.id)
    assert stored.body == "How do I polish **brown** leather?" and stored.edited_at is None


def test_the_edit_form_escapes_the_stored_text(customer_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer, body='</textarea><script>alert(1)</script>')
    page = text(customer_client.get(edit_url(first_post(thread))))
    assert "<script>alert(1)" not in page and "&lt;/textarea&gt;&lt;script&gt;" in page
    assert not re.search(r"</textarea>\s*<script", page)


# ---------------------------------------------------------------------------
# the edit link and the rule are one: forum/_post.html asks views.can_edit_post
# ---------------------------------------------------------------------------

EDIT_CASES = {
    # case: (viewer, whose post, thread flags, post fields, staff viewer, may edit)
    "the author": ("customer", "customer", {}, {}, False, True),
    "the author's held reply": ("customer", "customer", {}, {"is_held": True}, False, True),
    "another customer": ("other_customer", "customer", {}, {}, False, False),
    "the owner, on a customer's post": ("owner", "customer", {}, {}, True, False),
    "the author, thread locked": ("customer", "customer", {"is_locked": True}, {}, False, False),
    "the team's author, thread locked": ("staff", "staff", {"is_locked": True}, {"by_staff": True}, True, True),
    "the team's author, post hidden": ("staff", "staff", {}, {"by_staff": True, "is_hidden": True}, True, False),
    "the team's author, thread hidden": ("staff", "staff", {"is_hidden": True}, {"by_staff": True}, True, False),
}
PEOPLE = {"customer": "customer@example.test", "other_customer": "customer-b@example.test",
          "owner": "owner@shop.test", "staff": "staff@shop.test"}


@pytest.mark.parametrize("case", list(EDIT_CASES))
def test_the_thread_page_shows_the_edit_link_exactly_when_the_rule_allows(portal_app, shop, forum, make_thread,
                                                                           customer, other_customer, add_replies,
                                                                           case):
    from plugins.forum.views import can_edit_post
    from portal.testing import make_client

    viewer_key, author_key, thread_flags, post_fields, staff, allowed = EDIT_CASES[case]
    viewer, author = (User.get(User.email == PEOPLE[k]) for k in (viewer_key, author_key))
    thread = make_thread(forum.care, customer, **thread_flags)
    [post] = add_replies(thread, author, 1, **post_fields)
    post, thread = ForumPost.get_by_id(post.id), models.ForumThread.get_by_id(thread.id)
    # The rule itself, asked directly; the page must say the same.
    assert can_edit_post(post, thread, viewer, staff) is allowed
    page = make_client(portal_app, viewer).get(f"{F}/t/{thread.id}")
    assert page.status_code == 200
    body = text(page)
    assert f'id="post-{post.id}"' in body  # shown, so the link's absence is the rule's answer
    assert (f'href="{edit_url(post)}"' in body) is allowed, case
    # And the route agrees with the link.
    assert make_client(portal_app, viewer).get(edit_url(post)).status_code == (200 if allowed else 404)


def test_the_template_follows_whatever_the_rule_says(monkeypatch, customer_client, shop, forum, make_thread,
                                                      customer, other_customer, add_replies):
    """Turn the rule around: a template with its own copy of it would still show the old answer."""
    from plugins.forum import views

    rule = views.can_edit_post
    monkeypatch.setattr(views, "can_edit_post", lambda post, thread, user, staff: not rule(post, thread, user, staff))
    thread = make_thread(forum.care, customer)
    [theirs] = add_replies(thread, other_customer, 1)
    page = text(customer_client.get(f"{F}/t/{thread.id}"))
    assert f'href="{edit_url(first_post(thread))}"' not in page and f'href="{edit_url(theirs)}"' in page


def test_the_htmx_fragments_ask_the_same_rule(customer_client, staff_client, shop, forum, make_thread, customer,
                                              add_replies):
    thread = make_thread(forum.care, customer)
    # A reply posted with htmx comes back with its edit link; so does a post saved after editing.
    replied = text(customer_client.hx_post(f"{F}/t/{thread.id}/reply", data={"fr-body": "Mink oil works"}))
    new = ForumPost.select().where(ForumPost.thread == thread).order_by(ForumPost.id.desc()).get()
    assert f'href="{edit_url(new)}"' in replied
    saved = text(customer_client.hx_post(edit_url(new), data={"fe-body": "Mink oil, sparingly"}))
    assert f'href="{edit_url(new)}"' in saved
    # The team's own post: hiding it closes editing (the rule says so), showing it again reopens it.
    staff = User.get(User.email == "staff@shop.test")
    [own] = add_replies(thread, staff, 1, by_staff=True)
    hidden = text(staff_client.hx_post(f"{F}/manage/posts/{own.id}/hide"))
    assert "Hidden from readers." in hidden and f'href="{edit_url(own)}"' not in hidden
    shown = text(staff_client.hx_post(f"{F}/manage/posts/{own.id}/unhide"))
    assert "Visible to readers." in shown and f'href="{edit_url(own)}"' in shown
    # In the team's queue no thread is on show: no edit links there.
    assert "/edit" not in text(staff_client.get(f"{F}/manage/"))
