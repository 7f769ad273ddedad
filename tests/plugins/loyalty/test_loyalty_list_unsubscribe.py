"""Campaign mail carries List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058), and the link
takes a mail program's one-click POST: no session, no CSRF token, authorised by its signed token alone.

A real SMTP server (aiosmtpd on loopback) receives the campaign, as in tests/core/test_mail_smtp.py.
"""
from __future__ import annotations

import re

import pytest

from plugins.loyalty import campaigns as camp
from plugins.loyalty import models as m
from portal.core.models import OutboxMail, User
from portal.testing import parse_mail as parse

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def portal_config(smtp_server):
    controller, _ = smtp_server
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port}


@pytest.fixture
def sent(shop, customer, other_customer, order_with, inbox):
    """A campaign sent to two customers of the shop; ``(campaign, {email: parsed message})``."""
    order_with(customer=customer)
    order_with(customer=other_customer)
    inbox.clear()  # the order confirmations are not what these tests read
    campaign = m.LoyaltyCampaign.create(shop=shop, name="Thanks", subject="A gift, {name}", body="Hello {name}",
                                        audience="customers", customer_ids=[customer.id, other_customer.id])
    camp.schedule(campaign, None)
    assert camp.send(campaign.id) == 2
    messages = {envelope.rcpt_tos[0]: parse(envelope) for envelope in inbox}
    assert set(messages) == {customer.email, other_customer.email}
    return campaign, messages


def _link(message) -> str:
    value = message["List-Unsubscribe"]
    match = re.fullmatch(r"<(https?://[^>\s]+)>", value)
    assert match, value
    return match.group(1)


def test_campaign_mail_carries_the_list_unsubscribe_headers(shop, customer, sent):
    _campaign, messages = sent
    message = messages[customer.email]
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    url = _link(message)
    assert f"/s/{shop.slug}/loyalty/unsubscribe/" in url
    # The same link as in the text, and each recipient's own.
    assert url in message.get_body(("plain",)).get_content()
    assert _link(messages[next(e for e in messages if e != customer.email)]) != url
    stored = OutboxMail.get((OutboxMail.to == customer.email) & OutboxMail.subject.startswith("A gift"))
    assert stored.headers == {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def test_one_click_post_without_session_or_csrf_unsubscribes(portal_app, shop, customer, other_customer, sent):
    _campaign, messages = sent
    path = re.sub(r"^https?://[^/]+", "", _link(messages[customer.email]))
    mail_program = portal_app.test_client()  # no cookies, no log-in, no CSRF token
    response = mail_program.post(path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert camp.is_unsubscribed(shop, customer.email)
    assert not camp.is_unsubscribed(shop, other_customer.email)
    # Again: still fine, still one row.
    assert mail_program.post(path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded").status_code == 200
    assert m.LoyaltyUnsubscribe.select().count() == 1
    # The next campaign skips them.
    second = m.LoyaltyCampaign.create(shop=shop, name="Again", subject="Hi", body="Hi",
                                      audience="customers", customer_ids=[customer.id, other_customer.id])
    camp.schedule(second, None)
    camp.send(second.id)
    assert camp.report(second)["skipped"] == 1


def test_one_click_post_with_a_forged_or_foreign_token_changes_nothing(portal_app, shop, other_shop, customer, sent):
    mail_program = portal_app.test_client()
    forged = f"/s/{shop.slug}/loyalty/unsubscribe/forged.token"
    foreign = f"/s/{shop.slug}/loyalty/unsubscribe/{camp.unsubscribe_token(other_shop, customer.email)}"
    for path in (forged, foreign):
        response = mail_program.post(path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 404
    assert m.LoyaltyUnsubscribe.select().count() == 0


def test_the_test_send_carries_the_headers_too(owner_client, shop, customer, sent, inbox):
    campaign, _ = sent
    owner = User.get(User.email == "owner@shop.test")
    inbox.clear()
    camp.send_test(campaign, owner)
    [envelope] = inbox
    message = parse(envelope)
    assert message["List-Unsubscribe-Post"] == ONE_CLICK and "/loyalty/unsubscribe/" in _link(message)
