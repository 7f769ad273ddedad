"""Outgoing e-mail: rendered in the recipient's language, stored, then sent by a job.

Every message is first an ``OutboxMail`` row (a record of what was sent to whom).
The ``send_mail`` job delivers it over SMTP when ``PORTAL_SMTP_HOST`` is set;
without SMTP the message stays in the outbox the owner can read.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale

from portal.core.db import utcnow
from portal.core.models import OutboxMail


class MailError(ValueError):
    pass


def _clean_header(value: str) -> str:
    # Header injection: CR/LF (raw or decoded from a form) must never reach a header.
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


# Headers the portal sets itself: a caller's ``headers`` may not replace them.
RESERVED_HEADERS = {"from", "to", "cc", "bcc", "subject", "message-id", "date", "sender", "reply-to",
                    "content-type", "content-transfer-encoding", "mime-version"}
_HEADER_NAME_CHARS = set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def check_headers(headers: dict[str, str] | None) -> dict[str, str]:
    """Extra headers as given, or ``MailError``: a name must be an RFC 5322 field name the portal does not
    set itself, and neither a name nor a value may hold CR, LF (header injection) or other control characters.
    """
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise MailError("header names and values must be text")
        if not name or not set(name) <= _HEADER_NAME_CHARS:
            raise MailError(f"invalid header name {name!r}")
        if name.lower() in RESERVED_HEADERS:
            raise MailError(f"header {name!r} is set by the portal")
        # CR and LF above all; any other control character (bar tab) has no business in a header either.
        if any((ord(ch) < 32 and ch != "\t") or ord(ch) == 127 for ch in value):
            raise MailError(f"header {name!r} holds a line break or control character")
        out[name] = value
    return out


def queue_mail(to: str, subject: str, template: str, lang: str = "id", shop=None,
               headers: dict[str, str] | None = None, **context) -> OutboxMail:
    """Render ``template`` (``.txt``, and ``.html`` if present) and queue one message.

    :param to: one recipient address; anything else is refused.
    :param template: base name under ``templates/mail/``, e.g. ``"password_reset"``.
    :param headers: extra headers, e.g. ``{"List-Unsubscribe": "<https://...>"}``; a name the portal
        sets itself, or a CR/LF in a name or value, is refused with ``MailError`` (nothing is queued).
    """
    headers = check_headers(headers)
    try:
        to = validate_email(_clean_header(to), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise MailError(str(exc)) from exc
    with force_locale(lang or "id"):
        subject = _clean_header(str(subject))
        text = render_template(f"mail/{template}.txt", shop=shop, **context)
        try:
            html = render_template(f"mail/{template}.html", shop=shop, **context)
        except Exception:
            html = ""
    mail = OutboxMail.create(shop=shop, to=to, subject=subject[:250], body_text=text, body_html=html, headers=headers)
    from portal.core.jobs import jobs

    jobs().defer("send_mail", mail.id)
    return mail


def build_message(mail: OutboxMail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain="portal.local")
    # Checked when queued; checked again here, as the row could have been written by other code.
    for name, value in check_headers(mail.headers).items():
        msg[name] = value
    msg.set_content(mail.body_text)
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html")
    return msg


def deliver(mail_id: int):
    """The ``send_mail`` job: send one stored message, raising so huey retries."""
    mail = OutboxMail.get_or_none(id=mail_id)
    if mail is None or mail.status in ("sent", "outbox"):
        return
    cfg = current_app.config
    if not cfg.get("SMTP_HOST"):
        mail.status = "outbox"
        mail.save()
        return
    mail.attempts += 1
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=20) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
            smtp.send_message(build_message(mail))
    except Exception as exc:
        mail.error = repr(exc)[:1000]
        mail.status = "failed" if mail.attempts >= 6 else "queued"
        mail.save()
        raise
    mail.status = "sent"
    mail.sent_at = utcnow()
    mail.error = ""
    mail.save()
