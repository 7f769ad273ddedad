"""The plugin as a whole: switched off and on, hostile input, the customer profile section, demo data."""
from __future__ import annotations

import re

import pytest

from plugins.comments import demo
from plugins.comments.models import Comment
from portal.core.models import User
from tests.core.orders_testkit import make_product
from tests.plugins.comments.conftest import order_in

PAGE = "/s/workshop/p/pantofel-classic"
MANAGE = "/s/workshop/comments/manage/"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_metadata(portal_app):
    info = portal_app.extensions["portal"].plugins["comments"].info
    assert info.name == "comments" and info.version == "1.0.0"
    assert str(info.label) == "Comments and reviews"
    assert info.settings_form is not None and "require_approval" in info.settings_form.__dict__


# ---------------------------------------------------------------------------
# switched on and off
# ---------------------------------------------------------------------------


def test_enabled_gives_exactly_one_column_and_one_badge_per_reviewed_card(client, product, customer, add_comments):
    add_comments(product, customer, 1, rating=5)
    page = text(client.get(PAGE))
    assert page.count('<section id="comments"') == 1
    assert page.count('id="comments-summary"') == 1
    assert text(client.get("/s/workshop/products")).count("comments-card-rating") == 1


def test_disabled_hides_everything_answers_404_and_keeps_the_data(client, customer_client, owner_client, shop,
                                                                  product, customer, add_comments, disable_plugin,
                                                                  enable_plugin):
    [comment] = add_comments(product, customer, 1, rating=5, body="Kept while switched off")
    disable_plugin(shop, "comments")
    page = text(client.get(PAGE))
    assert 'id="comments"' not in page and "Kept while switched off" not in page
    assert "comments-card-rating" not in text(client.get("/s/workshop/products"))
    assert "/comments/manage/" not in text(owner_client.get("/s/workshop/manage/"))
    routes = [
        ("get", client, f"/s/workshop/comments/p/{product.id}"),
        ("post", customer_client, f"/s/workshop/comments/p/{product.id}"),
        ("get", customer_client, f"/s/workshop/comments/{comment.id}/edit"),
        ("post", customer_client, f"/s/workshop/comments/{comment.id}/edit"),
        ("post", customer_client, f"/s/workshop/comments/{comment.id}/report"),
        ("post", owner_client, f"/s/workshop/comments/{comment.id}/hide"),
        ("post", owner_client, f"/s/workshop/comments/{comment.id}/show"),
        ("post", owner_client, f"/s/workshop/comments/{comment.id}/delete"),
        ("post", owner_client, f"/s/workshop/comments/{comment.id}/reply"),
        ("get", owner_client, MANAGE),
    ]
    for method, c, url in routes:
        assert getattr(c, method)(url, data={"cm-body": "x"} if method == "post" else None).status_code == 404, url
    assert Comment.select().count() == 1 and Comment.get().status == "visible"
    enable_plugin(shop, "comments")
    assert "Kept while switched off" in text(client.get(PAGE))
    assert text(client.get("/s/workshop/products")).count("comments-card-rating") == 1


def test_another_shop_switching_off_changes_nothing_here(client, product, other_shop, customer, add_comments,
                                                         disable_plugin):
    add_comments(product, customer, 1, body="Still here")
    disable_plugin(other_shop, "comments")
    assert "Still here" in text(client.get(PAGE))


# ---------------------------------------------------------------------------
# hostile input
# ---------------------------------------------------------------------------

HOSTILE = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klik</a>',
    '<div hx-get="/logout" hx-trigger="load">x</div>',
    '" hx-post="/logout" onmouseover="alert(1)" x="',
]
INERT = ["<script>alert", "<img src=x", 'href="javascript:', 'hx-get="/logout"', 'hx-post="/logout"',
         'onmouseover="alert']


def assert_inert(page: str):
    for bad in INERT:
        assert bad not in page, bad


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_is_inert_everywhere(customer_client, owner_client, client, shop, product, customer, payload,
                                          monkeypatch):
    customer.name = payload[:80]
    customer.save()
    posted = customer_client.hx_post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": payload})
    assert posted.status_code == 200
    assert_inert(text(posted))
    comment = Comment.get()
    assert comment.body == payload  # stored as typed, escaped when shown
    replied = owner_client.hx_post(f"/s/workshop/comments/{comment.id}/reply",
                                   data={f"reply-{comment.id}-reply": payload})
    assert_inert(text(replied))
    pages = [
        client.get(PAGE), owner_client.get(PAGE), customer_client.get(PAGE),
        client.hx_get(f"/s/workshop/comments/p/{product.id}"), owner_client.get(MANAGE),
        owner_client.hx_get(MANAGE), customer_client.hx_get(f"/s/workshop/comments/{comment.id}/edit"),
        customer_client.get(f"/s/workshop/comments/{comment.id}/edit"),
    ]
    for response in pages:
        assert response.status_code == 200
        body = text(response)
        assert_inert(body)
    assert "&lt;" in text(client.get(PAGE)) or "&#34;" in text(client.get(PAGE))
    profile = call_profile(shop, customer)
    assert_inert(profile)


def test_ten_thousand_characters_are_refused_and_not_echoed_raw(customer_client, product):
    long = "<b>" + "x" * 10_000
    response = customer_client.hx_post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": long})
    body = text(response)
    assert "Field cannot be longer than 2000 characters." in body and 'aria-invalid="true"' in body
    assert "<b>xxx" not in body
    assert Comment.select().count() == 0


