"""In a real browser (issue 4, item 6): a customer writes in the guestbook and comments on a product;
the owner hides the guestbook entry and replies to the comment; a second customer sees the result.

Three browser contexts (three people), each logging in through the log-in form. Every
step happens in place (htmx): a ``window`` marker set before a click must survive it.
The guestbook refuses a form sent faster than a person could (a signed "shown at"
time), so the customer waits that long before sending, as a person typing would.
"""
from __future__ import annotations

import re

import pytest

from plugins.comments.models import Comment
from plugins.guestbook.models import GuestbookEntry
from tests.browser.session_kit import log_in
from tests.core.orders_testkit import make_product

pytestmark = pytest.mark.browser

ENTRY = "Pelayanan ramah, pesanan saya datang tepat waktu."
COMMENT = "Apakah model ini ada ukuran 45?"
REPLY = "Ada, Kak. Ukuran 45 dibuat khusus, tambah dua hari."


def set_marker(page):
    page.evaluate("window.__marker = 1")


def marker_survived(page) -> bool:
    return page.evaluate("window.__marker") == 1


def guestbook_min_wait_ms(app) -> int:
    # The guestbook's minimum time to submit (signed timestamp, whole seconds), plus a margin.
    from plugins.guestbook import antispam

    with app.app_context():
        return int((antispam.min_seconds() + 1.5) * 1000)


@pytest.fixture
def boots(shop):
    from plugins.comments.models import add_comment
    from portal.testing import make_user

    product = make_product(shop, "Pantofel Oxford Hitam", stock=20)
    # Two earlier reviews by buyers, so the stars show on the page and on the card.
    for email, name, stars, body in (("rina@example.test", "Rina", 5, "Kulitnya lembut, jahitan rapi."),
                                     ("agus@example.test", "Agus", 4, "Pas di kaki, pengiriman cepat.")):
        add_comment(shop, product, make_user(email, name), body, stars, verified=True)
    return product


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_customers_post_the_owner_moderates_another_customer_sees_it(live_server, portal_app, shop, boots, customer,
                                                                     other_customer, open_tab, viewport):
    base = live_server.url
    shop_path = f"/s/{shop.slug}"
    product_path = f"{shop_path}/p/{boots.slug}"
    guestbook_path = f"{shop_path}/guestbook/"

    # --- customer A: a guestbook entry -------------------------------------------------------
    a = open_tab(viewport, "community-a")
    page = a.page
    log_in(page, base, customer.email, guestbook_path)
    set_marker(page)
    form = page.locator("form.guestbook-form")
    form.get_by_label("Your name").fill("Dewi Customer")
    form.get_by_label("Message").fill(ENTRY)
    page.wait_for_timeout(guestbook_min_wait_ms(portal_app))
    form.get_by_role("button", name="Post message").click()
    page.locator(".guestbook-form [role=status]", has_text="Thank you!").wait_for()
    assert ENTRY in page.locator("#guestbook-entries").inner_text()
    assert marker_survived(page), "posting in the guestbook reloaded the page"
    assert GuestbookEntry.select().where(GuestbookEntry.message == ENTRY).count() == 1
    a.shot("1-guestbook-posted")

    # --- customer A: a product comment, in place ---------------------------------------------
    page.goto(f"{base}{shop_path}/products")
    card = page.locator(".product-card", has_text=boots.name)
    assert "4.5 (2)" in card.inner_text()
    assert card.locator(".sr-only", has_text="4.5 out of 5 stars, 2 reviews").count() == 1
    a.shot("2a-catalogue-stars")
    card.get_by_role("link", name=boots.name).click()
    page.wait_for_url(f"{base}{product_path}")
    assert "4.5 out of 5 stars, 2 reviews" in page.locator("#comments-summary").inner_text()
    column = page.locator("#comments")
    column.scroll_into_view_if_needed()
    set_marker(page)
    column.get_by_label("Your comment").fill(COMMENT)
    column.get_by_role("button", name="Post comment").click()
    column.locator("[role=status]", has_text="Your comment is published").wait_for()
    first = page.locator("#comments-list > li.comment").first
    assert COMMENT in first.inner_text()
    assert marker_survived(page), "posting a comment reloaded the page"
    assert column.get_by_label("Your comment").input_value() == ""
    assert Comment.select().where(Comment.body == COMMENT).count() == 1
    a.shot("2b-comment-posted")
    assert a.errors == [], a.errors

    # --- the owner: hide the guestbook entry, reply to the comment ---------------------------
    o = open_tab(viewport, "community-owner")
    page = o.page
    log_in(page, base, "owner@shop.test", guestbook_path)
    entry = page.locator("#guestbook-entries > li.entry", has_text=ENTRY)
    set_marker(page)
    entry.get_by_role("button", name="Hide").click()
    page.locator("#guestbook-entries > li.entry-hidden", has_text=ENTRY).locator(
        ".status-text", has_text="Hidden").wait_for()
    assert marker_survived(page)
    assert GuestbookEntry.get(GuestbookEntry.message == ENTRY).is_hidden is True
    o.shot("3-entry-hidden")

    page.goto(f"{base}{product_path}")
    comment = page.locator("#comments-list > li.comment", has_text=COMMENT)
    comment.scroll_into_view_if_needed()
    set_marker(page)
    comment.locator("summary", has_text="Reply").click()
    comment.get_by_label("Reply from the shop").fill(REPLY)
    o.shot("4-reply-typed")
    comment.get_by_role("button", name="Publish reply").click()
    comment = page.locator("#comments-list > li.comment", has_text=COMMENT)
    comment.locator(".status-text", has_text="Reply published.").wait_for()
    assert REPLY in comment.locator(".comment-reply").inner_text()
    assert marker_survived(page), "replying reloaded the page"
    assert Comment.get(Comment.body == COMMENT).reply == REPLY
    o.shot("5-replied")
    # The back office lists it, replied, under "All".
    page.get_by_role("link", name="Manage").first.click()
    page.locator(".backoffice-menu").get_by_role("link", name="Comments").click()
    page.wait_for_url(f"{base}{shop_path}/comments/manage/")
    listed = page.locator("#comments-list > li.comment", has_text=COMMENT)
    assert REPLY in listed.inner_text() and boots.name in listed.inner_text()
    o.shot("6-back-office-list")
    assert o.errors == [], o.errors

    # --- customer B sees the result ----------------------------------------------------------
    b = open_tab(viewport, "community-b")
    page = b.page
    log_in(page, base, other_customer.email, guestbook_path)
    assert ENTRY not in page.locator("main").inner_text()
    b.shot("7-guestbook-without-entry")
    page.goto(f"{base}{product_path}")
    comment = page.locator("#comments-list > li.comment", has_text=COMMENT)
    comment.scroll_into_view_if_needed()
    reply = comment.locator(".comment-reply")
    assert REPLY in reply.inner_text()
    assert re.search(r"Shop\s+Reply from Test Workshop", reply.inner_text())
    # Customer B may report the comment, but not edit it or moderate it.
    assert comment.get_by_role("button", name="Report").count() == 1
    assert comment.get_by_role("link", name="Edit").count() == 0
    assert comment.get_by_role("button", name="Hide").count() == 0
    b.shot("8-reply-seen")
    # The profile page (the guestbook's slot there) no longer shows the entry either.
    page.goto(f"{base}{shop_path}/profile")
    assert ENTRY not in page.content()
    assert b.errors == [], b.errors
