"""Extra mail headers (``queue_mail(headers=...)``, migration 0005): stored, sent, and never a way to inject.

A real SMTP server (aiosmtpd on loopback) receives what is sent, as in test_mail_smtp.py.
"""
from __future__ import annotations

import pytest

from portal.core.db import db
from portal.core.mail import MailError, queue_mail
from portal.core.models import Migration, OutboxMail
from portal.testing import make_user
from portal.testing import parse_mail as parse

ACCOUNT = {"account_url": "http://localhost/account"}


@pytest.fixture
def portal_config(smtp_server):
    controller, _ = smtp_server
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port}


def send(app, *args, **kwargs):
    with app.test_request_context("/"):
        mail = queue_mail(*args, **kwargs)
        app.process_response(app.response_class())  # the request ends: deferred mail is sent
    return mail


def test_the_migration_added_the_column(portal_app):
    assert "headers" in {c.name for c in db.get_columns("outbox_mail")}
    assert Migration.select().where((Migration.app == "core") & (Migration.name == "0005_mail_headers")).exists()


def test_extra_headers_are_stored_and_arrive(portal_app, inbox):
    user = make_user("reader@example.test", "Reader")
    headers = {"List-Unsubscribe": "<https://shop.example/unsubscribe/abc>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    mail = send(portal_app, "reader@example.test", "Hello", "welcome", lang="en", user=user, headers=headers, **ACCOUNT)
    assert OutboxMail.get_by_id(mail.id).headers == headers
    [envelope] = inbox
    message = parse(envelope)
    assert message["List-Unsubscribe"] == "<https://shop.example/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "Hello" and message.get_all("To") == ["reader@example.test"]


def test_mail_without_extra_headers_is_unchanged(portal_app, inbox):
    mail = send(portal_app, "plain@example.test", "Hi", "welcome", lang="en", user=make_user("plain@example.test"),
                **ACCOUNT)
    assert OutboxMail.get_by_id(mail.id).headers == {}
    [envelope] = inbox
    assert parse(envelope)["List-Unsubscribe"] is None


@pytest.mark.parametrize("headers", [
    {"X-Note": "one\r\nBcc: evil@attacker.test"},
    {"X-Note": "one\nBcc: evil@attacker.test"},
    {"X-Note": "one\rtwo"},
    {"X-Note": "nul\x00byte"},
    {"X-Note\r\nBcc": "evil@attacker.test"},
    {"X-Note\n": "x"},
    {"X Note": "a space in the name"},
    {"": "no name"},
    {"Bcc": "evil@attacker.test"},
    {"subject": "a second subject"},
    {"X-Number": 5},
])
def test_cr_lf_and_reserved_or_malformed_headers_are_refused(portal_app, inbox, headers):
    user = make_user("victim@example.test")
    with pytest.raises(MailError):
        send(portal_app, "victim@example.test", "Hi", "welcome", user=user, headers=headers, **ACCOUNT)
    assert OutboxMail.select().count() == 0
    assert inbox == []


def test_a_stored_row_with_a_bad_header_is_not_sent(portal_app, inbox):
    # Written by other code than queue_mail: sending checks the headers again and the job gives up on it.
    from portal.core.mail import deliver

    mail = OutboxMail.create(to="victim@example.test", subject="Hi", body_text="x",
                             headers={"X-Note": "a\r\nBcc: evil@attacker.test"})
    with portal_app.app_context(), pytest.raises(MailError):
        deliver(mail.id)
    assert inbox == []
