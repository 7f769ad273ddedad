"""The guestbook's routes: the public list, posting (with and without htmx), hiding and showing."""
from __future__ import annotations

import re

import pytest
from guestbook_kit import entry_data

from plugins.guestbook.models import GuestbookEntry
from portal.core.models import ShopModule, User

INDEX = "/s/workshop/guestbook/"
HX = {"HX-Request": "true"}


def text(response) -> str:
    return response.get_data(as_text=True)


def names(page: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>\s*(?:<span class=\"rating\"|<small)", page)




# ---------------------------------------------------------------------------
# the public list
# ---------------------------------------------------------------------------


def test_list_is_newest_first_without_hidden_entries(client, shop, add_entries):
    add_entries(shop, 3)
    add_entries(shop, 1, hidden=True, name="Hidden Harry")
    page = client.get(INDEX)
    assert page.status_code == 200
    assert names(text(page)) == ["Visitor 3", "Visitor 2", "Visitor 1"]
    assert "Hidden Harry" not in text(page)


def test_list_pages_by_twenty(client, shop, add_entries):
    add_entries(shop, 25)
    first = text(client.get(INDEX))
    assert len(names(first)) == 20 and names(first)[0] == "Visitor 25"
    assert f'href="{INDEX}?page=2" rel="next"' in first
    second = text(client.get(f"{INDEX}?page=2"))
    assert names(second) == [f"Visitor {i}" for i in range(5, 0, -1)]
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert names(text(client.get(f"{INDEX}?page=9"))) == []
    assert client.get(f"{INDEX}?page=abc").status_code == 200


def test_list_for_htmx_is_only_the_fragment(client, shop, add_entries):
    add_entries(shop, 2)
    response = client.get(INDEX, headers=HX)
    assert response.status_code == 200
    assert "<html" not in text(response) and 'id="guestbook-entries"' in text(response)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_staff_see_hidden_entries_marked(staff_client, owner_client, shop, add_entries):
    add_entries(shop, 1, hidden=True, name="Hidden Harry")
    for c in (staff_client, owner_client):
        page = text(c.get(INDEX))
        assert "Hidden Harry" in page and '<span class="badge badge-warn">Hidden</span>' in page


def test_entries_of_another_shop_never_show(client, shop, other_shop, add_entries):
    add_entries(other_shop, 1, name="Other fan")
    assert "Other fan" not in text(client.get(INDEX))


def test_user_text_is_escaped(client, shop, add_entries):
    add_entries(shop, 1, name="<b>Bold</b>", message='<script>alert("x")</script>')
    page = text(client.get(INDEX))
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>Bold</b>" not in page


# ---------------------------------------------------------------------------
# posting
# ---------------------------------------------------------------------------


def test_post_without_javascript_redirects_and_lists_the_entry(client, shop):
    response = client.post(INDEX, data=entry_data())
    assert response.status_code == 303 and response.headers["Location"] == INDEX
    entry = GuestbookEntry.get()
    assert (entry.shop_id, entry.name, entry.rating, entry.is_hidden, entry.user_id) == (shop.id, "Budi", 5, False, None)
    page = text(client.get(INDEX))
    assert "Thank you! Your message is in the guestbook." in page
    assert "Sepatu pesanan saya pas sekali." in page


def test_post_with_htmx_answers_a_fresh_form_and_the_new_entry(client, shop):
    response = client.post(INDEX, data=entry_data(), headers=HX)
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert body.lstrip().startswith('<form class="guestbook-form"')
    assert "Thank you! Your message is in the guestbook." in body
    assert 'name="gb-message"' in body and "Sepatu pesanan saya pas sekali.</textarea>" not in body
    oob = body[body.index('hx-swap-oob="afterbegin:#guestbook-entries"'):]
    assert "Budi" in oob and "Sepatu pesanan saya pas sekali." in oob


def test_logged_in_customer_is_recorded_as_author(customer_client, shop, customer):
    customer_client.post(INDEX, data=entry_data(**{"gb-name": "Customer A"}))
    assert GuestbookEntry.get().user_id == customer.id


def test_multi_line_message_and_no_rating(client, shop):
    client.post(INDEX, data=entry_data(**{"gb-message": "Line one\r\nLine two", "gb-rating": ""}))
    entry = GuestbookEntry.get()
    assert entry.message == "Line one\nLine two" and entry.rating is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"gb-name": ""}, "gb-name", "This field is required."),
        ({"gb-name": "x" * 81}, "gb-name", "Field cannot be longer than 80 characters."),
        ({"gb-name": "Evil\nName"}, "gb-name", "Line breaks and control characters are not allowed here."),
        ({"gb-message": "   "}, "gb-message", "This field is required."),
        ({"gb-message": "y" * 2001}, "gb-message", "Field cannot be longer than 2000 characters."),
        ({"gb-message": "bell\x07"}, "gb-message", "Control characters are not allowed here."),
        ({"gb-rating": "7"}, "gb-rating", "Not a valid choice."),
        ({"gb-rating": "0"}, "gb-rating", "Not a valid choice."),
    ],
    ids=["no-name", "long-name", "newline-in-name", "blank-message", "long-message", "control-char", "rating-7", "rating-0"],
)
def test_invalid_post_shows_errors_next_to_the_field_and_keeps_input(client, shop, fields, field, message):
    data = entry_data(**fields)
    for headers in ({}, HX):
        response = client.post(INDEX, data=data, headers=headers)
        assert response.status_code == 200
        body = text(response)
        assert f'<small id="{field}-error" class="field-error">{message}</small>' in body
        assert 'aria-invalid="true"' in body
        kept = "Budi" if field != "gb-name" else "Sepatu pesanan saya pas sekali."
        assert kept in body
    assert GuestbookEntry.select().count() == 0


