"""Order e-mails over a real SMTP server (aiosmtpd on loopback), and the shop's outbox page.

The server runs once per module on a free port; ``portal_config`` points the
app at it. Jobs run immediately in tests, so a mail queued after a commit has
arrived when the call returns.
"""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from payments_testkit import EN, awaiting_order, owner, placed_order, png_bytes, upload

from portal.core import payments
from portal.core.jobs import jobs
from portal.core.models import OutboxMail, User
from portal.core.order_flow import transition
from portal.core.orders import Order, Payment
from portal.i18n import rupiah
from portal.testing import free_port, make_client, start_smtp_server
from portal.testing import parse_mail as parse


@pytest.fixture
def portal_config(smtp_server):
    controller, _ = smtp_server
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port}


def mails_to(inbox, address):
    return [parse(e) for e in inbox if address in e.rcpt_tos]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def set_locale(order, lang):
    Order.update(locale=lang).where(Order.id == order.id).execute()
    return Order.get_by_id(order.id)


# ---------------------------------------------------------------------------
# what arrives
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang, weekday_names", [
    ("en", ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
    ("id", ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")),
])
def test_confirmation_brings_payment_instructions_in_the_customers_language(portal_app, shop, inbox, lang,
                                                                             weekday_names):
    order, _ = placed_order(shop, email="siti@example.test", price=1_250_000)
    order = set_locale(order, lang)
    inbox.clear()
    order = payments.confirm_order(order, owner(), "owner")

    [message] = mails_to(inbox, "siti@example.test")
    with force_locale(lang):
        expected = gettext("Order %(number)s confirmed: please transfer %(amount)s",
                           number=order.number, amount=rupiah(order.amount_due))
    assert message["Subject"] == expected
    text = body(message)
    assert rupiah(order.amount_due) in text  # the exact amount, unique code included
    assert f"{order.unique_code:03d}" in text
    assert "BCA 1234567890" in text
    assert any(day in text for day in weekday_names)  # the deadline, written in that language
    # A guest's link carries the secret token; it opens the order page.
    link = re.search(r"https?://[^/\s]+(/s/workshop/orders/\S+)", text).group(1)
    assert link == f"/s/workshop/orders/{order.number}?t={order.access_token}"
    assert make_client(portal_app).get(link).status_code == 200
    assert OutboxMail.get(OutboxMail.to == "siti@example.test", OutboxMail.subject == expected).status == "sent"


def test_mails_carry_the_shops_whatsapp(portal_app, shop, inbox):
    shop.whatsapp = "+6281220001001"
    shop.save()
    order = awaiting_order(shop, email="wa@example.test")
    [message] = mails_to(inbox, "wa@example.test")[-1:]
    text = body(message)
    wa = re.search(r"https://wa\.me/(\d+)\?text=(\S+)", text)
    assert wa.group(1) == "6281220001001"
    assert order.number in wa.group(2)


def test_registered_customers_link_has_no_token(portal_app, shop, customer, inbox):
    order = awaiting_order(shop, customer=customer, email=customer.email)
    text = body(mails_to(inbox, customer.email)[-1])
    assert any(line.endswith(f"/s/workshop/orders/{order.number}") for line in text.splitlines())
    assert order.access_token not in text


def test_placement_tells_customer_and_owners(portal_app, shop, inbox):
    order, _ = placed_order(shop, email="buyer@example.test", name="Budi Santoso")
    [customer_mail] = mails_to(inbox, "buyer@example.test")
    assert order.number in customer_mail["Subject"]
    assert order.number in body(customer_mail) and rupiah(order.total) in body(customer_mail)
    [owner_mail] = mails_to(inbox, "owner@shop.test")
    assert "Budi Santoso" in owner_mail["Subject"]
    assert f"/s/workshop/manage/orders/{order.number}" in body(owner_mail)
    assert mails_to(inbox, "staff@shop.test") == []  # owners only


def test_proof_upload_tells_the_owners(portal_app, shop, customer, customer_client, inbox):
    order = awaiting_order(shop, customer=customer, email=customer.email)
    inbox.clear()
    upload(customer_client, order, png_bytes(), "r.png")
    [mail] = mails_to(inbox, "owner@shop.test")
    assert order.number in mail["Subject"]
    assert mails_to(inbox, customer.email) == []


