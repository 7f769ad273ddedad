"""Mail over a real SMTP server (aiosmtpd on loopback): what arrives, to whom, in which language.

The server starts once per module on a free port; ``portal_config`` points the
app's ``SMTP_HOST``/``SMTP_PORT`` at it, and the job queue runs immediately in
tests, so a request's mail has arrived when the response is back.
"""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from portal.core.mail import MailError, queue_mail
from portal.core.models import OutboxMail
from portal.testing import make_shop, make_user
from portal.testing import parse_mail as parse

EN = {"Accept-Language": "en"}


@pytest.fixture
def portal_config(smtp_server):
    controller, _ = smtp_server
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port}


def test_password_reset_arrives_over_smtp_in_english(client, inbox):
    user = make_user("reader@example.test", "Reader", locale="en")
    page = client.post("/password/forgot", data={"email": "reader@example.test"}, headers={"Accept-Language": "id"})
    assert page.status_code == 200
    [envelope] = inbox
    assert envelope.rcpt_tos == ["reader@example.test"]
    message = parse(envelope)
    assert message["To"] == "reader@example.test"
    assert message["Subject"] == "Reset your Portal password"
    assert "no-reply@portal.local" in message["From"]
    body = message.get_body(("plain",)).get_content()
    assert "Hello Reader," in body
    assert "Western Indonesia Time" in body  # the date in English, although the request was Indonesian
    link = re.search(r"http://localhost(/password/reset/\S+)", body).group(1)
    assert client.get(link).status_code == 200
    assert OutboxMail.get(OutboxMail.to == user.email).status == "sent"


def test_password_reset_arrives_in_indonesian_for_an_indonesian_user(client, inbox):
    make_user("pembaca@example.test", "Pembaca", locale="id")
    client.post("/password/forgot", data={"email": "pembaca@example.test"}, headers=EN)
    [envelope] = inbox
    message = parse(envelope)
    with force_locale("id"):
        assert message["Subject"] == gettext("Reset your Portal password")
    body = message.get_body(("plain",)).get_content()
    assert "Waktu Indonesia Barat" in body
    assert "Western Indonesia Time" not in body
    assert "/password/reset/" in body


def test_unknown_address_gets_nothing(client, inbox):
    client.post("/password/forgot", data={"email": "nobody@example.test"})
    assert inbox == []


def test_crlf_in_a_shop_name_cannot_add_recipients_or_headers(portal_app, inbox):
    from portal.testing import make_client

    owner = make_user("boss@example.test", "Boss")
    make_shop("tricky", owner=owner, name="Toko\r\nBcc: evil@attacker.test\r\nX-Evil: 1")
    boss = make_client(portal_app, owner)
    response = boss.post("/s/tricky/manage/team/invite", data={"email": "helper@example.test", "role": "staff"})
    assert response.status_code == 303
    [envelope] = inbox
    assert envelope.rcpt_tos == ["helper@example.test"]
    message = parse(envelope)
    assert message.get_all("To") == ["helper@example.test"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "evil@attacker.test" in message["Subject"]  # harmless text on the one subject line


def test_crlf_in_subject_or_recipient_is_neutralised(portal_app, inbox):
    with portal_app.test_request_context("/"):
        with pytest.raises(MailError):
            queue_mail("victim@example.test\r\nBcc: evil@attacker.test", "Hi", "welcome",
                       user=make_user("victim@example.test"), account_url="http://localhost/account")
        queue_mail("victim@example.test", "Hello\r\nBcc: evil@attacker.test", "welcome", lang="en",
                   user=make_user("other@example.test"), account_url="http://localhost/account")
        portal_app.process_response(portal_app.response_class())  # the request ends: deferred mail is sent
    [envelope] = inbox
    assert envelope.rcpt_tos == ["victim@example.test"]
    message = parse(envelope)
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: evil@attacker.test"
