"""The shop's team page and invitation links, with CSRF on, for every kind of visitor."""
from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.core import invitations
from portal.core.db import utcnow
from portal.core.models import Invitation, Membership, OutboxMail, User
from portal.core.shops import add_member
from portal.testing import TEST_PASSWORD, make_client, make_user

TEAM = "/s/workshop/manage/team/"
EN = {"Accept-Language": "en"}
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
NEUTRAL = "The link is unknown, has already been used or has expired."


def text(response) -> str:
    return response.get_data(as_text=True)


def user(email: str) -> User:
    return User.get(User.email == email)


def invite_link(email: str) -> str:
    mail = OutboxMail.select().where(OutboxMail.to == email.lower()).order_by(OutboxMail.id.desc()).first()
    match = re.search(r"http://localhost(/invite/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def owner_invites(owner_client, email="new.staff@example.test", role="staff"):
    response = owner_client.post(TEAM + "invite", data={"email": email, "role": role})
    assert response.status_code == 303, text(response)
    return invite_link(email)


# ---------------------------------------------------------------------------
# who may see and change the team
# ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, shop):
    response = client.get(TEAM)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/s/workshop/manage/team/")
    assert client.post(TEAM + "invite", data={"email": "a@b.test", "role": "staff"}).status_code == 303
    assert not Invitation.select().exists()


@pytest.mark.parametrize("who", ["customer_client", "supplier_client", "courier_client",
                                 "other_owner_client", "admin_client"])
def test_outsiders_and_partners_may_not_see_the_team(request, shop, who):
    c = request.getfixturevalue(who)
    assert c.get(TEAM).status_code == 403


def test_staff_sees_members_but_cannot_manage(staff_client, shop):
    page = staff_client.get(TEAM, headers=EN)
    body = text(page)
    assert page.status_code == 200
    for email in ("owner@shop.test", "staff@shop.test", "supplier@shop.test", "courier@shop.test"):
        assert email in body
    assert "Invite someone" not in body
    assert "/revoke" not in body


def test_owner_sees_members_and_the_invite_form(owner_client, shop):
    body = text(owner_client.get(TEAM, headers=EN))
    assert "Invite someone" in body
    assert body.count("/revoke") == 4
    assert "Supplier" in body and "Courier" in body


@pytest.mark.parametrize("who", ["staff_client", "supplier_client", "customer_client", "other_owner_client",
                                 "admin_client"])
def test_only_the_owner_may_invite_cancel_or_revoke(request, shop, who):
    c = request.getfixturevalue(who)
    invitation, _ = invitations.create_invitation(shop, "pending@example.test", "staff")
    staff_membership = Membership.get(Membership.user == user("staff@shop.test"))
    assert c.post(TEAM + "invite", data={"email": "x@example.test", "role": "staff"}).status_code == 403
    assert c.post(f"{TEAM}invitations/{invitation.id}/cancel").status_code == 403
    assert c.post(f"{TEAM}members/{staff_membership.id}/revoke").status_code == 403
    assert Invitation.select().count() == 1
    assert Membership.select().where(Membership.id == staff_membership.id).exists()


def test_team_of_an_unknown_shop_is_404(owner_client, shop):
    assert owner_client.get("/s/nowhere/manage/team/").status_code == 404


# ---------------------------------------------------------------------------
# inviting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "supplier", "courier"])
def test_owner_invites_by_email(owner_client, shop, role):
    response = owner_client.post(TEAM + "invite", data={"email": "New.Person@Example.test", "role": role},
                                 headers=EN)
    assert response.status_code == 303
    invitation = Invitation.get()
    assert (invitation.email, invitation.role, invitation.shop_id) == ("new.person@example.test", role, shop.id)
    assert invitation.invited_by.email == "owner@shop.test"
    assert invitation.accepted_at is None
    lifetime = invitation.expires_at - utcnow()
    assert dt.timedelta(days=6, hours=23) < lifetime <= dt.timedelta(days=7)
    link = invite_link("new.person@example.test")
    token = link.rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    assert invitation.token_hash == invitations.hash_token(token) != token
    assert token not in invitation.token_hash
    mail = OutboxMail.get(OutboxMail.to == "new.person@example.test")
    assert "Test Workshop" in mail.subject
    assert "Test Workshop" in mail.body_text  # signed by the shop
    page = owner_client.get(TEAM, headers=EN)
    assert "new.person@example.test" in text(page)
    assert "Invitation sent to new.person@example.test." in text(page)


def test_inviting_again_replaces_the_old_link(owner_client, shop, client):
    first = owner_invites(owner_client)
    second = owner_invites(owner_client)
    assert Invitation.select().count() == 1
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "role": "staff"}, "This field is required."),
    ({"email": "not-an-email", "role": "staff"}, "Enter a valid e-mail address."),
    ({"email": "a" * 250 + "@example.test", "role": "staff"}, "254"),
    ({"email": "ok@example.test", "role": "owner"}, "Not a valid choice"),
    ({"email": "ok@example.test", "role": "boss"}, "Not a valid choice"),
    ({"email": "staff@shop.test", "role": "courier"}, "already a member"),
])
def test_invite_bad_input_keeps_what_was_typed(owner_client, shop, data, message):
    page = owner_client.post(TEAM + "invite", data=data, headers=EN)
    assert page.status_code == 200
    assert message in text(page)
    if data["email"] and len(data["email"]) < 100:
        assert f'value="{data["email"]}"' in text(page)
    assert not Invitation.select().exists()
    assert not OutboxMail.select().exists()


