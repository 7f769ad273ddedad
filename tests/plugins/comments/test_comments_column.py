"""The comment column on a product page: reading, posting, "load more", ratings from verified buyers only."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from plugins.comments import models
from plugins.comments.models import Comment
from portal.core.models import ShopModule
from tests.core.orders_testkit import make_product
from tests.plugins.comments.conftest import order_in

PAGE = "/s/workshop/p/pantofel-classic"
HX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


def post_url(product) -> str:
    return f"/s/workshop/comments/p/{product.id}"


def bodies(page: str) -> list[str]:
    return re.findall(r'<li class="comment[^"]*" id="comment-\d+">.*?<p class="comment-body" dir="auto">([^<]*)</p>',
                      page, re.S)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def test_column_shows_newest_first_and_only_visible_comments(client, product, customer, other_customer, add_comments):
    add_comments(product, customer, 3)
    add_comments(product, other_customer, 1, body="Hidden one", status="hidden", start=dt.datetime(2026, 6, 1))
    add_comments(product, other_customer, 1, body="Waiting one", status="pending", start=dt.datetime(2026, 6, 1))
    add_comments(product, other_customer, 1, body="Deleted one", status="deleted", start=dt.datetime(2026, 6, 1))
    page = text(client.get(PAGE))
    assert page.count('id="comments"') == 1
    assert bodies(page) == ["Comment number 3", "Comment number 2", "Comment number 1"]
    for gone in ("Hidden one", "Waiting one", "Deleted one"):
        assert gone not in page


def test_an_author_sees_their_own_comment_waiting_for_approval(customer_client, other_customer_client, product,
                                                               customer, add_comments):
    add_comments(product, customer, 1, body="My waiting comment", status="pending")
    mine = text(customer_client.get(PAGE))
    assert "My waiting comment" in mine and "Awaiting approval" in mine
    assert "My waiting comment" not in text(other_customer_client.get(PAGE))


def test_the_team_sees_hidden_and_waiting_comments_marked_but_never_deleted_ones(owner_client, staff_client, product,
                                                                                customer, add_comments):
    add_comments(product, customer, 1, body="Hidden one", status="hidden")
    add_comments(product, customer, 1, body="Waiting one", status="pending", start=dt.datetime(2026, 6, 1))
    add_comments(product, customer, 1, body="Deleted one", status="deleted", start=dt.datetime(2026, 7, 1))
    for c in (owner_client, staff_client):
        page = text(c.get(PAGE))
        assert "Hidden one" in page and '<span class="badge badge-warn">Hidden</span>' in page
        assert "Waiting one" in page and '<span class="badge badge-warn">Awaiting approval</span>' in page
        assert "Deleted one" not in page


def test_a_guest_is_asked_to_log_in_and_comes_back_to_the_product(client, product):
    page = text(client.get(PAGE))
    assert 'href="/login?next=/s/workshop/p/pantofel-classic"' in page
    assert "Log in to comment" in page
    assert 'name="cm-body"' not in page


def test_comments_of_another_product_or_shop_never_show(client, shop, other_shop, product, customer, add_comments):
    other_product = make_product(shop, "Loafer Cokelat")
    foreign = make_product(other_shop, "Pantofel Classic")
    add_comments(other_product, customer, 1, body="About the loafer")
    add_comments(foreign, customer, 1, body="In the other shop")
    page = text(client.get(PAGE))
    assert "About the loafer" not in page and "In the other shop" not in page


def test_load_more_pages_by_ten_with_a_cursor(client, product, customer, add_comments):
    add_comments(product, customer, 25)
    first = text(client.get(PAGE))
    assert bodies(first) == [f"Comment number {i}" for i in range(25, 15, -1)]
    more = re.search(r'<a href="(/s/workshop/comments/p/\d+\?after=[0-9.]+)" role="button"[^>]*hx-get="\1"', first)
    assert more, "no load-more link"
    second = client.hx_get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "<html" not in text(second)
    assert bodies(text(second)) == [f"Comment number {i}" for i in range(15, 5, -1)]
    third_url = re.search(r'hx-get="([^"]+)"', text(second)).group(1).replace("&amp;", "&")
    third = text(client.hx_get(third_url))
    assert bodies(third) == [f"Comment number {i}" for i in range(5, 0, -1)]
    assert "Load more comments" not in third
    # Without JavaScript the same link is a whole page, starting where the list stopped.
    plain = client.get(more.group(1).replace("&amp;", "&"))
    assert "<html" in text(plain) and bodies(text(plain))[0] == "Comment number 15"


def test_load_more_keeps_comments_posted_at_the_same_moment_apart(client, product, customer, add_comments):
    same = dt.datetime(2026, 5, 1, 8, 0)
    rows = [Comment.create(shop=product.shop_id, product=product, author=customer, author_name="A",
                           body=f"Twin {i}", created_at=same) for i in range(12)]
    first, cursor = models.page_after(models.product_comments(product), None, 10)
    rest, end = models.page_after(models.product_comments(product), models.decode_cursor(cursor), 10)
    assert [c.id for c in first + rest] == sorted((r.id for r in rows), reverse=True)
    assert end is None


@pytest.mark.parametrize("cursor", ["abc", "1.2.3", "99999999999999999999.1", "-5.1", "", "1.x"])
def test_a_broken_cursor_gives_the_first_page(client, product, customer, add_comments, cursor):
    add_comments(product, customer, 3)
    response = client.hx_get(f"{post_url(product)}?after={cursor}")
    assert response.status_code == 200
    assert bodies(text(response))[0] == "Comment number 3"


def test_the_list_of_an_unknown_or_foreign_product_is_404(client, other_shop):
    foreign = make_product(other_shop, "Foreign")
    assert client.get(post_url(foreign)).status_code == 404
    assert client.get("/s/workshop/comments/p/987654").status_code == 404


# ---------------------------------------------------------------------------
# posting
# ---------------------------------------------------------------------------


def test_a_customer_posts_in_place_with_htmx(customer_client, product):
    response = customer_client.hx_post(post_url(product), data={"cm-body": "Apakah ada ukuran 45?"})
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and "Thank you! Your comment is published." in body
    assert 'hx-swap-oob="afterbegin:#comments-list"' in body and "Apakah ada ukuran 45?" in body
    assert 'id="comments-summary" class="comments-summary" hx-swap-oob="outerHTML"' in body
    comment = Comment.get()
    assert (comment.body, comment.rating, comment.status, comment.author_name) == (
        "Apakah ada ukuran 45?", None, "visible", "Customer A")
    assert comment.verified is False and comment.by_team is False


def test_posting_without_javascript_redirects_back_to_the_product(customer_client, product):
    response = customer_client.post(post_url(product), data={"cm-body": "Bagus"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/s/workshop/p/pantofel-classic#comments")
    assert "Bagus" in text(customer_client.get(PAGE))


def test_a_guest_cannot_post(client, product):
    response = client.post(post_url(product), data={"cm-body": "Anonymous"})
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert Comment.select().count() == 0


def test_an_empty_comment_is_refused_next_to_the_field(customer_client, product):
    response = customer_client.hx_post(post_url(product), data={"cm-body": "   "})
    body = text(response)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in body and 'class="field-error"' in body
    assert Comment.select().count() == 0
    plain = customer_client.post(post_url(product), data={"cm-body": ""})
    assert plain.status_code == 422 and 'class="field-error"' in text(plain)


def test_the_team_posts_with_the_shop_badge(owner_client, product):
    owner_client.post(post_url(product), data={"cm-body": "Stok ukuran 42 sudah ada lagi."})
    assert Comment.get().by_team is True
    assert '<span class="badge">Shop</span>' in text(owner_client.get(PAGE))


def test_posting_is_rate_limited(customer_client, product):
    for i in range(10):
        assert customer_client.post(post_url(product), data={"cm-body": f"Flood {i}"}).status_code == 303
    assert customer_client.post(post_url(product), data={"cm-body": "One too many"}).status_code == 429
    assert Comment.select().count() == 10


def test_held_for_approval_when_the_owner_asks(customer_client, client, owner_client, product):
    ShopModule.create(shop=product.shop_id, plugin="comments", enabled=True, settings={"require_approval": True})
    response = customer_client.hx_post(post_url(product), data={"cm-body": "Tunggu persetujuan"})
    assert "will appear once the shop has approved it" in text(response)
    assert Comment.get().status == "pending"
    assert "Tunggu persetujuan" not in text(client.get(PAGE))
    manage = text(owner_client.get("/s/workshop/manage/"))
    assert re.search(r">Comments <mark>1</mark></a>", manage), "no badge of comments awaiting approval"
    # The team's own comments are not held.
    owner_client.post(post_url(product), data={"cm-body": "Dari toko"})
    assert Comment.get(Comment.body == "Dari toko").status == "visible"


# ---------------------------------------------------------------------------
# stars only from verified buyers
# ---------------------------------------------------------------------------


def rate(c, product, stars="5", body="Mantap"):
    return c.hx_post(post_url(product), data={"cm-body": body, "cm-rating": stars})


def test_no_order_no_stars(customer_client, product):
    page = text(customer_client.get(PAGE))
    assert 'name="cm-rating"' not in page and "Stars can be given by customers who received" in page
    response = rate(customer_client, product)
    assert "Only customers who received this product from us can give stars." in text(response)
    assert Comment.select().count() == 0


@pytest.mark.parametrize("status", ["placed", "paid", "handed_over"])
def test_an_order_not_yet_delivered_gives_no_stars(customer_client, product, customer, status):
    order_in(product.shop, customer, [product], status)
    assert "Only customers who received" in text(rate(customer_client, product))
    assert Comment.select().count() == 0


def test_another_shops_delivered_order_gives_no_stars(customer_client, product, customer, other_shop):
    twin = make_product(other_shop, "Pantofel Classic")
    order_in(other_shop, customer, [twin], "delivered")
    assert "Only customers who received" in text(rate(customer_client, product))
    assert Comment.select().count() == 0


def test_a_delivered_order_of_another_product_gives_no_stars(customer_client, shop, product, customer):
    order_in(shop, customer, [make_product(shop, "Loafer")], "delivered")
    assert "Only customers who received" in text(rate(customer_client, product))
    assert Comment.select().count() == 0


def test_another_customers_delivered_order_gives_no_stars(other_customer_client, product, customer):
    order_in(product.shop, customer, [product], "delivered")
    assert "Only customers who received" in text(rate(other_customer_client, product))


@pytest.mark.parametrize("status", ["delivered", "completed"])
def test_a_delivered_order_gives_stars_and_the_verified_badge(customer_client, client, shop, product, customer, status):
    order_in(shop, customer, [make_product(shop, "Loafer"), product], status)
    assert 'name="cm-rating"' in text(customer_client.get(PAGE))
    response = rate(customer_client, product, "4", "Nyaman dipakai")
    assert "Thank you! Your comment is published." in text(response)
    review = Comment.get()
    assert (review.rating, review.verified) == (4, True)
    page = text(client.get(PAGE))
    assert '<span class="badge badge-ok">Verified buyer</span>' in page
    assert 'aria-label="4 of 5 stars"' in page
    assert "4.0 out of 5 stars, 1 review" in page


def test_one_rated_review_per_customer_and_product_then_edit_it(customer_client, client, shop, product, customer):
    order_in(shop, customer, [product], "delivered")
    rate(customer_client, product, "3", "Lumayan")
    second = rate(customer_client, product, "5", "Mau kasih bintang lagi")
    assert "You have already rated this product; edit your review instead." in text(second)
    assert Comment.select().count() == 1
    page = text(customer_client.get(PAGE))
    assert "You have rated this product already." in page and 'name="cm-rating"' not in page
    # A plain comment without stars is still welcome.
    customer_client.hx_post(post_url(product), data={"cm-body": "Tambahan: solnya empuk."})
    assert Comment.select().count() == 2
    review = Comment.get(Comment.rating.is_null(False))
    edit_url = f"/s/workshop/comments/{review.id}/edit"
    form = customer_client.hx_get(edit_url)
    assert form.status_code == 200 and 'name="cm-body"' in text(form) and "Lumayan" in text(form)
    saved = customer_client.hx_post(edit_url, data={"cm-body": "Setelah seminggu: mantap!", "cm-rating": "5"})
    assert saved.status_code == 200 and "Saved." in text(saved)
    assert 'hx-swap-oob="outerHTML"' in text(saved) and "5.0 out of 5 stars, 1 review" in text(saved)
    review = Comment.get_by_id(review.id)
    assert (review.body, review.rating) == ("Setelah seminggu: mantap!", 5) and review.updated_at is not None
    assert "5.0 out of 5 stars, 1 review" in text(client.get(PAGE))


def test_a_plain_comment_cannot_become_a_second_review(customer_client, shop, product, customer, add_comments):
    order_in(shop, customer, [product], "delivered")
    add_comments(product, customer, 1, rating=4, body="The review")
    [plain] = add_comments(product, customer, 1, body="A plain note", start=dt.datetime(2026, 6, 1))
    response = customer_client.hx_post(f"/s/workshop/comments/{plain.id}/edit",
                                       data={"cm-body": "A plain note", "cm-rating": "5"})
    assert "edit your review instead" in text(response)
    assert Comment.get_by_id(plain.id).rating is None


def test_stars_cannot_be_added_by_editing_without_a_delivery(customer_client, product, customer, add_comments):
    [plain] = add_comments(product, customer, 1, body="No order yet")
    response = customer_client.hx_post(f"/s/workshop/comments/{plain.id}/edit",
                                       data={"cm-body": "Now with stars", "cm-rating": "5"})
    assert "Only customers who received" in text(response)
    assert Comment.get_by_id(plain.id).rating is None


def test_only_the_author_may_edit(client, other_customer_client, owner_client, other_owner_client, product, customer,
                                  add_comments):
    [mine] = add_comments(product, customer, 1, body="Mine")
    url = f"/s/workshop/comments/{mine.id}/edit"
    for c in (client, other_customer_client, owner_client, other_owner_client):
        assert c.get(url).status_code == 404
        assert c.post(url, data={"cm-body": "Changed"}).status_code == 404
    assert Comment.get_by_id(mine.id).body == "Mine"


# ---------------------------------------------------------------------------
# averages
# ---------------------------------------------------------------------------


def test_averages_are_exact_and_count_only_visible_reviews(client, shop, product, customer, other_customer,
                                                           add_comments):
    add_comments(product, customer, 1, rating=5)
    add_comments(product, other_customer, 2, rating=4)
    add_comments(product, customer, 1)  # a plain comment is no review
    add_comments(product, other_customer, 1, rating=1, status="hidden")
    add_comments(product, other_customer, 1, rating=1, status="pending")
    add_comments(product, other_customer, 1, rating=1, status="deleted")
    average, count = models.rating_summary([product.id])[product.id]
    assert count == 3 and average == pytest.approx(13 / 3)
    page = text(client.get(PAGE))
    assert "4.3 out of 5 stars, 3 reviews" in page
    assert 'class="comments-stars stars-45"' in page
    catalogue = text(client.get("/s/workshop/products"))
    assert '<span aria-hidden="true">4.3 (3)</span><span class="sr-only">4.3 out of 5 stars, 3 reviews</span>' in catalogue


def test_the_summary_in_indonesian(client, product, customer, other_customer, add_comments):
    add_comments(product, customer, 1, rating=5)
    add_comments(product, other_customer, 1, rating=4)
    page = text(client.get(PAGE, headers={"Accept-Language": "id"}))
    assert "4,5 dari 5 bintang, 2 ulasan" in page


def test_a_product_without_reviews_has_no_card_badge(client, product, customer, add_comments):
    add_comments(product, customer, 2)  # comments, no stars
    catalogue = text(client.get("/s/workshop/products"))
    assert "comments-card-rating" not in catalogue
    assert "No reviews yet." in text(client.get(PAGE))


def test_card_badges_cost_one_query_whatever_the_number_of_products(client, shop, customer, query_counter,
                                                                    add_comments):
    for i in range(3):
        add_comments(make_product(shop, f"Sepatu {i}"), customer, 1, rating=4)
    with query_counter() as few:
        small = text(client.get("/s/workshop/products"))
    for i in range(3, 15):
        add_comments(make_product(shop, f"Sepatu {i}"), customer, 1, rating=4)
    with query_counter() as many:
        large = text(client.get("/s/workshop/products"))
    assert small.count("comments-card-rating") == 3 and large.count("comments-card-rating") >= 12
    ours = [s for s in many.statements if "comments_comment" in s]
    assert len(ours) == 1, ours
    assert many.count == few.count, (few.statements, many.statements)
