"""The forum's reader and writer routes: who may read and post, locked and pinned threads, held first posts,
reports, search, pagination, the thread page's query budget and hostile input."""
from __future__ import annotations

import re

import pytest

from plugins.forum import models
from plugins.forum.models import ForumPost, ForumReport, ForumSubscription, ForumThread
from portal.core.models import ShopModule, User
from tests.plugins.forum.conftest import text

F = "/s/workshop/forum"


def thread_url(thread) -> str:
    return f"{F}/t/{thread.id}"


def authors(page: str) -> list[str]:
    return re.findall(r'<header class="forum-post-head">\s*<strong><bdi>([^<]+)</bdi></strong>', page)


def bodies(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", b).strip()
            for b in re.findall(r'<div class="forum-post-body" dir="auto">(.*?)</div>', page, re.S)]


def user(email: str) -> User:
    return User.get(User.email == email)


def hold_first_posts(shop, on=True):
    ShopModule.insert(shop=shop, plugin="forum", enabled=True, settings={"hold_first_posts": on}).on_conflict(
        conflict_target=[ShopModule.shop, ShopModule.plugin], update={ShopModule.settings: {"hold_first_posts": on}},
    ).execute()


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def test_index_lists_categories_in_order_with_public_thread_counts(client, shop, forum, make_thread, customer):
    make_thread(forum.care, customer)
    make_thread(forum.care, customer, title="Hidden one", is_hidden=True)
    make_thread(forum.care, customer, title="Held one", held=True)
    page = text(client.get(f"{F}/"))
    assert page.index("Shoe care") < page.index("Sizes &amp; orders")
    assert "1 thread" in page and "0 threads" in page
    assert f'href="{F}/c/{forum.care.id}"' in page


def test_category_lists_pinned_first_then_newest_activity(client, shop, forum, make_thread, customer):
    import datetime as dt

    old = make_thread(forum.care, customer, title="Old but pinned", at=dt.datetime(2025, 1, 1), is_pinned=True)
    make_thread(forum.care, customer, title="Older", at=dt.datetime(2025, 6, 1))
    make_thread(forum.care, customer, title="Newest", at=dt.datetime(2026, 1, 1))
    make_thread(forum.sizes, customer, title="Elsewhere")
    page = text(client.get(f"{F}/c/{forum.care.id}"))
    titles = re.findall(r'<a href="/s/workshop/forum/t/\d+"><bdi>([^<]+)</bdi></a>', page)
    assert titles == ["Old but pinned", "Newest", "Older"]
    assert f'href="{thread_url(old)}"' in page and "Pinned" in page


def test_thread_page_shows_posts_oldest_first_with_staff_badge(client, shop, forum, make_thread, customer,
                                                              add_replies):
    thread = make_thread(forum.care, customer, body="First **post**")
    add_replies(thread, user("staff@shop.test"), 1, body="From the workshop", by_staff=True)
    add_replies(thread, customer, 1, body="Thank you")
    page = text(client.get(thread_url(thread)))
    assert authors(page) == ["Customer A", "Staff", "Customer A"]
    assert bodies(page) == ["First post", "From the workshop", "Thank you"]
    assert page.count('<span class="badge badge-ok">Staff</span>') == 1
    assert "<strong>post</strong>" in page
    # Anonymous readers are asked to log in to reply, and see no report or moderation button.
    assert "Log in to reply" in page and "/report" not in page and "/manage/" not in page


def test_hidden_and_held_threads_are_404_for_readers_but_shown_to_the_team(
        client, customer_client, other_customer_client, owner_client, staff_client, shop, forum, make_thread,
        customer, other_customer):
    hidden = make_thread(forum.care, other_customer, title="Hidden", is_hidden=True)
    held = make_thread(forum.care, customer, title="Mine, held", held=True)
    for c in (client, other_customer_client):
        assert c.get(thread_url(hidden)).status_code == 404
        assert c.get(thread_url(held)).status_code == 404
    assert customer_client.get(thread_url(hidden)).status_code == 404
    mine = text(customer_client.get(thread_url(held)))
    assert "waiting for the shop's approval" in mine and "Only you can see it" in mine
    for c in (owner_client, staff_client):
        assert "Hidden" in text(c.get(thread_url(hidden)))
        assert "Waiting for approval" in text(c.get(thread_url(held)))