def test_verification_and_rejection_mails(portal_app, shop, customer, customer_client, owner_client, inbox):
    order = awaiting_order(shop, customer=customer, email=customer.email)
    upload(customer_client, order, png_bytes(), "r.png")
    payment = Payment.get(Payment.order == order)
    inbox.clear()
    owner_client.post(f"/s/workshop/manage/payments/{payment.id}/reject", data={"reason": "Blurry photo, please resend."})
    [rejected] = mails_to(inbox, customer.email)
    assert "Blurry photo, please resend." in body(rejected)
    assert rupiah(order.amount_due) in body(rejected)

    upload(customer_client, order, png_bytes(), "again.png")
    second = Payment.select().where(Payment.order == order).order_by(Payment.id.desc()).first()
    inbox.clear()
    owner_client.post(f"/s/workshop/manage/payments/{second.id}/approve")
    [received] = mails_to(inbox, customer.email)
    assert order.number in received["Subject"] and order.number in body(received)


def test_hand_over_delivery_and_closing_mails(portal_app, shop, inbox):
    boss = owner()
    order = payments.record_payment(awaiting_order(shop, email="track@example.test", locale="en"), boss, "owner")
    order = transition(order, "mark_ready", actor=boss, role="owner")
    inbox.clear()
    order = transition(order, "hand_over", actor=boss, role="owner")
    order = transition(order, "deliver", actor=boss, role="owner")
    handed, delivered = mails_to(inbox, "track@example.test")
    assert order.number in handed["Subject"] and "handed over to you at the workshop" in body(handed)
    assert "has been delivered" in body(delivered)

    cancelled = awaiting_order(shop, email="cancel@example.test", locale="en")
    transition(cancelled, "cancel", actor=boss, role="owner", note="Leather out of stock.")
    [mail] = mails_to(inbox, "cancel@example.test")[-1:]
    assert "cancelled" in body(mail) and "Leather out of stock." in body(mail)

    rejected, _ = placed_order(shop, email="reject@example.test")
    rejected = set_locale(rejected, "en")
    transition(rejected, "reject", actor=boss, role="owner", note="We cannot make size 50.")
    [mail] = mails_to(inbox, "reject@example.test")[-1:]
    assert "could not accept" in body(mail) and "We cannot make size 50." in body(mail)


def test_expiry_mail_says_what_happened(portal_app, shop, inbox):
    order = awaiting_order(shop, email="late@example.test", locale="en")
    payments.expire_overdue(now=order.payment_deadline)
    [mail] = mails_to(inbox, "late@example.test")[-1:]
    assert "expired" in mail["Subject"] and "did not receive the transfer before the deadline" in body(mail)


# ---------------------------------------------------------------------------
# failures
# ---------------------------------------------------------------------------


class TestSmtpDown:
    port = free_port()

    @pytest.fixture
    def portal_config(self):
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port}

    def test_order_goes_on_and_the_mail_is_retried(self, portal_app, shop):
        order = awaiting_order(shop, email="patient@example.test", locale="en")
        assert order.status == "awaiting_payment"  # the outage did not stop the order
        mail = OutboxMail.get(OutboxMail.to == "patient@example.test", OutboxMail.subject.contains("confirmed"))
        assert mail.status == "queued" and mail.attempts == 1 and "Connection refused" in mail.error

        controller, handler = start_smtp_server(self.port)
        try:
            jobs().enqueue("send_mail", mail.id)  # the queue's retry
        finally:
            controller.stop()
        mail = OutboxMail.get_by_id(mail.id)
        assert (mail.status, mail.attempts, mail.error) == ("sent", 2, "")
        [envelope] = [e for e in handler.envelopes if e.rcpt_tos == ["patient@example.test"]]
        assert rupiah(order.amount_due) in body(parse(envelope))


def test_crlf_in_a_customers_name_cannot_add_headers_or_recipients(portal_app, shop, inbox):
    order, _ = placed_order(shop, email="eve@example.test", name="Eve\r\nBcc: evil@attacker.test\r\nX-Evil: 1")
    everyone = [rcpt for e in inbox for rcpt in e.rcpt_tos]
    assert "evil@attacker.test" not in everyone
    [owner_mail] = mails_to(inbox, "owner@shop.test")
    assert owner_mail["Bcc"] is None and owner_mail["X-Evil"] is None
    assert "\n" not in owner_mail["Subject"] and "\r" not in owner_mail["Subject"]
    assert order.number in owner_mail["Subject"]


