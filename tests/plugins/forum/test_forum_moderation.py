"""The team's side: hiding, pinning, locking and moving threads, hiding posts, and the owner's categories."""
from __future__ import annotations

import pytest

from plugins.forum import models
from plugins.forum.models import ForumCategory, ForumPost, ForumThread
from tests.plugins.forum.conftest import text

F = "/s/workshop/forum"


@pytest.mark.parametrize(("action", "flag", "value"), [
    ("pin", "is_pinned", True), ("lock", "is_locked", True), ("hide", "is_hidden", True),
])
def test_thread_actions_swap_the_header_in_place_and_undo(owner_client, staff_client, shop, forum, make_thread,
                                                          customer, action, flag, value):
    thread = make_thread(forum.care, customer)
    answer = staff_client.hx_post(f"{F}/manage/threads/{thread.id}/{action}")
    assert answer.status_code == 200
    page = text(answer)
    assert page.lstrip().startswith('<header class="forum-thread-head"') and 'role="status"' in page
    assert getattr(ForumThread.get_by_id(thread.id), flag) is value
    undo = {"pin": "unpin", "lock": "unlock", "hide": "unhide"}[action]
    assert f"/manage/threads/{thread.id}/{undo}" in page
    owner_client.hx_post(f"{F}/manage/threads/{thread.id}/{undo}")
    assert getattr(ForumThread.get_by_id(thread.id), flag) is not value