def test_hidden_posts_are_left_out_for_readers_and_marked_for_the_team(client, owner_client, shop, forum,
                                                                      make_thread, customer, add_replies):
    thread = make_thread(forum.care, customer)
    add_replies(thread, customer, 1, body="Spam spam", is_hidden=True)
    assert "Spam spam" not in text(client.get(thread_url(thread)))
    page = text(owner_client.get(thread_url(thread)))
    assert "Spam spam" in page and '<span class="badge badge-warn">Hidden</span>' in page


def test_another_shops_threads_and_categories_are_not_found(client, customer_client, shop, other_shop, forum,
                                                           make_thread, customer):
    theirs = models.add_category(other_shop, "Theirs")
    thread = make_thread(theirs, customer, title="Other shop's thread")
    assert client.get(f"{F}/c/{theirs.id}").status_code == 404
    assert client.get(thread_url(thread)).status_code == 404
    assert customer_client.post(f"{thread_url(thread)}/reply", data={"fr-body": "hi"}).status_code == 404
    assert customer_client.get(f"{F}/c/{theirs.id}/new").status_code == 404
    assert "Other shop" not in text(client.get(f"{F}/search?q=shop"))


def test_posts_page_by_twenty_with_one_extra_row(client, shop, forum, make_thread, customer, add_replies):
    thread = make_thread(forum.care, customer)
    add_replies(thread, customer, 44)
    first = text(client.get(thread_url(thread)))
    assert len(bodies(first)) == 20 and f'href="{thread_url(thread)}?page=2" rel="next"' in first
    third = text(client.get(f"{thread_url(thread)}?page=3"))
    assert bodies(third) == [f"Reply number {i}" for i in range(40, 45)]
    assert 'rel="next"' not in third and 'rel="prev"' in third
    assert bodies(text(client.get(f"{thread_url(thread)}?page=9"))) == []
    assert client.get(f"{thread_url(thread)}?page=abc").status_code == 200
    # Bounded: nobody pages through ten thousand pages of OFFSET.
    assert client.get(f"{thread_url(thread)}?page=100000").status_code == 404


def test_thread_list_pages_by_twenty(client, shop, forum, make_thread, customer):
    for i in range(23):
        make_thread(forum.care, customer, title=f"Topic {i:02d}")
    first = text(client.get(f"{F}/c/{forum.care.id}"))
    assert first.count('class="forum-thread-row') == 20 and 'rel="next"' in first
    second = text(client.get(f"{F}/c/{forum.care.id}?page=2"))
    assert second.count('class="forum-thread-row') == 3


def test_thread_page_query_budget_does_not_grow_with_posts(client, customer_client, owner_client, shop, forum,
                                                          make_thread, customer, other_customer, add_replies,
                                                          query_counter):
    thread = make_thread(forum.care, customer)
    add_replies(thread, other_customer, 1)
    measured = {}
    for size in ("small", "large"):
        if size == "large":
            # Authors, staff badges and held/hidden marks must not cost a query per post.
            add_replies(thread, other_customer, 10)
            add_replies(thread, customer, 10, by_staff=True)
            add_replies(thread, customer, 3, is_hidden=True)
        for name, c in (("anonymous", client), ("customer", customer_client), ("owner", owner_client)):
            c.get(thread_url(thread))  # warm the session
            with query_counter() as q:
                assert c.get(thread_url(thread)).status_code == 200
            forum_queries = [s for s in q.statements if '"forum_' in s]
            # The thread (with its category) and one page of posts (with authors); for the team also the
            # categories of the "Move to" menu. Nothing per post.
            assert len(forum_queries) == (3 if name == "owner" else 2), forum_queries
            # Never a COUNT over the posts: one extra row tells whether another page follows.
            assert not [s for s in q.statements if "COUNT(" in s.upper() and "forum_post" in s], q.statements
            measured[(name, size)] = q.count
    for name in ("anonymous", "customer", "owner"):
        assert measured[(name, "small")] == measured[(name, "large")], measured


