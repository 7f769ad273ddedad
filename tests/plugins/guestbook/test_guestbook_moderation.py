"""The team's side of the guestbook: public replies, deleting (after asking), the approval queue,
one entry's page, the header's average rating and the customer-profile section."""
from __future__ import annotations

import re

import pytest

from plugins.guestbook.models import GuestbookEntry
from portal.core.models import ShopModule, User

INDEX = "/s/workshop/guestbook/"
QUEUE = "/s/workshop/guestbook/manage/"
HX = {"HX-Request": "true"}
OUTSIDERS = ["customer_client", "supplier_client", "courier_client", "other_owner_client", "admin_client"]


def text(response) -> str:
    return response.get_data(as_text=True)


def reply_url(entry) -> str:
    return f"{INDEX}{entry.id}/reply"


def entry_li(page: str, entry) -> str:
    match = re.search(rf'<li class="entry[^"]*" id="entry-{entry.id}">.*?</li>\s*(?=<li|</ul>)', page, re.S)
    assert match, f"entry {entry.id} is not on the page"
    return match.group(0)


# ---------------------------------------------------------------------------
# public replies
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_client", "staff_client"])
def test_team_replies_in_place_and_everyone_sees_it(request, who, client, shop, add_entries):
    c = request.getfixturevalue(who)
    (entry,) = add_entries(shop, 1, name="Rina")
    answer = c.post(reply_url(entry), data={"reply-reply": "Terima kasih, Bu Rina!"}, headers=HX)
    assert answer.status_code == 200
    body = text(answer)
    assert body.lstrip().startswith(f'<li class="entry" id="entry-{entry.id}"') and "<html" not in body
    assert "Reply saved: everyone sees it under the entry." in body
    assert "Reply from Test Workshop" in body and "Terima kasih, Bu Rina!" in body
    saved = GuestbookEntry.get_by_id(entry.id)
    assert saved.reply == "Terima kasih, Bu Rina!" and saved.replied_at is not None
    assert saved.replied_by_id == User.get(User.email == f"{who.split('_')[0]}@shop.test").id
    public = entry_li(text(client.get(INDEX)), entry)
    assert "Reply from Test Workshop" in public and "Terima kasih, Bu Rina!" in public
    # Visitors see the reply, not the box to write one.
    assert "/reply" not in public and "Reply publicly" not in public
    profile = text(client.get("/s/workshop/profile"))
    assert "Terima kasih, Bu Rina!" in profile


def test_reply_is_editable_and_removable(owner_client, client, shop, add_entries):
    (entry,) = add_entries(shop, 1, reply="Old answer")
    page = entry_li(text(owner_client.get(INDEX)), entry)
    assert "Edit the reply" in page and "\nOld answer</textarea>" in page
    owner_client.post(reply_url(entry), data={"reply-reply": "New answer\r\nsecond line"}, headers=HX)
    assert GuestbookEntry.get_by_id(entry.id).reply == "New answer\nsecond line"
    assert "Old answer" not in text(client.get(INDEX))
    removed = owner_client.post(reply_url(entry), data={"reply-reply": "   "}, headers=HX)
    assert "Reply removed." in text(removed)
    saved = GuestbookEntry.get_by_id(entry.id)
    assert (saved.reply, saved.replied_at, saved.replied_by_id) == ("", None, None)
    assert "Reply from" not in entry_li(text(client.get(INDEX)), entry)


