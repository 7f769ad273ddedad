"""Accounts over HTTP with CSRF on: register, log in/out, rate limits, the account page, password reset."""
from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner

from portal.core import accounts
from portal.core.models import OutboxMail, User
from portal.testing import TEST_PASSWORD, make_client

NEW_PASSWORD = "brown-leather-boots-7"
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
EN = {"Accept-Language": "en"}


def text(response) -> str:
    return response.get_data(as_text=True)


def without_csrf(body: str) -> str:
    """A page with its per-session CSRF tokens blanked, to compare two answers."""
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", body)


def register_data(**overrides):
    data = {"name": "Siti Rahma", "email": "siti@example.test", "phone": "0812-3456-7890",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    data.update(overrides)
    return data


def mails_to(email: str):
    return list(OutboxMail.select().where(OutboxMail.to == email).order_by(OutboxMail.id))


def reset_link_from(mail) -> str:
    match = re.search(r"http://localhost(/password/reset/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def copy_session(source, app):
    """A second browser holding a copy of ``source``'s session cookie (a stolen cookie)."""
    thief = make_client(app)
    thief.set_cookie("session", source.get_cookie("session").value)
    return thief


# ---------------------------------------------------------------------------
# register
# ---------------------------------------------------------------------------


def test_register_page_is_public(client):
    page = client.get("/register", headers=EN)
    assert page.status_code == 200
    for name in ("name", "email", "phone", "password", "confirm"):
        assert f'name="{name}"' in text(page)


def test_register_creates_account_logs_in_and_welcomes(client, portal_app):
    response = client.post("/register", data=register_data(), headers=EN)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    user = User.get(User.email == "siti@example.test")
    assert user.name == "Siti Rahma"
    assert user.phone == "+6281234567890"
    assert user.locale == "en"
    assert accounts.authenticate("siti@example.test", NEW_PASSWORD) == user
    account = client.get("/account", headers=EN)
    assert account.status_code == 200 and "Siti Rahma" in text(account)
    [welcome] = mails_to("siti@example.test")
    assert welcome.subject == "Welcome to Portal"
    assert "http://localhost/account" in welcome.body_text
    assert "The Portal team" in welcome.body_text


def test_register_follows_only_local_next(client):
    ok = client.post("/register?next=/s/x/products", data=register_data())
    assert ok.headers["Location"] == "/s/x/products"
    other = make_client(client.application)
    evil = other.post("/register?next=https://evil.example/", data=register_data(email="b@example.test"))
    assert evil.headers["Location"] == "/"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required."),
    ("name", "x" * 121, "120"),
    ("name", "Siti\r\nBcc: x@evil.test", "Line breaks"),
    ("email", "", "This field is required."),
    ("email", "not-an-email", "Enter a valid e-mail address."),
    ("email", "a" * 250 + "@example.test", "254"),
    ("phone", "12345", "Enter an Indonesian phone number"),
    ("phone", "+1 202 555 0143", "Enter an Indonesian phone number"),
    ("password", "short1", "at least 8 characters"),
    ("password", "1234567890", "more than digits only"),
    ("password", "Password123", "too common"),
    ("password", "x" * 201, "at most 200 characters"),
    ("password", "siti.rahma", "name or e-mail"),
])
def test_register_bad_input_shows_field_errors_and_keeps_input(client, field, value, message):
    data = register_data(**{"email": "siti.rahma@example.test", field: value})
    if field == "password":
        data["confirm"] = value
    page = client.post("/register", data=data, headers=EN)
    body = text(page)
    assert page.status_code == 200
    assert message in body
    assert "field-error" in body
    assert not User.select().where(User.email == "siti.rahma@example.test").exists()
    if field != "name":
        assert 'value="Siti Rahma"' in body
    if field != "email":
        assert 'value="siti.rahma@example.test"' in body