def test_post_link_finds_the_page_of_a_post(client, shop, forum, make_thread, customer, add_replies):
    thread = make_thread(forum.care, customer)
    replies = add_replies(thread, customer, 25)
    response = client.get(f"{F}/p/{replies[-1].id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{thread_url(thread)}?page=2#post-{replies[-1].id}")
    assert client.get(f"{F}/p/{replies[0].id}").headers["Location"].endswith(f"{thread_url(thread)}#post-{replies[0].id}")
    ForumPost.update(is_hidden=True).where(ForumPost.id == replies[0].id).execute()
    assert client.get(f"{F}/p/{replies[0].id}").status_code == 404


# ---------------------------------------------------------------------------
# posting
# ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_to_post(client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    new = client.get(f"{F}/c/{forum.care.id}/new")
    assert new.status_code == 303 and "/login" in new.headers["Location"]
    reply = client.post(f"{thread_url(thread)}/reply", data={"fr-body": "hello"})
    assert reply.status_code == 303 and "/login" in reply.headers["Location"]
    hx = client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "hello"})
    assert "/login" in hx.headers.get("HX-Redirect", "")
    assert ForumPost.select().count() == 1


@pytest.mark.parametrize("who", ["customer_client", "other_customer_client", "owner_client", "staff_client",
                                 "supplier_client", "courier_client", "admin_client"])
def test_registered_users_start_threads(request, who, shop, forum):
    c = request.getfixturevalue(who)
    response = c.post(f"{F}/c/{forum.care.id}/new",
                      data={"ft-title": "Sol lepas", "ft-body": "Bagaimana cara *merekatkan* sol?", "ft-subscribe": "y"})
    assert response.status_code == 303
    thread = ForumThread.get()
    assert response.headers["Location"].endswith(thread_url(thread))
    first = ForumPost.get(ForumPost.thread == thread)
    assert first.is_first and first.body == "Bagaimana cara *merekatkan* sol?" and not first.is_held
    assert first.by_staff == (who in ("owner_client", "staff_client"))
    assert ForumSubscription.get().user_id == thread.author_id


def test_new_thread_form_errors_are_shown_next_to_the_fields(customer_client, shop, forum):
    response = customer_client.post(f"{F}/c/{forum.care.id}/new",
                                    data={"ft-title": "\u200b\u202e ", "ft-body": "x" * 8001})
    assert response.status_code == 422
    page = text(response)
    assert 'id="ft-title-error"' in page and "Please write something." in page
    assert 'id="ft-body-error"' in page and "8000" in page
    assert ForumThread.select().count() == 0


def test_reply_in_place_with_htmx(customer_client, shop, forum, make_thread, other_customer):
    thread = make_thread(forum.care, other_customer)
    response = customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Pakai *semir* netral."})
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page and "Your reply is posted." in page
    assert 'hx-swap-oob="beforeend:#forum-posts"' in page and "<em>semir</em>" in page
    # The fresh form is empty again.
    assert re.search(r'<textarea[^>]*name="fr-body"[^>]*>\s*</textarea>', page)
    post = ForumPost.get(ForumPost.body == "Pakai *semir* netral.")
    assert post.author_id == user("customer@example.test").id and not post.by_staff


def test_reply_without_htmx_redirects_to_the_post(customer_client, shop, forum, make_thread, other_customer):
    thread = make_thread(forum.care, other_customer)
    response = customer_client.post(f"{thread_url(thread)}/reply", data={"fr-body": "Terima kasih"})
    assert response.status_code == 303
    post = ForumPost.get(ForumPost.body == "Terima kasih")
    assert response.headers["Location"].endswith(f"/p/{post.id}")


def test_an_empty_reply_shows_the_error_in_place(customer_client, shop, forum, make_thread, customer):
    thread = make_thread(forum.care, customer)
    response = customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "  \u200b "})
    assert response.status_code == 422
    assert 'id="fr-body-error"' in text(response) and "<html" not in text(response)
    assert ForumPost.select().count() == 1


