"""Who is told what when an order changes: e-mail in the recipient's language.

``order_changed`` is called by ``order_flow.transition`` after its commit (and by
placement with the action ``place``). It maps the action to a mail template
under ``templates/mail/order_*.txt`` and queues it with ``queue_mail``: the
message becomes an ``OutboxMail`` row and a job delivers it with retries, never
inside the request. The customer is written in ``order.locale``; owners in
their account's language.

Every customer mail carries the order's link (with the secret token for guests,
who have no account) and a WhatsApp link to the shop prefilled with the order
number. A notification that cannot be queued is logged and dropped: the order
change it reports is already committed and must not turn into an error.

Services that call ``transition`` inside a larger transaction wrap it in
:func:`collected`, which holds the notifications until that block has ended
without error, so nobody is told about a change that was rolled back.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from portal.core.models import Membership, User
from portal.forms import normalise_phone
from portal.i18n import rupiah

log = logging.getLogger(__name__)

_held: contextvars.ContextVar[list | None] = contextvars.ContextVar("portal_held_notifications", default=None)


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction; it is translated when the mail is rendered."""
    return msgid


# action -> (template, subject msgid); the subject is rendered in the recipient's language.
CUSTOMER_MAILS = {
    "place": ("order_placed", N_("We received your order %(number)s")),
    "request_payment": ("order_payment_instructions", N_("Order %(number)s confirmed: please transfer %(amount)s")),
    "verify_payment": ("order_payment_received", N_("Payment received for order %(number)s")),
    "reject_payment": ("order_payment_rejected", N_("Payment proof for order %(number)s not accepted")),
    "hand_over": ("order_handed_over", N_("Order %(number)s handed over")),
    "deliver": ("order_delivered", N_("Order %(number)s delivered")),
    "reject": ("order_closed", N_("Order %(number)s could not be accepted")),
    "cancel": ("order_closed", N_("Order %(number)s cancelled")),
    "withdraw": ("order_closed", N_("Order %(number)s cancelled")),
    "expire": ("order_closed", N_("Order %(number)s expired")),
}
OWNER_MAILS = {
    "place": ("order_new_owner", N_("New order %(number)s from %(name)s")),
    "submit_payment": ("order_proof_owner", N_("Payment proof for order %(number)s from %(name)s")),
}
REMINDER = ("order_payment_reminder", N_("Reminder: order %(number)s is waiting for your transfer"))


# ---------------------------------------------------------------------------
# holding notifications until an outer transaction has committed
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def collected():
    """Hold notifications raised inside the block; send them when it ends without error.

    Nested blocks join the outermost one. Wrap the ``with atomic_write():`` block
    (not the other way round), so sending happens after the commit.
    """
    if _held.get() is not None:
        yield
        return
    box: list = []
    token = _held.set(box)
    try:
        yield
    except BaseException:
        _held.reset(token)
        raise
    _held.reset(token)
    for fn, args in box:
        fn(*args)


def _dispatch_or_hold(fn, *args):
    box = _held.get()
    if box is not None:
        box.append((fn, args))
        return
    fn(*args)


# ---------------------------------------------------------------------------
# links
# ---------------------------------------------------------------------------


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, also from a background job (built on ``PORTAL_BASE_URL`` there)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def _first_url(candidates, external: bool) -> str | None:
    for endpoint, values in candidates:
        try:
            return external_url(endpoint, **values) if external else url_for(endpoint, **values)
        except BuildError:
            continue
    return None


def customer_order_url(order, external: bool = True) -> str:
    """The customer's page of ``order``; for a guest order, the link with its secret token."""
    values = {"shop_slug": order.shop.slug, "number": order.number}
    if order.customer_id is None:
        values["t"] = order.access_token
    return _first_url([("orders.detail", values)], external) or ""


def manage_order_url(order, external: bool = True) -> str:
    """The shop team's page of ``order``."""
    return _first_url([("order_admin.detail", {"shop_slug": order.shop.slug, "number": order.number})], external) or ""


def whatsapp_url(shop, order=None) -> str | None:
    """``https://wa.me/<number>?text=…`` to the shop, prefilled with the order number."""
    number = normalise_phone(shop.whatsapp or shop.phone or "")
    if not number:
        return None
    if order is None:
        return f"https://wa.me/{number.lstrip('+')}"
    text = _("Hello %(shop)s, about my order %(number)s: ", shop=shop.name, number=order.number)
    return f"https://wa.me/{number.lstrip('+')}?text={quote(text)}"