def test_register_password_confirmation_must_match(client):
    page = client.post("/register", data=register_data(confirm="something-else-9"), headers=EN)
    assert "The two passwords differ." in text(page)
    assert not User.select().where(User.email == "siti@example.test").exists()


def test_register_duplicate_email_gets_generic_message(client, customer):
    for email in ("customer@example.test", "Customer@Example.TEST"):
        page = client.post("/register", data=register_data(email=email), headers=EN)
        body = text(page)
        assert page.status_code == 200
        assert "This e-mail cannot be used; if it is yours, log in or reset your password." in body
        assert "already registered" not in body.lower() and "exists" not in body.lower()
    assert User.select().where(User.email == "customer@example.test").count() == 1
    assert User.get(User.email == "customer@example.test").name == "Customer A"
    assert not mails_to("customer@example.test")


def test_register_escapes_the_name(client):
    client.post("/register", data=register_data(name=XSS))
    body = text(client.get("/account"))
    assert XSS_ESCAPED in body
    assert XSS not in body


def test_register_needs_csrf(client):
    response = client.post("/register", data=register_data(), csrf=False)
    assert response.status_code == 400
    assert not User.select().where(User.email == "siti@example.test").exists()


def test_logged_in_user_is_sent_on_from_register_and_login(customer_client):
    assert customer_client.get("/register").status_code == 303
    assert customer_client.get("/login?next=/account").headers["Location"] == "/account"


# ---------------------------------------------------------------------------
# log in
# ---------------------------------------------------------------------------


def test_login_page_prefills_email(client):
    page = client.get("/login?email=someone@example.test", headers=EN)
    assert 'value="someone@example.test"' in text(page)
    assert "Forgot your password?" in text(page)