def test_exactly_the_limits_are_accepted(client, shop):
    client.post(INDEX, data=entry_data(**{"gb-name": "n" * 80, "gb-message": "m" * 2000, "gb-rating": "1"}))
    entry = GuestbookEntry.get()
    assert len(entry.name) == 80 and len(entry.message) == 2000 and entry.rating == 1


def test_post_without_csrf_token_is_refused(client, shop):
    response = client.post(INDEX, data=entry_data(), csrf=False)
    assert response.status_code == 400
    assert GuestbookEntry.select().count() == 0


def test_posting_is_rate_limited(client, shop):
    for _ in range(10):
        assert client.post(INDEX, data=entry_data()).status_code == 303
    assert client.post(INDEX, data=entry_data()).status_code == 429
    assert GuestbookEntry.select().count() == 10


def test_held_for_approval_when_the_owner_asks(client, shop):
    ShopModule.create(shop=shop, plugin="guestbook", enabled=True, settings={"require_approval": True})
    response = client.post(INDEX, data=entry_data(), headers=HX)
    assert "will appear once the shop has approved it" in text(response)
    assert "hx-swap-oob" not in text(response)
    entry = GuestbookEntry.get()
    assert entry.is_hidden is True and entry.is_pending is True
    assert "Budi" not in text(client.get(INDEX))


# ---------------------------------------------------------------------------
# hiding and showing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_client", "staff_client"])
def test_owner_and_staff_hide_and_show_in_place(request, who, client, shop, add_entries):
    c = request.getfixturevalue(who)
    (entry,) = add_entries(shop, 1, name="Rude Rudi")
    hidden = c.post(f"{INDEX}{entry.id}/hide", headers=HX)
    assert hidden.status_code == 200
    body = text(hidden)
    assert body.lstrip().startswith(f'<li class="entry entry-hidden" id="entry-{entry.id}"')
    assert "Hidden from the public." in body and f'action="{INDEX}{entry.id}/show"' in body
    assert GuestbookEntry.get_by_id(entry.id).is_hidden is True
    assert "Rude Rudi" not in text(client.get(INDEX))
    shown = c.post(f"{INDEX}{entry.id}/show", headers=HX)
    assert "Visible to everyone." in text(shown) and f'action="{INDEX}{entry.id}/hide"' in text(shown)
    assert GuestbookEntry.get_by_id(entry.id).is_hidden is False
    assert "Rude Rudi" in text(client.get(INDEX))


def test_hide_without_javascript_redirects_back(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    response = owner_client.post(f"{INDEX}{entry.id}/hide")
    assert response.status_code == 303 and response.headers["Location"] == INDEX
    assert GuestbookEntry.get_by_id(entry.id).is_hidden is True


def test_anonymous_is_sent_to_log_in(client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    response = client.post(f"{INDEX}{entry.id}/hide")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert GuestbookEntry.get_by_id(entry.id).is_hidden is False


@pytest.mark.parametrize("who", ["customer_client", "supplier_client", "courier_client", "other_owner_client"])
def test_others_may_not_hide(request, who, shop, add_entries):
    c = request.getfixturevalue(who)
    (entry,) = add_entries(shop, 1)
    for action in ("hide", "show"):
        assert c.post(f"{INDEX}{entry.id}/{action}").status_code == 403
    assert GuestbookEntry.get_by_id(entry.id).is_hidden is False


def test_owner_cannot_reach_another_shops_entry(other_owner_client, shop, other_shop, add_entries):
    (entry,) = add_entries(shop, 1)
    response = other_owner_client.post(f"/s/othershop/guestbook/{entry.id}/hide")
    assert response.status_code == 404
    assert GuestbookEntry.get_by_id(entry.id).is_hidden is False


def test_unknown_entry_is_404(owner_client, shop):
    assert owner_client.post(f"{INDEX}999999/hide").status_code == 404


def test_hide_needs_post(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    assert owner_client.get(f"{INDEX}{entry.id}/hide").status_code == 405


def test_unknown_shop_is_404(client, portal_app):
    assert client.get("/s/nowhere/guestbook/").status_code == 404


def test_entry_author_survives_account_removal(client, shop, customer):
    from plugins.guestbook.models import add_entry

    entry = add_entry(shop, "Customer A", "Halo", user=customer)
    User.delete().where(User.id == customer.id).execute()
    assert GuestbookEntry.get_by_id(entry.id).user_id is None