def test_locked_threads_take_replies_from_the_team_only(customer_client, staff_client, owner_client, shop, forum,
                                                       make_thread, customer):
    thread = make_thread(forum.care, customer, is_locked=True)
    page = text(customer_client.get(thread_url(thread)))
    assert "it takes no new replies" in page and 'name="fr-body"' not in page
    refused = customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Still here"})
    assert refused.status_code == 403 and "locked" in text(refused)
    plain = customer_client.post(f"{thread_url(thread)}/reply", data={"fr-body": "Still here"})
    assert plain.status_code == 303
    assert not ForumPost.select().where(ForumPost.body == "Still here").exists()
    assert 'name="fr-body"' in text(staff_client.get(thread_url(thread)))
    assert staff_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Closed, thanks"}).status_code == 200
    assert owner_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Owner too"}).status_code == 200
    assert ForumPost.select().where(ForumPost.by_staff == True).count() == 2  # noqa: E712


def test_posting_is_rate_limited(customer_client, shop, forum, make_thread, other_customer):
    thread = make_thread(forum.care, other_customer)
    for i in range(5):
        assert customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": f"flood {i}"}).status_code == 200
    assert customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "flood 5"}).status_code == 429
    assert ForumPost.select().where(ForumPost.body.startswith("flood")).count() == 5


# ---------------------------------------------------------------------------
# new members' first posts held for approval
# ---------------------------------------------------------------------------


def test_first_post_of_a_new_member_is_held_when_the_owner_asks(customer_client, other_customer_client, client,
                                                               shop, forum, make_thread, other_customer):
    hold_first_posts(shop)
    thread = make_thread(forum.care, other_customer)
    answer = customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Halo, saya baru"})
    assert "once the shop has approved it" in text(answer)
    post = ForumPost.get(ForumPost.body == "Halo, saya baru")
    assert post.is_held
    # The author sees it with a note; nobody else does.
    mine = text(customer_client.get(thread_url(thread)))
    assert "Halo, saya baru" in mine and "Waiting for approval" in mine
    for c in (client, other_customer_client):
        assert "Halo, saya baru" not in text(c.get(thread_url(thread)))
    # A second post before approval is held too (still a new member).
    customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Halo lagi"})
    assert ForumPost.get(ForumPost.body == "Halo lagi").is_held


def test_after_one_approved_post_a_member_posts_freely(customer_client, owner_client, shop, forum, make_thread,
                                                      other_customer):
    hold_first_posts(shop)
    thread = make_thread(forum.care, other_customer)
    customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Pertama"})
    first = ForumPost.get(ForumPost.body == "Pertama")
    queue = text(owner_client.get(f"{F}/manage/"))
    assert "Pertama" in queue and f"/manage/posts/{first.id}/approve" in queue
    approved = owner_client.hx_post(f"{F}/manage/posts/{first.id}/approve")
    assert approved.status_code == 200 and "Approved" in text(approved)
    assert not ForumPost.get_by_id(first.id).is_held
    customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Kedua"})
    assert not ForumPost.get(ForumPost.body == "Kedua").is_held


def test_a_held_new_thread_waits_and_staff_are_never_held(customer_client, staff_client, owner_client, client,
                                                         shop, forum):
    hold_first_posts(shop)
    customer_client.post(f"{F}/c/{forum.care.id}/new", data={"ft-title": "Pertanyaan", "ft-body": "Ukuran 43?"})
    thread = ForumThread.get(ForumThread.title == "Pertanyaan")
    assert thread.is_held and client.get(thread_url(thread)).status_code == 404
    staff_client.post(f"{F}/c/{forum.care.id}/new", data={"ft-title": "Pengumuman", "ft-body": "Libur"})
    assert not ForumThread.get(ForumThread.title == "Pengumuman").is_held
    first = ForumPost.get((ForumPost.thread == thread) & ForumPost.is_first)
    owner_client.hx_post(f"{F}/manage/posts/{first.id}/approve")
    assert client.get(thread_url(thread)).status_code == 200