def test_login_success_records_time(client, customer):
    response = client.post("/login", data={"email": "CUSTOMER@example.test", "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert User.get_by_id(customer.id).last_login_at is not None
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(("target", "expected"), [
    ("/account", "/account"),
    ("/s/workshop/products?page=2", "/s/workshop/products?page=2"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_next_accepts_only_local_paths(client, customer, target, expected):
    response = client.post("/login", query_string={"next": target},
                           data={"email": customer.email, "password": TEST_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_login_error_never_reveals_whether_the_account_exists(client, customer, other_customer):
    accounts.set_active(other_customer, False)
    answers = []
    for email, password in [("customer@example.test", "wrong-password-1"),
                            ("nobody@example.test", "wrong-password-1"),
                            ("customer-b@example.test", TEST_PASSWORD)]:
        page = client.post("/login", data={"email": email, "password": password}, headers=EN)
        assert page.status_code == 200
        assert "Wrong e-mail or password." in text(page)
        answers.append(without_csrf(text(page)).replace(email, "EMAIL"))
    assert answers[0] == answers[1] == answers[2]
    assert client.get("/account").status_code == 303


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "password": "x"}, "This field is required."),
    ({"email": "customer@example.test", "password": ""}, "This field is required."),
    ({"email": "not-an-email", "password": "x"}, "Enter a valid e-mail address."),
    ({"email": "a" * 255 + "@x.test", "password": "x"}, "254"),
])
def test_login_bad_input(client, customer, data, message):
    page = client.post("/login", data=data, headers=EN)
    assert page.status_code == 200
    assert message in text(page)
    if data["email"] and len(data["email"]) < 100:
        assert f'value="{data["email"]}"' in text(page)


def test_login_needs_csrf(client, customer):
    response = client.post("/login", data={"email": customer.email, "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/account").status_code == 303


# ---------------------------------------------------------------------------
# rate limits
# ---------------------------------------------------------------------------


def failed_login(client, email, **kwargs):
    return client.post("/login", data={"email": email, "password": "wrong-password-1"}, **kwargs)


def test_login_is_limited_per_address_and_forged_forwarded_for_does_not_help(client, customer):
    for i in range(10):
        response = failed_login(client, f"user{i}@example.test", headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert response.status_code == 200
    blocked = client.post("/login", data={"email": customer.email, "password": TEST_PASSWORD},
                          headers={"X-Forwarded-For": "198.51.100.7", **EN})
    assert blocked.status_code == 429
    assert '<html lang="en">' in text(blocked)
    assert "Too many requests" in text(blocked)
    # Another real address is not affected; looking at the form is not limited either.
    elsewhere = client.post("/login", data={"email": customer.email, "password": TEST_PASSWORD},
                            environ_base={"REMOTE_ADDR": "192.0.2.50"})
    assert elsewhere.status_code == 303
    assert client.get("/login").status_code in (200, 303)


def test_the_429_page_speaks_indonesian_to_indonesians(client):
    for i in range(10):
        failed_login(client, f"user{i}@example.test")
    blocked = failed_login(client, "user99@example.test", headers={"Accept-Language": "id"})
    assert blocked.status_code == 429
    assert '<html lang="id">' in text(blocked)


@pytest.mark.parametrize("portal_config", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client):
    for i in range(12):
        response = failed_login(client, f"user{i}@example.test", headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert response.status_code == 200


def test_login_failures_are_limited_per_email_from_any_address(client, customer, other_customer):
    for i in range(5):
        assert failed_login(client, customer.email, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code == 200
    # Now even the right password is refused for this account for a while ...
    blocked = client.post("/login", data={"email": "Customer@example.test", "password": TEST_PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert blocked.status_code == 429
    # ... while another account logs in from the same address.
    ok = client.post("/login", data={"email": other_customer.email, "password": TEST_PASSWORD},
                     environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert ok.status_code == 303


def test_successful_logins_do_not_use_up_the_per_email_allowance(portal_app, customer):
    for i in range(7):
        c = make_client(portal_app)
        response = c.post("/login", data={"email": customer.email, "password": TEST_PASSWORD},
                          environ_base={"REMOTE_ADDR": f"10.0.2.{i}"})
        assert response.status_code == 303


# ---------------------------------------------------------------------------
# log out
# ---------------------------------------------------------------------------


def test_logout_is_post_only(customer_client):
    assert customer_client.get("/logout").status_code == 405
    assert customer_client.get("/account").status_code == 200


def test_logout_needs_csrf(customer_client):
    assert customer_client.post("/logout", csrf=False).status_code == 400
    assert customer_client.get("/account").status_code == 200


def test_logout_ends_the_session_even_for_a_copied_cookie(portal_app, customer_client):
    thief = copy_session(customer_client, portal_app)
    assert thief.get("/account").status_code == 200
    response = customer_client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert customer_client.get("/account").status_code == 303
    replay = thief.get("/account")
    assert replay.status_code == 303
    assert replay.headers["Location"].startswith("/login")


def test_logout_goes_back_only_to_local_next(customer_client):
    response = customer_client.post("/logout", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


# ---------------------------------------------------------------------------
# account page
# ---------------------------------------------------------------------------


def test_account_page_needs_login(client):
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/account"
    assert client.post("/account", data={"profile-name": "X"}).status_code == 303
    assert client.post("/account/password", data={}).status_code == 303


def test_account_page_lists_the_owners_shops(owner_client, shop):
    body = text(owner_client.get("/account", headers=EN))
    assert "Test Workshop" in body
    assert "/s/workshop/manage/" in body


def test_account_update_profile(customer_client, customer):
    response = customer_client.post("/account", headers={"Accept-Language": "id"}, data={
        "profile-name": "  Ani Wijaya ", "profile-phone": "0813 1111 2222", "profile-locale": "en"})
    assert response.status_code == 303
    user = User.get_by_id(customer.id)
    assert (user.name, user.phone, user.locale) == ("Ani Wijaya", "+6281311112222", "en")
    page = customer_client.get("/account", headers={"Accept-Language": "id"})
    assert '<html lang="en">' in text(page)
    assert "Your details are saved." in text(page)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required."),
    ("name", "n" * 121, "120"),
    ("phone", "0000", "Enter an Indonesian phone number"),
    ("phone", "0812" * 10, "30"),
    ("locale", "fr", "Not a valid choice"),
])
def test_account_update_bad_input(customer_client, customer, field, value, message):
    data = {"profile-name": "Ani Wijaya", "profile-phone": "0813 1111 2222", "profile-locale": "en"}
    data[f"profile-{field}"] = value
    page = customer_client.post("/account", data=data, headers=EN)
    assert page.status_code == 200
    assert message in text(page)
    if field != "name":
        assert 'value="Ani Wijaya"' in text(page)
    assert User.get_by_id(customer.id).name == "Customer A"


def test_account_name_is_escaped(customer_client):
    customer_client.post("/account", data={"profile-name": XSS, "profile-phone": "", "profile-locale": "id"})
    body = text(customer_client.get("/account"))
    assert XSS_ESCAPED in body and XSS not in body


def password_change(client, current=TEST_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", headers=EN, data={
        "pw-current": current, "pw-password": new, "pw-confirm": confirm if confirm is not None else new})


def test_change_password_ends_other_sessions_but_keeps_this_one(portal_app, customer_client, customer):
    thief = copy_session(customer_client, portal_app)
    assert thief.get("/account").status_code == 200
    response = password_change(customer_client)
    assert response.status_code == 303
    assert customer_client.get("/account").status_code == 200
    assert thief.get("/account").status_code == 303
    assert accounts.authenticate(customer.email, TEST_PASSWORD) is None
    assert accounts.authenticate(customer.email, NEW_PASSWORD) is not None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"current": "not-my-password"}, "The current password is not right."),
    ({"current": ""}, "This field is required."),
    ({"new": "12345678901"}, "more than digits only"),
    ({"new": "short"}, "at least 8 characters"),
    ({"new": "iloveyou"}, "too common"),
    ({"confirm": "another-thing-22"}, "The two passwords differ."),
])
def test_change_password_refusals(customer_client, customer, kwargs, message):
    page = password_change(customer_client, **kwargs)
    assert page.status_code == 200
    assert message in text(page)
    assert accounts.authenticate(customer.email, TEST_PASSWORD) is not None
    assert customer_client.get("/account").status_code == 200


def test_change_password_needs_csrf(customer_client, customer):
    response = customer_client.post("/account/password", csrf=False, data={
        "pw-current": TEST_PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert accounts.authenticate(customer.email, TEST_PASSWORD) is not None


# ---------------------------------------------------------------------------
# password reset
# ---------------------------------------------------------------------------

SAME_ANSWER = "If an account uses this address, we have sent it a link"


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, customer):
    known = client.post("/password/forgot", data={"email": customer.email}, headers=EN)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.test"}, headers=EN)
    assert known.status_code == unknown.status_code == 200
    assert SAME_ANSWER in text(known)
    assert without_csrf(text(known)) == without_csrf(text(unknown))
    assert len(mails_to(customer.email)) == 1
    assert not mails_to("nobody@example.test")


def test_forgot_password_bad_input(client):
    for email, message in [("", "This field is required."), ("nope", "Enter a valid e-mail address.")]:
        page = client.post("/password/forgot", data={"email": email}, headers=EN)
        assert message in text(page)
        assert SAME_ANSWER not in text(page)
    assert OutboxMail.select().count() == 0


def test_disabled_account_gets_no_reset_mail(client, customer):
    accounts.set_active(customer, False)
    page = client.post("/password/forgot", data={"email": customer.email}, headers=EN)
    assert SAME_ANSWER in text(page)
    assert not mails_to(customer.email)


def test_reset_mail_is_in_the_users_language_with_an_absolute_link(client, customer, other_customer):
    customer.locale = "en"
    customer.save()
    client.post("/password/forgot", data={"email": customer.email}, headers={"Accept-Language": "id"})
    client.post("/password/forgot", data={"email": other_customer.email}, headers={"Accept-Language": "id"})
    [english] = mails_to(customer.email)
    [indonesian] = mails_to(other_customer.email)
    assert english.subject == "Reset your Portal password"
    assert "Western Indonesia Time" in english.body_text
    assert "Waktu Indonesia Barat" in indonesian.body_text
    assert re.search(r"^http://localhost/password/reset/\S+$", english.body_text, re.MULTILINE)


def test_reset_link_sets_a_new_password_once(portal_app, client, customer):
    thief = make_client(portal_app, customer)
    client.post("/password/forgot", data={"email": customer.email})
    link = reset_link_from(mails_to(customer.email)[0])
    form = client.get(link, headers=EN)
    assert form.status_code == 200 and "Choose a new password" in text(form)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # logged in by the reset
    assert thief.get("/account").status_code == 303  # older sessions are over
    assert accounts.authenticate(customer.email, NEW_PASSWORD) is not None
    # The same link a second time: refused with the neutral page.
    again = make_client(portal_app).get(link, headers=EN)
    assert again.status_code == 404
    assert "The link is unknown, has already been used or has expired." in text(again)
    replay = make_client(portal_app).post(link, data={"password": "another-pass-55", "confirm": "another-pass-55"})
    assert replay.status_code == 404
    assert accounts.authenticate(customer.email, NEW_PASSWORD) is not None


def test_expired_reset_link_is_refused(portal_app, client, customer, monkeypatch):
    with monkeypatch.context() as m:
        # A token signed just over the allowed age ago.
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - accounts.RESET_MAX_AGE - 5)
        token = accounts.make_reset_token(customer)
    expired = client.get(f"/password/reset/{token}", headers=EN)
    assert expired.status_code == 404
    assert "The link is unknown, has already been used or has expired." in text(expired)
    fresh = client.get(f"/password/reset/{accounts.make_reset_token(customer)}")
    assert fresh.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "eyJ1IjoxfQ.invalid.sig"])
def test_unknown_reset_tokens_look_the_same(client, token):
    page = client.get(f"/password/reset/{token}", headers=EN)
    assert page.status_code == 404
    assert "The link is unknown, has already been used or has expired." in text(page)


def test_reset_form_bad_input(portal_app, client, customer):
    link = f"/password/reset/{accounts.make_reset_token(customer)}"
    for data, message in [({"password": "abc", "confirm": "abc"}, "at least 8 characters"),
                          ({"password": NEW_PASSWORD, "confirm": "different-1234"}, "The two passwords differ."),
                          ({"password": "customer", "confirm": "customer"}, "name or e-mail")]:
        page = client.post(link, data=data, headers=EN)
        assert page.status_code == 200
        assert message in text(page)
    assert accounts.authenticate(customer.email, TEST_PASSWORD) is not None


def test_reset_needs_csrf(client, customer):
    link = f"/password/reset/{accounts.make_reset_token(customer)}"
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, csrf=False).status_code == 400
    assert accounts.authenticate(customer.email, TEST_PASSWORD) is not None


def test_forgot_password_is_limited_per_email(client, customer):
    for i in range(3):
        assert client.post("/password/forgot", data={"email": customer.email},
                           environ_base={"REMOTE_ADDR": f"10.9.0.{i}"}).status_code == 200
    assert client.post("/password/forgot", data={"email": customer.email},
                       environ_base={"REMOTE_ADDR": "10.9.1.1"}).status_code == 429
    assert len(mails_to(customer.email)) == 3


def test_password_policy_unit():
    assert accounts.password_problems(NEW_PASSWORD) == []
    assert accounts.password_problems("aaaaaaaaaaaa")  # one repeated character
    assert accounts.password_problems("budi1234", email="budi1234@example.test")