def test_two_thousand_characters_without_spaces_are_kept_and_wrap(customer_client, client, product):
    word = "a" * 2000
    customer_client.hx_post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": word})
    assert Comment.get().body == word
    assert word in text(client.get(PAGE))


def test_zero_width_and_direction_overrides_are_removed(customer_client, client, product):
    sneaky = "Bagus\u200b\u200b sekali \u202egnp.exe\u202c \ufeffya\u2066!\u2069"
    customer_client.hx_post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": sneaky})
    assert Comment.get().body == "Bagus sekali gnp.exe ya!"
    page = text(client.get(PAGE))
    for ch in ("\u200b", "\u202e", "\ufeff", "\u2066"):
        assert ch not in page
    # Only invisible characters: nothing left to post.
    again = customer_client.hx_post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": "\u200b\u202e\ufeff"})
    assert "This field is required." in text(again)
    assert Comment.select().count() == 1


def test_control_characters_are_refused(customer_client, product):
    response = customer_client.hx_post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": "bell\x07 \x1b[31m"})
    assert "Control characters are not allowed here." in text(response)
    assert Comment.select().count() == 0


def test_names_are_isolated_from_the_text_direction_around_them(client, product, customer, add_comments):
    customer.name = "\u05e9\u05dc\u05d5\u05dd"  # a right-to-left name
    customer.save()
    add_comments(product, User.get_by_id(customer.id), 1)
    assert "<bdi>\u05e9\u05dc\u05d5\u05dd</bdi>" in text(client.get(PAGE))


# ---------------------------------------------------------------------------
# the customer's single view (staff only), and the hook seen from core
# ---------------------------------------------------------------------------


def call_profile(shop, customer) -> str:
    from flask import current_app

    owner = User.get(User.email == "owner@shop.test")
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        found = current_app.extensions["portal"].call_isolated(
            "portal_slot_customer_profile", shop, shop=shop, customer=customer, user=owner)
    return "".join(html for name, html in found if name == "comments")


def test_the_customer_profile_lists_their_comments_and_reviews_in_this_shop(shop, other_shop, product, customer,
                                                                            other_customer, add_comments):
    add_comments(product, customer, 1, rating=4, body="My review")
    add_comments(product, customer, 1, body="Waiting", status="pending")
    add_comments(product, customer, 1, body="Removed", status="deleted")
    add_comments(product, other_customer, 1, body="Someone else")
    add_comments(make_product(other_shop, "Foreign"), customer, 1, body="In another shop")
    html = call_profile(shop, customer)
    assert html.count("<section") == 1 and "<h2>Comments and reviews</h2>" in html
    assert "My review" in html and 'aria-label="4 of 5 stars"' in html and "Waiting" in html
    assert "Awaiting approval" in html and "Pantofel Classic" in html
    for absent in ("Removed", "Someone else", "In another shop"):
        assert absent not in html
    assert "No comments or reviews from this customer." in call_profile(shop, User.get(User.email == "staff@shop.test"))


def test_the_profile_section_is_absent_when_switched_off(shop, customer, disable_plugin):
    disable_plugin(shop, "comments")
    assert call_profile(shop, customer) == ""


def test_the_product_page_stays_cheap(client, product, customer, add_comments, query_counter):
    add_comments(product, customer, 3, rating=4)
    with query_counter() as few:
        client.get(PAGE)
    add_comments(product, customer, 20, rating=5)
    with query_counter() as many:
        client.get(PAGE)
    assert many.count == few.count, many.statements


# ---------------------------------------------------------------------------
# demo data
# ---------------------------------------------------------------------------


def test_demo_reviews_come_only_from_buyers_and_a_second_run_adds_nothing(shop, product, customer, other_customer):
    order_in(shop, customer, [product], "completed")
    make_user_question = User.get(User.email == other_customer.email)
    assert make_user_question is not None
    with_owner = demo.load(shop)
    reviews = list(Comment.select().where(Comment.rating.is_null(False)))
    assert [(r.author_id, r.product_id, r.verified) for r in reviews] == [(customer.id, product.id, True)]
    assert with_owner["product reviews"] == 1 and with_owner["product comments"] >= 2
    questions = list(Comment.select().where(Comment.rating.is_null()))
    assert questions and all(q.reply and q.reply_by.email == "owner@shop.test" for q in questions)
    assert demo.load(shop) == with_owner
    assert Comment.select().count() == with_owner["product comments"]


def test_demo_comments_show_on_the_demo_page(client, shop, product, customer):
    order_in(shop, customer, [product], "delivered")
    demo.load(shop)
    page = text(client.get(PAGE))
    assert "Verified buyer" in page
    assert re.search(r"\d\.\d out of 5 stars, 1 review", page)


def test_the_owner_sets_approval_on_the_modules_page(owner_client, staff_client, customer_client, shop, product):
    from portal.core.plugins import plugin_settings

    page = text(owner_client.get("/s/workshop/manage/modules"))
    assert "Hold new comments until I approve them" in page
    assert plugin_settings(shop, "comments")["require_approval"] is False
    saved = owner_client.post("/s/workshop/manage/modules/comments/settings",
                              data={"settings-comments-require_approval": "y"})
    assert saved.status_code in (200, 303)
    assert plugin_settings(shop, "comments")["require_approval"] is True
    assert staff_client.post("/s/workshop/manage/modules/comments/settings", data={}).status_code == 403
    assert plugin_settings(shop, "comments")["require_approval"] is True
    customer_client.post(f"/s/workshop/comments/p/{product.id}", data={"cm-body": "Held now"})
    assert Comment.get().status == "pending"