def test_refusing_a_held_post_keeps_it_hidden(customer_client, owner_client, client, shop, forum):
    hold_first_posts(shop)
    customer_client.post(f"{F}/c/{forum.care.id}/new", data={"ft-title": "Jual murah", "ft-body": "spam"})
    first = ForumPost.get(ForumPost.body == "spam")
    assert owner_client.hx_post(f"{F}/manage/posts/{first.id}/reject").status_code == 200
    row = ForumThread.get_by_id(first.thread_id)
    assert row.is_hidden and not row.is_held and ForumPost.get_by_id(first.id).is_hidden
    assert client.get(thread_url(row)).status_code == 404


def test_without_the_setting_first_posts_appear_at_once(customer_client, shop, forum, make_thread, other_customer):
    thread = make_thread(forum.care, other_customer)
    customer_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "Langsung tampil"})
    assert not ForumPost.get(ForumPost.body == "Langsung tampil").is_held


# ---------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------


def test_report_flow_from_customer_to_owner(customer_client, owner_client, client, shop, forum, make_thread,
                                           other_customer, add_replies):
    thread = make_thread(forum.care, other_customer)
    [bad] = add_replies(thread, other_customer, 1, body="Beli followers murah!")
    page = text(customer_client.get(thread_url(thread)))
    assert f'hx-get="{F}/p/{bad.id}/report"' in page
    form = customer_client.hx_get(f"{F}/p/{bad.id}/report")
    assert form.status_code == 200 and 'name="rp-reason"' in text(form) and "<html" not in text(form)
    sent = customer_client.hx_post(f"{F}/p/{bad.id}/report", data={"rp-reason": "spam", "rp-details": "iklan"})
    assert "The shop will look at this post." in text(sent)
    again = customer_client.hx_post(f"{F}/p/{bad.id}/report", data={"rp-reason": "rude"})
    assert "already reported" in text(again)
    assert ForumReport.select().count() == 1
    # The owner's menu badge counts it; the queue shows it; hiding resolves it.
    dashboard = text(owner_client.get("/s/workshop/manage/"))
    assert re.search(rf'href="{F}/manage/">Forum <mark>1</mark>', dashboard)
    report = ForumReport.get()
    queue = text(owner_client.get(f"{F}/manage/"))
    assert "Spam or advertising" in queue and "iklan" in queue and "Beli followers murah!" in queue
    done = owner_client.hx_post(f"{F}/manage/reports/{report.id}/resolve", data={"outcome": "hide"})
    assert done.status_code == 200 and "The post is hidden" in text(done)
    report = ForumReport.get_by_id(report.id)
    assert report.resolved_at is not None and report.outcome == "hidden"
    assert report.resolved_by_id == user("owner@shop.test").id
    assert ForumPost.get_by_id(bad.id).is_hidden
    assert "Beli followers" not in text(client.get(thread_url(thread)))
    assert not re.search(rf'href="{F}/manage/">Forum <mark>', text(owner_client.get("/s/workshop/manage/")))


def test_dismissing_a_report_keeps_the_post(customer_client, staff_client, shop, forum, make_thread, other_customer):
    thread = make_thread(forum.care, other_customer, body="Harga berapa?")
    first = ForumPost.get(ForumPost.thread == thread)
    customer_client.post(f"{F}/p/{first.id}/report", data={"rp-reason": "other"})
    report = ForumReport.get()
    answer = staff_client.hx_post(f"{F}/manage/reports/{report.id}/resolve", data={"outcome": "dismiss"})
    assert "the post stays" in text(answer)
    assert ForumReport.get_by_id(report.id).outcome == "dismissed" and not ForumPost.get_by_id(first.id).is_hidden


def test_nobody_reports_their_own_post_and_readers_must_log_in(customer_client, client, shop, forum, make_thread,
                                                              customer):
    thread = make_thread(forum.care, customer)
    first = ForumPost.get(ForumPost.thread == thread)
    assert "/report" not in text(customer_client.get(thread_url(thread)))
    own = customer_client.post(f"{F}/p/{first.id}/report", data={"rp-reason": "spam"})
    assert own.status_code == 400 and ForumReport.select().count() == 0
    anon = client.post(f"{F}/p/{first.id}/report", data={"rp-reason": "spam"})
    assert anon.status_code == 303 and "/login" in anon.headers["Location"]
    assert ForumReport.select().count() == 0