def test_invite_needs_csrf(owner_client, shop):
    response = owner_client.post(TEAM + "invite", data={"email": "x@example.test", "role": "staff"}, csrf=False)
    assert response.status_code == 400
    assert not Invitation.select().exists()


def test_cancel_invitation(owner_client, shop, client):
    link = owner_invites(owner_client)
    invitation = Invitation.get()
    response = owner_client.post(f"{TEAM}invitations/{invitation.id}/cancel")
    assert response.status_code == 303
    assert not Invitation.select().exists()
    assert client.get(link).status_code == 404


def test_cannot_cancel_another_shops_invitation(owner_client, shop, other_shop):
    foreign, _ = invitations.create_invitation(other_shop, "x@example.test", "staff")
    assert owner_client.post(f"{TEAM}invitations/{foreign.id}/cancel").status_code == 404
    assert Invitation.select().where(Invitation.id == foreign.id).exists()


# ---------------------------------------------------------------------------
# revoking
# ---------------------------------------------------------------------------


def test_owner_revokes_a_member(owner_client, staff_client, shop):
    membership = Membership.get(Membership.user == user("staff@shop.test"))
    assert staff_client.get("/s/workshop/manage/").status_code == 200
    response = owner_client.post(f"{TEAM}members/{membership.id}/revoke", headers=EN)
    assert response.status_code == 303
    assert not Membership.select().where(Membership.id == membership.id).exists()
    assert staff_client.get("/s/workshop/manage/").status_code == 403
    assert "no longer has access" in text(owner_client.get(TEAM, headers=EN))


def test_the_last_owner_cannot_be_revoked(owner_client, shop):
    membership = Membership.get(Membership.user == user("owner@shop.test"))
    response = owner_client.post(f"{TEAM}members/{membership.id}/revoke", headers=EN)
    assert response.status_code == 303
    assert Membership.select().where(Membership.id == membership.id).exists()
    assert "The shop needs at least one owner" in text(owner_client.get(TEAM, headers=EN))


def test_an_owner_can_leave_when_another_owner_remains(owner_client, shop):
    add_member(shop, make_user("second@shop.test", "Second Owner"), "owner")
    membership = Membership.get(Membership.user == user("owner@shop.test"))
    response = owner_client.post(f"{TEAM}members/{membership.id}/revoke")
    assert response.status_code == 303 and response.headers["Location"] == "/s/workshop/"
    assert owner_client.get(TEAM).status_code == 403


def test_cannot_revoke_a_membership_of_another_shop(owner_client, shop, other_shop):
    foreign = Membership.get(Membership.shop == other_shop)
    assert owner_client.post(f"{TEAM}members/{foreign.id}/revoke").status_code == 404
    assert Membership.select().where(Membership.id == foreign.id).exists()


def test_member_names_are_escaped(owner_client, shop):
    add_member(shop, make_user("xss@example.test", XSS), "courier")
    body = text(owner_client.get(TEAM))
    assert XSS_ESCAPED in body and XSS not in body


# ---------------------------------------------------------------------------
# the invitation link
# ---------------------------------------------------------------------------


def test_anonymous_visitor_is_offered_login_or_register_with_the_email(owner_client, shop, client):
    link = owner_invites(owner_client)
    page = client.get(link, headers=EN)
    body = text(page)
    assert page.status_code == 200
    assert "Test Workshop" in body and "Staff" in body
    hrefs = {urlsplit(h).path: parse_qs(urlsplit(h).query)
             for h in re.findall(r'href="(/(?:login|register)\?[^"]*)"', html.unescape(body))}
    for path in ("/login", "/register"):
        assert hrefs[path] == {"next": [link], "email": ["new.staff@example.test"]}
    login_form = client.get(f"/login?email=new.staff%40example.test&next={link}")
    assert 'value="new.staff@example.test"' in text(login_form)