def test_crlf_in_a_customers_address_sends_nothing_and_keeps_the_order(portal_app, shop, inbox):
    order, _ = placed_order(shop, email="fine@example.test")
    Order.update(email="victim@example.test\r\nBcc: evil@attacker.test").where(Order.id == order.id).execute()
    inbox.clear()
    order = payments.confirm_order(Order.get_by_id(order.id), owner(), "owner")
    assert order.status == "awaiting_payment"
    assert all("evil@attacker.test" not in e.rcpt_tos and "victim@example.test" not in e.rcpt_tos for e in inbox)


# ---------------------------------------------------------------------------
# the outbox page
# ---------------------------------------------------------------------------


class TestOutboxPage:
    @pytest.fixture
    def portal_config(self):
        return {}  # no SMTP: mail stays in the outbox

    def test_mail_stays_in_the_outbox_and_the_owner_reads_it(self, portal_app, shop, owner_client):
        order = awaiting_order(shop, email="reader@example.test", locale="en")
        mail = OutboxMail.get(OutboxMail.to == "reader@example.test", OutboxMail.subject.contains("confirmed"))
        assert mail.status == "outbox" and mail.shop_id == shop.id
        listing = owner_client.get("/s/workshop/manage/outbox", headers=EN).get_data(as_text=True)
        assert mail.subject in listing and "No mail server is set up" in listing
        page = owner_client.get(f"/s/workshop/manage/outbox/{mail.id}", headers=EN).get_data(as_text=True)
        assert rupiah(order.amount_due) in page
        filtered = owner_client.hx_get("/s/workshop/manage/outbox?status=sent", headers=EN).get_data(as_text=True)
        assert 'id="outbox-list"' in filtered and mail.subject not in filtered

    def test_only_this_shops_mail_is_listed(self, portal_app, shop, other_shop, owner_client):
        from portal.core.mail import queue_mail

        theirs = queue_mail("x@example.test", "Their secret", "order_footer", shop=other_shop,
                            order_url="http://x", whatsapp_url=None)
        listing = owner_client.get("/s/workshop/manage/outbox", headers=EN).get_data(as_text=True)
        assert "Their secret" not in listing
        assert owner_client.get(f"/s/workshop/manage/outbox/{theirs.id}").status_code == 404

    @pytest.mark.parametrize("who, expected", [
        ("owner", 200), ("staff", 200), ("customer", 403), ("supplier", 403), ("courier", 403),
        ("other_owner", 403), ("anonymous", 303),
    ])
    def test_who_may_read_the_outbox(self, portal_app, shop, other_shop, customer, who, expected):
        awaiting_order(shop, email="someone@example.test")
        mail = OutboxMail.select().where(OutboxMail.shop == shop).first()
        emails = {"owner": "owner@shop.test", "staff": "staff@shop.test", "customer": customer.email,
                  "supplier": "supplier@shop.test", "courier": "courier@shop.test",
                  "other_owner": "owner@other.test", "anonymous": None}
        client = make_client(portal_app, User.get(User.email == emails[who]) if emails[who] else None)
        for url in ("/s/workshop/manage/outbox", f"/s/workshop/manage/outbox/{mail.id}"):
            response = client.get(url)
            assert response.status_code == expected, url
            if expected == 303:
                assert "/login" in response.headers["Location"]
        assert client.post(f"/s/workshop/manage/outbox/{mail.id}/retry").status_code == (403 if expected == 403 else 303)

    def test_guest_order_mail_link_works_from_the_outbox(self, portal_app, shop):
        order = awaiting_order(shop, email="guest@example.test", locale="en")
        mail = OutboxMail.get(OutboxMail.to == "guest@example.test", OutboxMail.subject.contains("confirmed"))
        link = re.search(r"https?://[^/\s]+(/s/workshop/orders/\S+)", mail.body_text).group(1)
        client = make_client(portal_app)
        assert client.get(link, headers=EN).status_code == 200
        # The link granted this browser the order: the plain order URL now opens too.
        assert "Pay by bank transfer" in client.get(f"/s/workshop/orders/{order.number}", headers=EN).get_data(as_text=True)