def test_an_invalid_reason_is_refused_with_a_message(customer_client, shop, forum, make_thread, other_customer):
    thread = make_thread(forum.care, other_customer)
    first = ForumPost.get(ForumPost.thread == thread)
    response = customer_client.hx_post(f"{F}/p/{first.id}/report", data={"rp-reason": "because"})
    assert response.status_code == 422 and 'id="rp-reason-error"' in text(response)
    assert ForumReport.select().count() == 0


# ---------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------


def test_search_finds_titles_and_bodies_case_insensitively(client, shop, forum, make_thread, customer,
                                                          add_replies):
    by_title = make_thread(forum.care, customer, title="Merawat SEMIR kulit", body="isi")
    by_reply = make_thread(forum.sizes, customer, title="Ukuran", body="isi")
    add_replies(by_reply, customer, 1, body="Saya pakai semir Kiwi")
    make_thread(forum.care, customer, title="Lain", body="tidak ada")
    hidden = make_thread(forum.care, customer, title="semir tersembunyi", is_hidden=True)
    page = text(client.get(f"{F}/search?q=Semir"))
    assert f'href="{thread_url(by_title)}"' in page and f'href="{thread_url(by_reply)}"' in page
    assert f'href="{thread_url(hidden)}"' not in page and "Lain" not in page


def test_search_treats_wildcards_literally(client, shop, forum, make_thread, customer):
    make_thread(forum.care, customer, title="Diskon 50% hari ini", body="x")
    make_thread(forum.care, customer, title="Diskon 500 ribu", body="x")
    make_thread(forum.care, customer, title="ukuran_43", body="x")
    make_thread(forum.care, customer, title="ukuranX43", body="x")
    percent = text(client.get(f"{F}/search?q=50%25"))
    assert "Diskon 50% hari ini" in percent and "Diskon 500 ribu" not in percent
    underscore = text(client.get(f"{F}/search?q=ukuran_43"))
    assert "ukuran_43" in underscore and "ukuranX43" not in underscore
    everything = text(client.get(f"{F}/search?q=%25"))
    assert "Diskon 50% hari ini" in everything and "ukuran_43" not in everything


def test_search_as_you_type_answers_the_results_fragment(client, shop, forum, make_thread, customer):
    make_thread(forum.care, customer, title="Sol karet", body="x")
    response = client.hx_get(f"{F}/search?q=karet")
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<div id="forum-results"') and "Sol karet" in page
    full = text(client.get(f"{F}/"))
    assert 'hx-get="/s/workshop/forum/search"' in full and 'hx-indicator="#forum-search-spinner"' in full
    assert 'hx-target="#forum-results"' in full and 'id="forum-results"' in full


def test_search_pages_and_bounds_the_query(client, shop, forum, make_thread, customer):
    for i in range(22):
        make_thread(forum.care, customer, title=f"Sepatu {i}", body="x")
    first = text(client.get(f"{F}/search?q=sepatu"))
    assert first.count('class="forum-thread-row') == 20 and 'rel="next"' in first
    assert text(client.get(f"{F}/search?q=sepatu&page=2")).count('class="forum-thread-row') == 2
    assert client.get(f"{F}/search?q={'a' * 5000}").status_code == 200
    assert "Nothing found" not in text(client.get(f"{F}/search?q="))


def test_search_shows_the_authors_own_held_thread_only_to_them(client, customer_client, shop, forum, make_thread,
                                                              customer):
    make_thread(forum.care, customer, title="Menunggu persetujuan", held=True)
    assert "Menunggu persetujuan" in text(customer_client.get(f"{F}/search?q=menunggu"))
    assert "Menunggu persetujuan" not in text(client.get(f"{F}/search?q=menunggu"))


