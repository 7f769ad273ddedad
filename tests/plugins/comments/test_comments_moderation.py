"""Who may moderate, reply and report — and who may not; the back-office list; the owner's menu badge."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from plugins.comments.models import Comment, CommentReport
from portal.core.models import ShopModule
from tests.core.orders_testkit import make_product

PAGE = "/s/workshop/p/pantofel-classic"
MANAGE = "/s/workshop/comments/manage/"


def text(response) -> str:
    return response.get_data(as_text=True)


def url(comment, action: str) -> str:
    return f"/s/workshop/comments/{comment.id}/{action}"


@pytest.fixture
def comment(product, customer, add_comments):
    return add_comments(product, customer, 1, body="Sepatunya bagus sekali")[0]


ACTIONS = ["hide", "show", "delete", "reply"]
OUTSIDERS = ["customer_client", "other_customer_client", "other_owner_client", "supplier_client", "courier_client",
             "admin_client"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_may_not_moderate(request, comment, action, who):
    c = request.getfixturevalue(who)
    before = list(Comment.select().tuples())
    response = c.post(url(comment, action), data={f"reply-{comment.id}-reply": "Hijacked"})
    assert response.status_code == 403
    assert list(Comment.select().tuples()) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_guests_are_sent_to_log_in(client, comment, action):
    response = client.post(url(comment, action))
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert Comment.get_by_id(comment.id).status == "visible"


@pytest.mark.parametrize("action", ACTIONS)
def test_another_shops_comment_is_not_found_through_this_shop(owner_client, other_shop, customer, add_comments,
                                                              action):
    [foreign] = add_comments(make_product(other_shop, "Foreign"), customer, 1)
    assert owner_client.post(url(foreign, action)).status_code == 404
    assert Comment.get_by_id(foreign.id).status == "visible"


@pytest.mark.parametrize("who", ["owner_client", "staff_client"])
def test_the_team_hides_and_shows_in_place(request, client, comment, who):
    c = request.getfixturevalue(who)
    hidden = c.hx_post(url(comment, "hide"))
    assert hidden.status_code == 200 and "<html" not in text(hidden)
    assert "Hidden from the public." in text(hidden) and 'class="comment comment-hidden"' in text(hidden)
    assert Comment.get_by_id(comment.id).status == "hidden"
    assert "Sepatunya bagus sekali" not in text(client.get(PAGE))
    shown = c.hx_post(url(comment, "show"))
    assert "Visible to everyone." in text(shown)
    assert "Sepatunya bagus sekali" in text(client.get(PAGE))


def test_delete_takes_it_off_every_page_but_keeps_the_row(owner_client, client, comment):
    response = owner_client.hx_post(url(comment, "delete"))
    assert "Comment deleted." in text(response)
    assert Comment.get_by_id(comment.id).status == "deleted"
    for c in (client, owner_client):
        assert "Sepatunya bagus sekali" not in text(c.get(PAGE))
    assert "Sepatunya bagus sekali" not in text(owner_client.get(MANAGE))
    # A deleted comment cannot be brought back by id.
    assert owner_client.post(url(comment, "show")).status_code == 404


def test_moderating_without_javascript_goes_back_to_the_page(owner_client, comment):
    response = owner_client.post(url(comment, "hide"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{PAGE}#comments")
    back = owner_client.post(url(comment, "show") + "?from=manage")
    assert back.status_code == 303 and back.headers["Location"].endswith(MANAGE)


def test_moderation_needs_the_csrf_token(owner_client, comment):
    response = owner_client.post(url(comment, "hide"), csrf=False)
    assert response.status_code == 400
    assert Comment.get_by_id(comment.id).status == "visible"


def test_the_owner_replies_publicly_under_the_comment(owner_client, client, comment):
    field = f"reply-{comment.id}-reply"
    response = owner_client.hx_post(url(comment, "reply"), data={field: "Terima kasih, Kak!"})
    assert response.status_code == 200 and "Reply published." in text(response)
    saved = Comment.get_by_id(comment.id)
    assert saved.reply == "Terima kasih, Kak!" and saved.reply_by.email == "owner@shop.test"
    page = text(client.get(PAGE))
    reply = re.search(r'<div class="comment-reply">(.*?)</div>', page, re.S).group(1)
    assert '<span class="badge">Shop</span>' in reply and "Reply from Test Workshop" in reply
    assert "Terima kasih, Kak!" in reply
    # An empty reply removes it.
    owner_client.hx_post(url(comment, "reply"), data={field: ""})
    assert Comment.get_by_id(comment.id).reply == ""
    assert "Terima kasih, Kak!" not in text(client.get(PAGE))


def test_an_over_long_reply_is_refused_next_to_the_field(staff_client, comment):
    field = f"reply-{comment.id}-reply"
    response = staff_client.hx_post(url(comment, "reply"), data={field: "x" * 2001})
    assert 'aria-invalid="true"' in text(response) and "field-error" in text(response)
    assert Comment.get_by_id(comment.id).reply == ""
    plain = staff_client.post(url(comment, "reply"), data={field: "x" * 2001})
    assert plain.status_code == 422 and "field-error" in text(plain)


def test_a_held_comment_is_approved(owner_client, client, product, customer, add_comments):
    ShopModule.create(shop=product.shop_id, plugin="comments", enabled=True, settings={"require_approval": True})
    [held] = add_comments(product, customer, 1, body="Menunggu", status="pending")
    page = text(owner_client.get(PAGE))
    assert f'action="/s/workshop/comments/{held.id}/show"' in page and ">Approve</button>" in page
    response = owner_client.hx_post(url(held, "show"))
    assert "Approved: visible to everyone." in text(response)
    assert "Menunggu" in text(client.get(PAGE))


def test_editing_in_a_shop_that_holds_comments_sends_it_back_for_approval(customer_client, client, product, customer,
                                                                           add_comments):
    ShopModule.create(shop=product.shop_id, plugin="comments", enabled=True, settings={"require_approval": True})
    [mine] = add_comments(product, customer, 1, body="Approved once")
    response = customer_client.hx_post(url(mine, "edit"), data={"cm-body": "Sneaky change"})
    assert "The shop will look at it again" in text(response)
    assert Comment.get_by_id(mine.id).status == "pending"
    assert "Sneaky change" not in text(client.get(PAGE))


# ---------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------


def test_customers_report_once_and_the_team_sees_it(other_customer_client, customer_client, owner_client, comment):
    first = other_customer_client.hx_post(url(comment, "report"))
    assert first.status_code == 200 and "Thank you, the shop will take a look." in text(first)
    again = other_customer_client.hx_post(url(comment, "report"))
    assert "You have already reported this comment." in text(again)
    own = customer_client.hx_post(url(comment, "report"))
    assert "This is your own comment." in text(own)
    assert Comment.get_by_id(comment.id).reports == 1 and CommentReport.select().count() == 1
    reported = text(owner_client.get(MANAGE + "?status=reported"))
    assert "Sepatunya bagus sekali" in reported and "1 report" in reported
    # Shown again after a look: the reports are dealt with.
    owner_client.hx_post(url(comment, "hide"))
    owner_client.hx_post(url(comment, "show"))
    assert Comment.get_by_id(comment.id).reports == 0


def test_guests_cannot_report_and_hidden_comments_cannot_be_reported(client, other_customer_client, owner_client,
                                                                      comment):
    response = client.post(url(comment, "report"))
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    owner_client.post(url(comment, "hide"))
    assert other_customer_client.post(url(comment, "report")).status_code == 404
    assert CommentReport.select().count() == 0


def test_the_report_button_is_for_other_readers(customer_client, other_customer_client, client, owner_client, comment):
    report = f'action="/s/workshop/comments/{comment.id}/report"'
    assert report in text(other_customer_client.get(PAGE))
    assert report not in text(customer_client.get(PAGE))  # the author edits instead
    assert f'href="/s/workshop/comments/{comment.id}/edit"' in text(customer_client.get(PAGE))
    assert report not in text(client.get(PAGE))
    assert report not in text(owner_client.get(PAGE))


# ---------------------------------------------------------------------------
# the back-office list and menu
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["customer_client", "other_customer_client", "other_owner_client", "supplier_client",
                                 "courier_client", "admin_client"])
def test_the_back_office_list_is_for_the_team(request, shop, who):
    assert request.getfixturevalue(who).get(MANAGE).status_code == 403


def test_guests_are_sent_to_log_in_for_the_list(client, shop):
    response = client.get(MANAGE)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_the_list_shows_recent_comments_of_every_product_with_filters(owner_client, staff_client, shop, product,
                                                                      customer, other_shop, add_comments):
    loafer = make_product(shop, "Loafer Cokelat")
    add_comments(product, customer, 1, body="On the pantofel")
    add_comments(loafer, customer, 1, body="On the loafer", status="pending", start=dt.datetime(2026, 6, 1))
    add_comments(loafer, customer, 1, body="Hidden on loafer", status="hidden", start=dt.datetime(2026, 7, 1))
    add_comments(make_product(other_shop, "Foreign"), customer, 1, body="Other shop's")
    page = text(staff_client.get(MANAGE))
    assert page.index("Hidden on loafer") < page.index("On the loafer") < page.index("On the pantofel")
    assert "Other shop's" not in page
    assert 'href="/s/workshop/p/loafer-cokelat#comment-' in page
    pending = text(owner_client.get(MANAGE + "?status=pending"))
    assert "On the loafer" in pending and "On the pantofel" not in pending and "Hidden on loafer" not in pending
    assert "On the pantofel" in text(owner_client.get(MANAGE + "?status=nonsense"))


def test_the_back_office_list_loads_more(owner_client, product, customer, add_comments):
    add_comments(product, customer, 30)
    first = text(owner_client.get(MANAGE))
    assert first.count('class="comment" id="comment-') == 25
    more = re.search(r'hx-get="(/s/workshop/comments/manage/\?[^"]+)"', first).group(1).replace("&amp;", "&")
    rest = owner_client.hx_get(more)
    assert "<html" not in text(rest) and text(rest).count('class="comment" id="comment-') == 5


def test_the_owner_menu_counts_comments_awaiting_approval(owner_client, product, customer, add_comments):
    dashboard = text(owner_client.get("/s/workshop/manage/"))
    assert re.search(r'href="/s/workshop/comments/manage/"[^>]*>Comments</a>', dashboard)
    add_comments(product, customer, 2, status="pending")
    dashboard = text(owner_client.get("/s/workshop/manage/"))
    assert re.search(r'href="/s/workshop/comments/manage/"[^>]*>Comments <mark>2</mark></a>', dashboard)
    assert "2 awaiting approval" in dashboard  # the dashboard card


def test_a_reply_post_without_the_field_removes_the_reply(owner_client, comment):
    field = f"reply-{comment.id}-reply"
    owner_client.hx_post(url(comment, "reply"), data={field: "Siap, Kak"})
    response = owner_client.hx_post(url(comment, "reply"), data={})
    assert response.status_code == 200 and "Reply removed." in text(response)
    assert Comment.get_by_id(comment.id).reply == ""