def test_new_person_registers_through_the_link_and_accepts(portal_app, owner_client, shop):
    link = owner_invites(owner_client, role="supplier")
    browser = make_client(portal_app)
    # The account keeps the language it was registered in, so register in English.
    register = browser.get(f"/register?email=new.staff%40example.test&next={link}", headers=EN)
    assert 'value="new.staff@example.test"' in text(register)
    done = browser.post(f"/register?next={link}", headers=EN, data={
        "name": "Pak Supplier", "email": "new.staff@example.test", "phone": "",
        "password": "kulit-sapi-asli-9", "confirm": "kulit-sapi-asli-9"})
    assert done.status_code == 303 and done.headers["Location"] == link
    page = browser.get(link, headers=EN)
    assert "Accept the invitation" in text(page)
    assert not Membership.select().join(User).where(User.email == "new.staff@example.test").exists()
    accepted = browser.post(link)
    assert accepted.status_code == 303
    assert accepted.headers["Location"] == "/s/workshop/"
    membership = Membership.select().join(User).where(User.email == "new.staff@example.test").get()
    assert (membership.role, membership.shop_id) == ("supplier", shop.id)
    assert Invitation.get().accepted_at is not None


def test_existing_user_logs_in_and_accepts_as_staff(portal_app, owner_client, shop, customer):
    link = owner_invites(owner_client, email="CUSTOMER@example.test")
    browser = make_client(portal_app)
    response = browser.post(f"/login?next={link}", data={"email": customer.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == link
    accepted = browser.post(link)
    assert accepted.headers["Location"] == "/s/workshop/manage/"
    assert browser.get("/s/workshop/manage/").status_code == 200
    assert Membership.get(Membership.user == customer).role == "staff"


def test_wrong_user_gets_a_clear_message_and_cannot_accept(owner_client, shop, customer_client, customer):
    link = owner_invites(owner_client)
    page = customer_client.get(link, headers=EN)
    assert page.status_code == 403
    assert "this invitation is for new.staff@example.test" in text(page)
    assert customer_client.post(link).status_code == 403
    assert not Membership.select().where(Membership.user == customer).exists()
    assert Invitation.get().accepted_at is None


def test_used_expired_cancelled_and_unknown_links_look_the_same(portal_app, owner_client, shop, client, customer):
    used = owner_invites(owner_client, email=customer.email)
    browser = make_client(portal_app, customer)
    assert browser.post(used).status_code == 303
    expired = owner_invites(owner_client, email="late@example.test")
    Invitation.update(expires_at=utcnow() - dt.timedelta(minutes=1)).where(Invitation.email == "late@example.test").execute()
    cancelled = owner_invites(owner_client, email="gone@example.test")
    owner_client.post(f"{TEAM}invitations/{Invitation.get(Invitation.email == 'gone@example.test').id}/cancel")
    bodies = []
    for link in (used, expired, cancelled, "/invite/not-a-real-token"):
        page = client.get(link, headers=EN)
        assert page.status_code == 404
        assert NEUTRAL in text(page)
        bodies.append(re.sub(r'"X-CSRFToken": "[^"]+"', "", text(page)).replace(link, "LINK"))
    assert len(set(bodies)) == 1
    # The used link cannot be accepted again by its own user either.
    assert browser.post(used).status_code == 404


def test_links_of_a_closed_shop_stop_working(owner_client, shop, client):
    link = owner_invites(owner_client)
    shop.is_active = False
    shop.save()
    assert client.get(link).status_code == 404


def test_accepting_needs_csrf(portal_app, owner_client, shop, customer):
    link = owner_invites(owner_client, email=customer.email)
    browser = make_client(portal_app, customer)
    assert browser.post(link, csrf=False).status_code == 400
    assert not Membership.select().where(Membership.user == customer).exists()


def test_an_owner_accepting_a_lesser_role_stays_owner(owner_client, shop):
    owner = user("owner@shop.test")
    invitation, _ = invitations.create_invitation(shop, "someone@example.test", "staff")
    invitation.email = owner.email  # as if the owner had been invited before becoming owner
    invitation.save()
    invitations.accept(invitation, owner)
    assert Membership.get(Membership.user == owner).role == "owner"


def test_shop_name_is_escaped_on_the_invitation_page(portal_app, client):
    from portal.testing import make_shop

    bad = make_shop("badname", name=XSS)
    _, token = invitations.create_invitation(bad, "x@example.test", "staff")
    body = text(client.get(f"/invite/{token}"))
    assert XSS_ESCAPED in body and XSS not in body