def test_thread_action_without_htmx_redirects_back(owner_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    response = owner_client.post(f"{F}/manage/threads/{thread.id}/lock")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{F}/t/{thread.id}")
    assert "Locked: only the team can reply now." in text(owner_client.get(f"{F}/t/{thread.id}"))


def test_unknown_actions_and_other_shops_objects_are_404(owner_client, shop, other_shop, forum, make_thread,
                                                        customer):
    thread = make_thread(forum.care, customer)
    theirs = make_thread(models.add_category(other_shop, "Theirs"), customer)
    their_post = ForumPost.get(ForumPost.thread == theirs)
    assert owner_client.post(f"{F}/manage/threads/{thread.id}/delete").status_code == 404
    assert owner_client.post(f"{F}/manage/threads/{theirs.id}/hide").status_code == 404
    assert owner_client.post(f"{F}/manage/posts/{their_post.id}/hide").status_code == 404
    assert owner_client.post(f"{F}/manage/posts/{their_post.id}/erase").status_code == 404
    assert not ForumThread.get_by_id(theirs.id).is_hidden and not ForumPost.get_by_id(their_post.id).is_hidden


@pytest.mark.parametrize("who", ["customer_client", "other_owner_client", "supplier_client", "courier_client",
                                 "admin_client"])
def test_only_the_team_moderates(request, who, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    post = ForumPost.get(ForumPost.thread == thread)
    c = request.getfixturevalue(who)
    assert c.get(f"{F}/manage/").status_code == 403
    for url in (f"{F}/manage/threads/{thread.id}/hide", f"{F}/manage/posts/{post.id}/hide",
                f"{F}/manage/threads/{thread.id}/move"):
        assert c.post(url, data={"mv-category": str(forum.sizes.id)}).status_code == 403, url
    assert not ForumThread.get_by_id(thread.id).is_hidden and not ForumPost.get_by_id(post.id).is_hidden
    assert ForumThread.get_by_id(thread.id).category_id == forum.care.id


def test_anonymous_visitors_are_sent_to_log_in_for_moderation(client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    response = client.post(f"{F}/manage/threads/{thread.id}/hide")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert not ForumThread.get_by_id(thread.id).is_hidden


def test_moving_a_thread(staff_client, shop, other_shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    moved = staff_client.hx_post(f"{F}/manage/threads/{thread.id}/move", data={"mv-category": str(forum.sizes.id)})
    assert moved.status_code == 200 and "Moved to Sizes &amp; orders." in text(moved)
    assert ForumThread.get_by_id(thread.id).category_id == forum.sizes.id
    # Another shop's category is not a choice.
    theirs = models.add_category(other_shop, "Theirs")
    refused = staff_client.hx_post(f"{F}/manage/threads/{thread.id}/move", data={"mv-category": str(theirs.id)})
    assert refused.status_code == 422 and "field-error" in text(refused)
    assert ForumThread.get_by_id(thread.id).category_id == forum.sizes.id


def test_hiding_and_showing_a_post_swaps_it(staff_client, client, shop, forum, make_thread, customer, add_replies):
    thread = make_thread(forum.care, customer)
    [post] = add_replies(thread, customer, 1, body="Kasar sekali")
    hidden = staff_client.hx_post(f"{F}/manage/posts/{post.id}/hide")
    assert hidden.status_code == 200
    assert text(hidden).lstrip().startswith(f'<article class="forum-post forum-muted" id="post-{post.id}"')
    assert "Hidden from readers." in text(hidden) and f"/manage/posts/{post.id}/unhide" in text(hidden)
    assert "Kasar sekali" not in text(client.get(f"{F}/t/{thread.id}"))
    staff_client.hx_post(f"{F}/manage/posts/{post.id}/unhide")
    assert "Kasar sekali" in text(client.get(f"{F}/t/{thread.id}"))


def test_approving_a_post_that_is_not_held_changes_nothing(owner_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    post = ForumPost.get(ForumPost.thread == thread)
    answer = owner_client.hx_post(f"{F}/manage/posts/{post.id}/reject")
    assert "not waiting for approval" in text(answer)
    assert not ForumPost.get_by_id(post.id).is_hidden


def test_moderation_needs_the_csrf_token(owner_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    assert owner_client.post(f"{F}/manage/threads/{thread.id}/hide", csrf=False).status_code == 400
    assert not ForumThread.get_by_id(thread.id).is_hidden


# ---------------------------------------------------------------------------
# categories (owner only)
# ---------------------------------------------------------------------------


def test_owner_adds_renames_and_describes_categories(owner_client, client, shop):
    response = owner_client.post(f"{F}/manage/categories", data={"cat-name": "Perawatan sepatu",
                                                                  "cat-description": "Semir dan sikat"})
    assert response.status_code == 303
    cat = ForumCategory.get()
    assert (cat.name, cat.description, cat.position) == ("Perawatan sepatu", "Semir dan sikat", 1)
    edit = owner_client.get(f"{F}/manage/categories/{cat.id}")
    assert 'value="Perawatan sepatu"' in text(edit)
    owner_client.post(f"{F}/manage/categories/{cat.id}", data={"cat-name": "Perawatan", "cat-description": ""})
    assert ForumCategory.get_by_id(cat.id).name == "Perawatan"
    assert "Perawatan" in text(client.get(f"{F}/"))


def test_category_form_errors_stay_next_to_the_field(owner_client, shop):
    response = owner_client.post(f"{F}/manage/categories", data={"cat-name": "", "cat-description": "x"})
    assert response.status_code == 422 and 'id="cat-name-error"' in text(response)
    assert ForumCategory.select().count() == 0


def test_owner_reorders_categories(owner_client, client, shop, forum):
    third = models.add_category(shop, "Pamer sepatumu")
    owner_client.post(f"{F}/manage/categories/{third.id}/move", data={"direction": "up"})
    owner_client.post(f"{F}/manage/categories/{third.id}/move", data={"direction": "up"})
    names = [c.name for c in models.categories(shop)]
    assert names == ["Pamer sepatumu", "Shoe care", "Sizes & orders"]
    page = text(client.get(f"{F}/"))
    assert page.index("Pamer sepatumu") < page.index("Shoe care") < page.index("Sizes &amp; orders")
    # At the top already: nothing moves.
    owner_client.post(f"{F}/manage/categories/{third.id}/move", data={"direction": "up"})
    assert [c.name for c in models.categories(shop)] == names


def test_a_category_with_threads_is_deleted_only_after_moving_them(owner_client, shop, forum, make_thread,
                                                                  customer):
    thread = make_thread(forum.care, customer)
    refused = owner_client.post(f"{F}/manage/categories/{forum.care.id}/delete", data={"del-move_to": ""})
    assert refused.status_code == 422 and "choose where they move first" in text(refused)
    assert ForumCategory.get_or_none(id=forum.care.id) is not None
    done = owner_client.post(f"{F}/manage/categories/{forum.care.id}/delete",
                             data={"del-move_to": str(forum.sizes.id)})
    assert done.status_code == 303
    assert ForumCategory.get_or_none(id=forum.care.id) is None
    assert ForumThread.get_by_id(thread.id).category_id == forum.sizes.id


def test_an_empty_category_is_deleted_at_once(owner_client, shop, forum):
    assert owner_client.post(f"{F}/manage/categories/{forum.sizes.id}/delete", data={}).status_code == 303
    assert ForumCategory.get_or_none(id=forum.sizes.id) is None


@pytest.mark.parametrize("who", ["staff_client", "customer_client", "other_owner_client"])
def test_only_the_owner_manages_categories(request, who, shop, forum):
    c = request.getfixturevalue(who)
    assert c.get(f"{F}/manage/categories").status_code == 403
    assert c.post(f"{F}/manage/categories", data={"cat-name": "Nope"}).status_code == 403
    assert c.post(f"{F}/manage/categories/{forum.care.id}/delete", data={}).status_code == 403
    assert c.post(f"{F}/manage/categories/{forum.care.id}", data={"cat-name": "Renamed"}).status_code == 403
    assert [c.name for c in models.categories(shop)] == ["Shoe care", "Sizes & orders"]