# ---------------------------------------------------------------------------
# hostile input, in full pages and in fragments
# ---------------------------------------------------------------------------

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[klik](javascript:alert(1))",
    '<div hx-get="/s/workshop/manage/" hx-trigger="load">x</div>',
    "\u202egnp.exe\u202c pesan",
    "nol\u200blebar\u200d",
]


def _inert(page: str):
    assert "<script>alert" not in page
    assert not re.search(r"<img\b", page)
    assert 'href="javascript:' not in page.lower()
    assert not re.search(r'<div hx-get="/s/workshop/manage/"', page)
    assert "\u202e" not in page


def test_hostile_threads_and_replies_are_inert_everywhere(customer_client, owner_client, client, shop, forum,
                                                         other_customer_client, staff_client):
    title = "<script>alert('t')</script>\u202eJudul"
    customer_client.post(f"{F}/c/{forum.care.id}/new", data={"ft-title": title, "ft-body": "\n\n".join(HOSTILE)})
    thread = ForumThread.get()
    assert thread.title == "<script>alert('t')</script>Judul"
    # Three posters, so the per-account rate limit (tested above) does not interfere.
    fragments = [c.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": body})
                 for c, body in zip([customer_client] * 3 + [other_customer_client] * 3, HOSTILE, strict=True)]
    long_body = "x" * 8000
    fragments.append(staff_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": long_body}))
    too_long = staff_client.hx_post(f"{thread_url(thread)}/reply", data={"fr-body": "y" * 10_000})
    assert too_long.status_code == 422 and not ForumPost.select().where(ForumPost.body.startswith("yyy")).exists()
    for response in fragments:
        assert response.status_code == 200
        _inert(text(response))
    last = ForumPost.select().order_by(ForumPost.id.desc()).first()
    other_customer_client.post(f"{F}/p/{last.id}/report", data={"rp-reason": "other", "rp-details": HOSTILE[0]})
    pages = [
        client.get(thread_url(thread)), client.get(f"{thread_url(thread)}?page=1"),
        owner_client.get(thread_url(thread)), client.get(f"{F}/c/{forum.care.id}"),
        client.get(f"{F}/search?q=Judul"), client.hx_get(f"{F}/search?q=alert"),
        owner_client.get(f"{F}/manage/"), other_customer_client.hx_get(f"{F}/p/{last.id}/report"),
        owner_client.hx_post(f"{F}/manage/posts/{last.id}/hide"),
        owner_client.hx_post(f"{F}/manage/threads/{thread.id}/pin"),
    ]
    for response in pages:
        assert response.status_code == 200
        _inert(text(response))
    full = text(client.get(thread_url(thread)))
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;Judul" in full
    assert "&lt;div hx-get=" in full
    assert '<div class="forum-post-body" dir="auto">' in full and "<bdi>" in full


def test_hostile_category_names_are_escaped(owner_client, client, shop):
    owner_client.post(f"{F}/manage/categories", data={"cat-name": "<b onmouseover=alert(1)>Kat</b>",
                                                      "cat-description": "<script>x</script>"})
    page = text(client.get(f"{F}/"))
    assert "&lt;b onmouseover=alert(1)&gt;Kat&lt;/b&gt;" in page and "<script>x" not in page


def test_control_characters_in_search_and_tokens_are_harmless(client, shop, forum, make_thread, customer):
    make_thread(forum.care, customer, title="Semir coklat", body="x")
    page = client.get(f"{F}/search?q=semir%00%1b")
    assert page.status_code == 200 and "Semir coklat" in text(page)
    assert client.get(f"{F}/unsubscribe/abc%00def").status_code == 404
    assert client.get(f"{F}/unsubscribe/{'a' * 300}").status_code == 404


def test_the_search_term_is_escaped_in_page_and_fragment(client, shop, forum):
    for response in (client.get(f"{F}/search?q=<script>alert(1)</script>"),
                     client.hx_get(f"{F}/search?q=<img src=x onerror=alert(1)>")):
        page = text(response)
        assert response.status_code == 200
        assert "<script>alert(1)" not in page and "<img src=x" not in page and "&lt;" in page
