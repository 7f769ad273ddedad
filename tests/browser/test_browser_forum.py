"""In a real browser: a customer starts a forum thread, a second customer replies in place and reports a post,
search updates as you type, and the owner pins, locks and hides without a page reload.

A ``window`` marker set before an htmx action survives it: the page was not reloaded.
"""
from __future__ import annotations

import re

import pytest

from plugins.forum import models
from plugins.forum.models import ForumPost, ForumReport, ForumThread
from portal.core.models import User
from portal.testing import TEST_PASSWORD, make_user

pytestmark = pytest.mark.browser


def set_marker(page):
    page.evaluate("window.__marker = 1")


def marker_survived(page) -> bool:
    return page.evaluate("window.__marker") == 1


def log_in(page, base, email):
    page.goto(f"{base}/forum/")
    page.locator("a", has_text="Log in").first.click()
    page.wait_for_url(re.compile(r"/login"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/forum/")


@pytest.fixture
def forum_shop(shop, customer, other_customer):
    care = models.add_category(shop, "Perawatan sepatu", "Cara merawat sepatu kulit.")
    models.add_category(shop, "Ukuran & pemesanan")
    models.create_thread(shop, care, make_user("seller@example.test", "Penjual Lem"), "Jual lem sepatu murah",
                                          "Promo **lem** sepatu, cek lapak saya.", by_staff=False, held=False,
                                          subscribe=False, lang="en")
    return shop


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_customers_talk_and_the_owner_moderates(live_server, forum_shop, open_tab, viewport):
    base = f"{live_server.url}/s/{forum_shop.slug}"

    # Customer A starts a thread from the category page.
    a = open_tab(viewport, "forum-a")
    page = a.page
    log_in(page, base, "customer@example.test")
    a.shot("1-index")
    page.locator("a", has_text="Perawatan sepatu").first.click()
    page.locator("a[role=button]", has_text="New thread").click()
    page.locator("#ft-title").fill("Cara menyemir pantofel hitam?")
    page.locator("#ft-body").fill("Semir **krim** atau semir *padat*?\n\n<script>alert(1)</script>")
    a.shot("2-new-thread")
    page.locator("form.forum-thread-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/forum/t/\d+$"))
    thread = ForumThread.get(ForumThread.title == "Cara menyemir pantofel hitam?")
    body = page.locator(".forum-post-body").first
    assert body.locator("strong").inner_text() == "krim"
    assert "<script>alert(1)</script>" in body.inner_text()  # shown as text, never run
    a.shot("3-thread")

    # Customer B replies: the reply appears without a reload, the form is empty again.
    b = open_tab(viewport, "forum-b")
    page_b = b.page
    log_in(page_b, base, "customer-b@example.test")
    page_b.goto(f"{base}/forum/t/{thread.id}")
    set_marker(page_b)
    page_b.locator("#fr-body").fill("Semir krim, tipis-tipis saja.")
    page_b.locator(".forum-reply button[type=submit]").click()
    page_b.locator(".forum-post", has_text="tipis-tipis").wait_for()
    page_b.locator(".forum-reply .flash-success", has_text="Your reply is posted.").wait_for()
    assert page_b.locator("#fr-body").input_value() == ""
    assert marker_survived(page_b)
    b.shot("4-replied")

    # B corrects the reply in place: the edit form takes the post's place, saving swaps the post back.
    mine = page_b.locator(".forum-post", has_text="tipis-tipis")
    mine.get_by_role("link", name="Edit", exact=True).click()
    editing = page_b.locator(".forum-post-editing")
    editing.get_by_label("Message").fill("Semir krim, tipis-tipis saja. Lalu gosok dengan kain **katun**.")
    b.shot("4b-editing")
    editing.get_by_role("button", name="Save changes").click()
    saved = page_b.locator(".forum-post", has_text="kain katun")
    saved.locator(".status-text", has_text="Saved.").wait_for()
    assert saved.locator(".forum-post-body strong").inner_text() == "katun"
    assert "(edited)" in saved.inner_text()
    assert marker_survived(page_b)
    assert ForumPost.get(ForumPost.body.contains("kain **katun**")).edited_at is not None

    # Search as you type finds the other thread, still without a reload.
    page_b.goto(f"{base}/forum/")
    set_marker(page_b)
    page_b.locator("#forum-q").press_sequentially("lem sep", delay=30)
    page_b.locator("#forum-results a", has_text="Jual lem sepatu murah").wait_for()
    assert marker_survived(page_b)
    b.shot("5-search")

    # B reports the spam thread's post, in place.
    page_b.locator("#forum-results a", has_text="Jual lem sepatu murah").click()
    page_b.wait_for_url(re.compile(r"/forum/t/\d+"))
    page_b.wait_for_load_state("networkidle")
    page_b.locator(".forum-report-link").first.click()
    page_b.locator("select[name=rp-reason]").select_option("spam")
    page_b.locator(".forum-report button[type=submit]").click()
    page_b.locator(".forum-report .flash", has_text="The shop will look at this post.").wait_for()
    assert ForumReport.select().count() == 1
    b.shot("6-reported")

    # The owner pins and locks A's thread and hides the reported post from the queue, all in place.
    o = open_tab(viewport, "forum-owner")
    page_o = o.page
    page_o.goto(f"{live_server.url}/login")
    page_o.locator("input[name=email]").fill("owner@shop.test")
    page_o.locator("input[name=password]").fill(TEST_PASSWORD)
    page_o.locator("main form button[type=submit]").click()
    page_o.wait_for_url(re.compile(r"/$|/s/"))
    page_o.goto(f"{base}/manage/")
    page_o.locator(".backoffice-menu a", has_text="Forum").click()
    page_o.wait_for_url(f"{base}/forum/manage/")
    o.shot("7-queue")
    set_marker(page_o)
    page_o.locator(".forum-report-row button", has_text="Hide the post").click()
    page_o.locator(".forum-report-row .flash-success", has_text="The post is hidden").wait_for()
    assert marker_survived(page_o)
    page_o.goto(f"{base}/forum/t/{thread.id}")
    set_marker(page_o)
    page_o.locator(".forum-thread-head button", has_text="Pin").click()
    page_o.locator(".forum-thread-head .flash-success", has_text="Pinned").wait_for()
    page_o.locator(".forum-thread-head button", has_text="Lock").click()
    page_o.locator(".forum-thread-head .flash-success", has_text="Locked").wait_for()
    assert marker_survived(page_o)
    o.shot("8-moderated")
    row = ForumThread.get_by_id(thread.id)
    assert row.is_pinned and row.is_locked

    # Customer A now sees a locked thread, with no reply form; the hidden post is gone for B.
    page.goto(f"{base}/forum/t/{thread.id}")
    assert page.locator("#fr-body").count() == 0
    assert page.locator(".forum-reply", has_text="locked").is_visible()
    a.shot("9-locked")
    reported = ForumPost.get(ForumPost.body.contains("lapak saya"))
    assert reported.is_hidden
    page_b.goto(f"{base}/forum/t/{reported.thread_id}")
    assert page_b.locator(".forum-post").count() == 0
    for tab in (a, b, o):
        assert not tab.errors, tab.errors
    assert User.get(User.email == "owner@shop.test")