def test_reply_without_javascript_redirects_back(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    answer = owner_client.post(reply_url(entry), data={"reply-reply": "Siap!"})
    assert answer.status_code == 303 and answer.headers["Location"] == INDEX
    assert GuestbookEntry.get_by_id(entry.id).reply == "Siap!"


@pytest.mark.parametrize(
    ("value", "message"),
    [("r" * 2001, "Field cannot be longer than 2000 characters."), ("bell\x07", "Control characters are not allowed here.")],
    ids=["too-long", "control-char"],
)
def test_invalid_reply_shows_the_error_next_to_the_field(owner_client, shop, add_entries, value, message):
    (entry,) = add_entries(shop, 1)
    for headers in (HX, {}):
        answer = owner_client.post(reply_url(entry), data={"reply-reply": value}, headers=headers)
        assert answer.status_code == 200
        body = text(answer)
        assert f'<small id="reply-{entry.id}-error" class="field-error">{message}</small>' in body
        assert "<details class=\"entry-reply-box\" open>" in body
    assert GuestbookEntry.get_by_id(entry.id).reply == ""


def test_anonymous_may_not_reply(client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    answer = client.post(reply_url(entry), data={"reply-reply": "spam"})
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]
    assert GuestbookEntry.get_by_id(entry.id).reply == ""


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_may_not_reply(request, who, shop, add_entries):
    c = request.getfixturevalue(who)
    (entry,) = add_entries(shop, 1)
    assert c.post(reply_url(entry), data={"reply-reply": "spam"}).status_code == 403
    assert GuestbookEntry.get_by_id(entry.id).reply == ""


def test_other_shops_owner_cannot_reply_through_their_own_shop(other_owner_client, shop, other_shop, add_entries):
    (entry,) = add_entries(shop, 1)
    answer = other_owner_client.post(f"/s/othershop/guestbook/{entry.id}/reply", data={"reply-reply": "mine"})
    assert answer.status_code == 404
    assert GuestbookEntry.get_by_id(entry.id).reply == ""


# ---------------------------------------------------------------------------
# deleting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_client", "staff_client"])
def test_delete_asks_first_then_really_deletes(request, who, client, shop, add_entries):
    c = request.getfixturevalue(who)
    (entry,) = add_entries(shop, 1, name="Spammer", message="Beli follower murah")
    listed = entry_li(text(c.get(INDEX)), entry)
    assert f'hx-get="{INDEX}{entry.id}/delete"' in listed and f'href="{INDEX}{entry.id}/delete"' in listed
    # The question, in place of the entry (htmx) and as a page (without JavaScript).
    asked = c.get(f"{INDEX}{entry.id}/delete", headers=HX)
    assert asked.status_code == 200 and "<html" not in text(asked)
    assert "Delete this entry for good?" in text(asked) and "Beli follower murah" in text(asked)
    assert f'hx-get="{INDEX}{entry.id}"' in text(asked)  # "Keep it" brings the entry back
    page = c.get(f"{INDEX}{entry.id}/delete")
    assert "<html" in text(page) and f'action="{INDEX}{entry.id}/delete"' in text(page)
    # Asking changed nothing.
    assert GuestbookEntry.get_or_none(GuestbookEntry.id == entry.id) is not None
    deleted = c.post(f"{INDEX}{entry.id}/delete", headers=HX)
    assert deleted.status_code == 200 and "Entry deleted." in text(deleted)
    assert GuestbookEntry.get_or_none(GuestbookEntry.id == entry.id) is None
    assert "Beli follower murah" not in text(client.get(INDEX))
    assert c.post(f"{INDEX}{entry.id}/delete", headers=HX).status_code == 404


def test_keep_it_brings_the_entry_back(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1, name="Keeper")
    back = owner_client.get(f"{INDEX}{entry.id}", headers=HX)
    assert back.status_code == 200
    assert text(back).lstrip().startswith(f'<li class="entry" id="entry-{entry.id}"')
    assert "Keeper" in text(back) and "Delete" in text(back)


def test_delete_without_javascript_redirects(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    answer = owner_client.post(f"{INDEX}{entry.id}/delete")
    assert answer.status_code == 303 and answer.headers["Location"] == INDEX
    assert "Entry deleted." in text(owner_client.get(INDEX))
    assert GuestbookEntry.select().count() == 0


def test_delete_needs_post_and_a_csrf_token(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    assert owner_client.post(f"{INDEX}{entry.id}/delete", csrf=False).status_code == 400
    assert GuestbookEntry.select().count() == 1


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_may_not_delete_nor_see_the_question(request, who, shop, add_entries):
    c = request.getfixturevalue(who)
    (entry,) = add_entries(shop, 1)
    assert c.get(f"{INDEX}{entry.id}/delete").status_code == 403
    assert c.post(f"{INDEX}{entry.id}/delete").status_code == 403
    assert GuestbookEntry.select().count() == 1


def test_anonymous_may_not_delete(client, shop, add_entries):
    (entry,) = add_entries(shop, 1)
    for answer in (client.get(f"{INDEX}{entry.id}/delete"), client.post(f"{INDEX}{entry.id}/delete")):
        assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]
    assert GuestbookEntry.select().count() == 1


def test_cannot_delete_another_shops_entry(other_owner_client, owner_client, shop, other_shop, add_entries):
    (theirs,) = add_entries(other_shop, 1)
    assert owner_client.post(f"{INDEX}{theirs.id}/delete").status_code == 404
    assert owner_client.get(f"{INDEX}{theirs.id}/delete").status_code == 404
    assert GuestbookEntry.select().count() == 1


# ---------------------------------------------------------------------------
# holding entries for approval: the queue
# ---------------------------------------------------------------------------


def _hold(shop):
    ShopModule.create(shop=shop, plugin="guestbook", enabled=True, settings={"require_approval": True})


def test_held_entry_waits_in_the_queue_until_approved(client, owner_client, staff_client, shop):
    from guestbook_kit import entry_data

    _hold(shop)
    client.post(INDEX, data=entry_data(**{"gb-message": "Mohon info ukuran 44"}))
    entry = GuestbookEntry.get()
    assert entry.is_pending and entry.is_hidden
    assert "Mohon info ukuran 44" not in text(client.get(INDEX))
    assert "Mohon info ukuran 44" not in text(client.get("/s/workshop/profile"))
    # The team is told, in the menu, on the guestbook and on the dashboard.
    index = text(owner_client.get(INDEX))
    assert f'<a href="{QUEUE}">1 entry is waiting for your approval →</a>' in index
    assert f'href="{QUEUE}">1 waiting for approval</a>' in text(owner_client.get("/s/workshop/manage/"))
    queue = text(staff_client.get(QUEUE))
    assert "Mohon info ukuran 44" in queue and "Waiting for approval</span>" in queue
    assert f'action="{INDEX}{entry.id}/show?next=queue"' in queue and "Approve and show" in queue
    # Approving from the queue, without JavaScript, comes back to the queue.
    answer = staff_client.post(f"{INDEX}{entry.id}/show?next=queue")
    assert answer.status_code == 303 and answer.headers["Location"] == QUEUE
    entry = GuestbookEntry.get_by_id(entry.id)
    assert not entry.is_pending and not entry.is_hidden
    assert "Mohon info ukuran 44" in text(client.get(INDEX))
    assert "Nothing is waiting for approval." in text(staff_client.get(QUEUE))


def test_hiding_a_waiting_entry_takes_it_out_of_the_queue(owner_client, shop, add_entries):
    (entry,) = add_entries(shop, 1, pending=True, name="Wait")
    owner_client.post(f"{INDEX}{entry.id}/hide", headers=HX)
    entry = GuestbookEntry.get_by_id(entry.id)
    assert entry.is_hidden and not entry.is_pending
    assert "Wait</strong>" not in text(owner_client.get(QUEUE))


def test_queue_is_oldest_first_and_only_pending(owner_client, shop, add_entries):
    add_entries(shop, 3, pending=True)
    add_entries(shop, 1, hidden=True, name="Hidden by hand")
    add_entries(shop, 1, name="Public")
    page = text(owner_client.get(QUEUE))
    assert re.findall(r"<strong>(Visitor \d)</strong>", page) == ["Visitor 1", "Visitor 2", "Visitor 3"]
    assert "Hidden by hand" not in page and "Public</strong>" not in page
    fragment = owner_client.get(QUEUE, headers=HX)
    assert "<html" not in text(fragment) and 'id="guestbook-queue"' in text(fragment)


def test_queue_is_for_the_team_only(client, shop, request):
    answer = client.get(QUEUE)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]
    for who in OUTSIDERS:
        assert request.getfixturevalue(who).get(QUEUE).status_code == 403, who


# ---------------------------------------------------------------------------
# one entry's page
# ---------------------------------------------------------------------------


def test_entry_page_is_public_for_visible_entries_only(client, owner_client, customer_client, shop, add_entries):
    (public,) = add_entries(shop, 1, name="Seen")
    (hidden,) = add_entries(shop, 1, hidden=True, name="Unseen")
    assert "Seen" in text(client.get(f"{INDEX}{public.id}"))
    assert client.get(f"{INDEX}{hidden.id}").status_code == 404
    assert customer_client.get(f"{INDEX}{hidden.id}").status_code == 404
    assert "Unseen" in text(owner_client.get(f"{INDEX}{hidden.id}"))
    assert client.get(f"{INDEX}987654").status_code == 404


def test_entry_of_another_shop_is_not_found(client, shop, other_shop, add_entries):
    (theirs,) = add_entries(other_shop, 1)
    assert client.get(f"{INDEX}{theirs.id}").status_code == 404


# ---------------------------------------------------------------------------
# the header: average rating and counts; stars with a text alternative
# ---------------------------------------------------------------------------


def test_header_shows_average_rating_and_counts(client, shop, add_entries):
    add_entries(shop, 1, rating=5)
    add_entries(shop, 1, rating=4)
    add_entries(shop, 1, rating=4)
    add_entries(shop, 1)  # no rating
    add_entries(shop, 1, rating=1, hidden=True)  # hidden: not counted
    page = text(client.get(INDEX))
    summary = page[page.index('id="guestbook-summary"'):]
    summary = summary[:summary.index("</p>")]
    assert 'aria-label="Average rating 4.3 of 5 stars"' in summary
    assert "<strong>4.3</strong>/5" in summary and "3 ratings" in summary and "4 entries" in summary


def test_header_in_indonesian_uses_a_decimal_comma(client, shop, add_entries, monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "id")
    add_entries(shop, 1, rating=5)
    add_entries(shop, 1, rating=4)
    page = text(client.get(INDEX, headers={"Accept-Language": "id"}))
    assert "<strong>4,5</strong>/5" in page


def test_header_without_ratings(client, shop, add_entries):
    add_entries(shop, 2)
    page = text(client.get(INDEX))
    summary = page[page.index('id="guestbook-summary"'):]
    assert "2 entries" in summary[:summary.index("</p>")] and "Average rating" not in page


def test_each_rating_has_a_text_alternative(client, shop, add_entries):
    add_entries(shop, 1, rating=3)
    page = text(client.get(INDEX))
    assert '<span class="rating" role="img" aria-label="3 of 5 stars">★★★<span class="rating-off">★★</span></span>' in page


# ---------------------------------------------------------------------------
# the customer's section on the team's customer page
# ---------------------------------------------------------------------------


def _profile(portal_app, shop, customer, user):
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        return dict(portal_app.extensions["portal"].call_isolated(
            "portal_slot_customer_profile", shop, shop=shop, customer=customer, user=user))


def test_customer_profile_lists_the_customers_entries_for_the_team(portal_app, shop, other_shop, customer,
                                                                    other_customer, add_entries):
    owner = User.get(User.email == "owner@shop.test")
    add_entries(shop, 1, user=customer, message="Sepatu saya nyaman", rating=5)
    add_entries(shop, 1, user=customer, message="Pesan tersembunyi", hidden=True)
    add_entries(shop, 1, user=other_customer, message="Punya orang lain")
    add_entries(other_shop, 1, user=customer, message="Di toko lain")
    html = _profile(portal_app, shop, customer, owner)["guestbook"]
    assert html.lstrip().startswith('<section class="guestbook-customer">') and "<h2>Guestbook</h2>" in html
    assert "Sepatu saya nyaman" in html and "Pesan tersembunyi" in html and "Hidden</span>" in html
    assert "Punya orang lain" not in html and "Di toko lain" not in html
    theirs = _profile(portal_app, shop, other_customer, owner)["guestbook"]
    assert "Punya orang lain" in theirs and "Sepatu saya nyaman" not in theirs
    nobody = User.get(User.email == "supplier@shop.test")
    assert "guestbook" not in _profile(portal_app, shop, customer, nobody)
    assert "guestbook" not in _profile(portal_app, shop, customer, None)


def test_customer_profile_is_empty_for_a_customer_without_entries(portal_app, shop, customer):
    owner = User.get(User.email == "owner@shop.test")
    assert "guestbook" not in _profile(portal_app, shop, customer, owner)


def test_customer_profile_absent_when_switched_off(portal_app, shop, customer, add_entries, disable_plugin):
    owner = User.get(User.email == "owner@shop.test")
    add_entries(shop, 1, user=customer)
    disable_plugin(shop, "guestbook")
    assert "guestbook" not in _profile(portal_app, shop, customer, owner)


def test_no_header_line_before_the_first_entry(client, shop):
    page = text(client.get(INDEX))
    assert 'id="guestbook-summary"' not in page and "No entries yet. Be the first to write!" in page