# ---------------------------------------------------------------------------
# mails
# ---------------------------------------------------------------------------


def order_changed(order, action, actor=None, role=None):
    """Queue the e-mails that ``action`` on ``order`` calls for (after commit)."""
    _dispatch_or_hold(_send_for_action, order.id, action)


def proof_uploaded(order):
    """Tell the owners about a further proof on an order already waiting for review."""
    _dispatch_or_hold(_send_owner_mail, order.id, "submit_payment")


def payment_reminder(order):
    """Remind the customer that the payment deadline is near."""
    _dispatch_or_hold(_send_customer_mail, order.id, "reminder")


def _send_for_action(order_id: int, action: str):
    if action in CUSTOMER_MAILS:
        _send_customer_mail(order_id, action)
    if action in OWNER_MAILS:
        _send_owner_mail(order_id, action)


def _reload(order_id: int):
    from portal.core.orders import Order

    return Order.get_or_none(Order.id == order_id)


def mail_context(order, lang: str) -> dict:
    """What every order mail's template gets: the order, its lines, links and the last refusal reason."""
    from portal.core.orders import Payment

    with force_locale(lang):
        wa = whatsapp_url(order.shop, order)
    rejected = (Payment.select().where((Payment.order == order) & (Payment.status == "rejected"))
                .order_by(Payment.id.desc()).first())
    last_event = order.events.order_by(order.events.model.id.desc()).first()
    return {
        "order": order,
        "items": list(order.items),
        "bank_accounts": order.shop.bank_accounts or [],
        "order_url": customer_order_url(order),
        "whatsapp_url": wa,
        "rejection_reason": rejected.reason if rejected else "",
        "event_note": last_event.note if last_event else "",
    }


@dataclass
class OrderMail:
    """One message about an order, ready for ``queue_mail`` (or to be stored as it is, for demo data)."""

    to: str
    subject: object  # lazy: rendered in ``lang``
    template: str
    lang: str
    context: dict


def customer_mail(order, action: str, context: dict | None = None) -> OrderMail:
    """The customer's mail for ``action`` (``"reminder"`` for the deadline reminder).

    :param context: ``mail_context(order, order.locale)`` when the caller has it already.
    """
    template, subject = REMINDER if action == "reminder" else CUSTOMER_MAILS[action]
    lang = order.locale or "id"
    return OrderMail(order.email, _subject(subject, order), template, lang,
                     {"action": action, **(context or mail_context(order, lang))})


def owner_mails(order, action: str, contexts: dict | None = None) -> list[OrderMail]:
    """One mail per active owner of the order's shop, each in the owner's language.

    :param contexts: ``mail_context`` results by language, filled in as needed.
    """
    template, subject = OWNER_MAILS[action]
    contexts = {} if contexts is None else contexts
    out = []
    for owner in _owners(order.shop):
        lang = owner.locale or "id"
        if lang not in contexts:
            contexts[lang] = mail_context(order, lang)
        out.append(OrderMail(owner.email, _subject(subject, order), template, lang,
                             {"action": action, "owner": owner, "manage_url": manage_order_url(order),
                              **contexts[lang]}))
    return out


def _queue(order, mail: OrderMail):
    from portal.core.mail import queue_mail

    queue_mail(mail.to, mail.subject, mail.template, lang=mail.lang, shop=order.shop, **mail.context)


def _send_customer_mail(order_id: int, action: str):
    try:
        order = _reload(order_id)
        if action == "request_payment" and order is not None and order.total == 0:
            return  # an order of Rp0 has nothing to transfer (payments.confirm_order marks it paid)
        if order is not None:
            _queue(order, customer_mail(order, action))
    except Exception:
        log.exception("could not queue the %s mail of order %s", action, order_id)


def _subject(msgid: str, order):
    # Lazy: queue_mail renders it inside force_locale, i.e. in the recipient's language.
    return _l(msgid, number=order.number, amount=rupiah(order.amount_due or order.total), name=order.name)


def _owners(shop):
    return (User.select().join(Membership, on=(Membership.user == User.id))
            .where((Membership.shop == shop) & (Membership.role == "owner") & (User.is_active_flag == True)))


def _send_owner_mail(order_id: int, action: str):
    try:
        order = _reload(order_id)
        if order is None:
            return
        for mail in owner_mails(order, action):
            try:
                _queue(order, mail)
            except Exception:
                log.exception("could not queue the %s mail of order %s to %s", action, order_id, mail.to)
    except Exception:
        log.exception("could not queue the %s owner mails of order %s", action, order_id)
