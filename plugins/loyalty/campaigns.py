"""E-mail campaigns: audiences, personalisation, the resumable send, unsubscribes and the report.

Only customers who ordered from the shop are reachable. A campaign's recipients
are written once when sending starts; each is then claimed with a conditional
UPDATE (``pending`` -> ``claimed``) before its mail is queued, so a send that is
resumed after a crash, or picked by two workers at once, never mails anyone twice.
Unsubscribed addresses are skipped by every later campaign.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core.db import db, utcnow
from portal.core.mail import MailError, queue_mail
from portal.core.models import OutboxMail, Shop, User
from portal.core.notifications import external_url
from portal.core.orders import Order, OrderItem
from portal.core.plugins import hooks_for

log = logging.getLogger(__name__)

PLACEHOLDERS = ("{name}", "{last_product}", "{voucher_code}")


# ---------------------------------------------------------------------------
# audiences
# ---------------------------------------------------------------------------


def reachable_ids(shop) -> set[int]:
    """Customers with an account who ordered from this shop."""
    rows = (Order.select(Order.customer).where((Order.shop == shop) & Order.customer.is_null(False)).distinct())
    return {r.customer_id for r in rows}


def reachable_customers(shop) -> list[User]:
    ids = reachable_ids(shop)
    if not ids:
        return []
    return list(User.select().where(User.id.in_(list(ids))).order_by(User.name, User.id))


def segments(shop) -> list:
    """The shop's customer segments from whichever plugin computes them (e.g. analytics)."""
    found = []
    try:
        answers = hooks_for(shop).portal_customer_segments(shop=shop)
    except Exception:  # noqa: BLE001 - a broken segment plugin must not break campaigns
        log.exception("portal_customer_segments failed for %s", shop.slug)
        return []
    for answer in answers or []:
        found.extend(answer or [])
    return found


def audience_ids(campaign) -> list[int]:
    shop = campaign.shop
    if campaign.audience.startswith("segment:"):
        key = campaign.audience.removeprefix("segment:")
        wanted = next((set(s.customer_ids) for s in segments(shop) if s.key == key), set())
    else:
        wanted = {int(i) for i in campaign.customer_ids or []}
    return sorted(wanted & reachable_ids(shop))


def is_unsubscribed(shop, email: str) -> bool:
    return m.LoyaltyUnsubscribe.select().where((m.LoyaltyUnsubscribe.shop == shop)
                                               & (m.LoyaltyUnsubscribe.email == email.lower())).exists()


# ---------------------------------------------------------------------------
# personalisation
# ---------------------------------------------------------------------------


def last_product(shop, customer) -> str:
    item = (OrderItem.select(OrderItem.name).join(Order)
            .where((Order.shop == shop) & (Order.customer == customer))
            .order_by(Order.created_at.desc(), OrderItem.id.desc()).first())
    return item.name if item else ""


def personalise(text: str, name: str, product: str, code: str) -> str:
    """Fill the placeholders; plain text replacement (no format strings, nothing evaluated)."""
    values = {"{name}": name, "{last_product}": product, "{voucher_code}": code}
    out = []
    i = 0
    while i < len(text):
        for key, value in values.items():
            if text.startswith(key, i):
                out.append(value)
                i += len(key)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def sample_code(campaign) -> str:
    if campaign.voucher_mode == "shared" and campaign.shared_voucher_id:
        return campaign.shared_voucher.code
    if campaign.voucher_mode == "personal":
        return "HALO-XXXXXX"
    return ""


def preview(campaign, customer=None) -> dict:
    """Subject and body as ``customer`` (or the first recipient) would read them; plain text."""
    shop = campaign.shop
    if customer is None:
        ids = audience_ids(campaign)
        customer = User.get_or_none(User.id == ids[0]) if ids else None
    name = customer.name if customer else "Pelanggan"
    product = last_product(shop, customer) if customer else ""
    code = sample_code(campaign)
    return {"customer": customer,
            "subject": personalise(campaign.subject, name, product, code),
            "body": personalise(campaign.body, name, product, code)}


# ---------------------------------------------------------------------------
# unsubscribe links
# ---------------------------------------------------------------------------


def _signer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="loyalty-unsubscribe")


def unsubscribe_token(shop, email: str) -> str:
    return _signer().dumps([shop.id, email.lower()])


def read_token(shop, token: str) -> str | None:
    try:
        shop_id, email = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return email if shop_id == shop.id and isinstance(email, str) else None


def unsubscribe_url(shop, email: str) -> str:
    return external_url("loyalty.unsubscribe", shop_slug=shop.slug, token=unsubscribe_token(shop, email))


def list_headers(url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail programs show an "unsubscribe" button that POSTs to ``url``."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def unsubscribe(shop, email: str):
    m.LoyaltyUnsubscribe.insert(shop=shop, email=email.lower()).on_conflict_ignore().execute()


# ---------------------------------------------------------------------------
# sending
# ---------------------------------------------------------------------------


def send_test(campaign, to_user) -> OutboxMail:
    """One copy, personalised for the first recipient, to the owner or staff member asking."""
    view = preview(campaign)
    url = unsubscribe_url(campaign.shop, to_user.email)
    return queue_mail(to_user.email, "[TEST] " + view["subject"], "loyalty/campaign", lang=to_user.locale or "id",
                      shop=campaign.shop, headers=list_headers(url), body=view["body"], unsubscribe_url=url)


def schedule(campaign, send_at: dt.datetime | None):
    """Queue the campaign: ``send_at`` (naive UTC) or now; the periodic task or the deferred job sends it."""
    m.LoyaltyCampaign.update(status=m.SCHEDULED, send_at=send_at or utcnow()).where(
        (m.LoyaltyCampaign.id == campaign.id) & (m.LoyaltyCampaign.status.in_([m.DRAFT, m.SCHEDULED]))).execute()


def cancel(campaign) -> bool:
    return bool(m.LoyaltyCampaign.update(status=m.DRAFT, send_at=None).where(
        (m.LoyaltyCampaign.id == campaign.id) & (m.LoyaltyCampaign.status == m.SCHEDULED)).execute())


def _enabled(shop) -> bool:
    return current_app.extensions["portal"].is_enabled(shop, rewards.NAME)


def _start(campaign) -> bool:
    """Claim a due campaign for sending and write its recipient list once."""
    with db.atomic():
        claimed = m.LoyaltyCampaign.update(status=m.SENDING, started_at=utcnow()).where(
            (m.LoyaltyCampaign.id == campaign.id) & (m.LoyaltyCampaign.status == m.SCHEDULED)).execute()
        if not claimed:
            return False
        ids = audience_ids(campaign)
        users = User.select().where(User.id.in_(ids)) if ids else []
        rows = [{"campaign": campaign.id, "customer": u.id, "email": u.email.lower(), "status": m.PENDING}
                for u in users]
        if rows:
            m.LoyaltyRecipient.insert_many(rows).on_conflict_ignore().execute()
    return True


def _send_one(campaign, recipient):
    shop = campaign.shop
    # The claim: a row another run already took is left alone.
    if not m.LoyaltyRecipient.update(status=m.CLAIMED).where(
            (m.LoyaltyRecipient.id == recipient.id) & (m.LoyaltyRecipient.status == m.PENDING)).execute():
        return
    if is_unsubscribed(shop, recipient.email):
        m.LoyaltyRecipient.update(status=m.UNSUBSCRIBED).where(m.LoyaltyRecipient.id == recipient.id).execute()
        return
    customer = recipient.customer
    code = ""
    voucher_id = None
    try:
        with db.atomic():
            if campaign.voucher_mode == "shared" and campaign.shared_voucher_id:
                code = campaign.shared_voucher.code
            elif campaign.voucher_mode == "personal" and customer is not None:
                for _attempt in range(5):
                    candidate = rewards.personal_code()
                    if rewards.voucher_by_code(shop, candidate) is None:
                        break
                voucher = rewards.create_voucher(
                    shop, candidate, campaign.personal_kind, campaign.personal_value, max_uses=1, per_customer=1,
                    only_for=customer, starts_on=rewards.today(),
                    ends_on=rewards.today() + dt.timedelta(days=max(int(campaign.personal_days or 30), 1)),
                    note=f"campaign:{campaign.id}"[:200])
                code, voucher_id = voucher.code, voucher.id
            name = customer.name if customer else ""
            product = last_product(shop, customer) if customer else ""
            url = unsubscribe_url(shop, recipient.email)
            mail = queue_mail(
                recipient.email, personalise(campaign.subject, name, product, code), "loyalty/campaign",
                lang=(customer.locale if customer else None) or "id", shop=shop, headers=list_headers(url),
                body=personalise(campaign.body, name, product, code), unsubscribe_url=url)
            m.LoyaltyRecipient.update(status=m.R_SENT, mail_id=mail.id, voucher=voucher_id, sent_at=utcnow()).where(
                m.LoyaltyRecipient.id == recipient.id).execute()
    except MailError as exc:
        m.LoyaltyRecipient.update(status=m.FAILED, error=str(exc)[:300]).where(
            m.LoyaltyRecipient.id == recipient.id).execute()


def send(campaign_id: int) -> int:
    """Send (or resume sending) one campaign; returns how many recipients were handled now."""
    campaign = m.LoyaltyCampaign.get_or_none(id=campaign_id)
    if campaign is None or not _enabled(campaign.shop):
        return 0
    if campaign.status == m.SCHEDULED:
        if campaign.send_at and campaign.send_at > utcnow():
            return 0
        if not _start(campaign):
            return 0
        campaign = m.LoyaltyCampaign.get_by_id(campaign_id)
    if campaign.status != m.SENDING:
        return 0
    handled = 0
    for recipient in m.LoyaltyRecipient.select().where((m.LoyaltyRecipient.campaign == campaign)
                                                       & (m.LoyaltyRecipient.status == m.PENDING)):
        _send_one(campaign, recipient)
        handled += 1
    m.LoyaltyCampaign.update(status=m.SENT, finished_at=utcnow()).where(
        (m.LoyaltyCampaign.id == campaign.id) & (m.LoyaltyCampaign.status == m.SENDING)).execute()
    return handled


def send_due() -> int:
    """The periodic task: start every due scheduled campaign and resume any left half-sent."""
    due = (m.LoyaltyCampaign.select(m.LoyaltyCampaign.id).join(Shop)
           .where(((m.LoyaltyCampaign.status == m.SCHEDULED) & (m.LoyaltyCampaign.send_at <= utcnow()))
                  | (m.LoyaltyCampaign.status == m.SENDING)))
    return sum(send(c.id) for c in list(due))


def report(campaign) -> dict:
    """Counts per outcome; a mail the SMTP server finally refused counts as failed."""
    counts = {m.PENDING: 0, m.CLAIMED: 0, m.R_SENT: 0, m.FAILED: 0, m.UNSUBSCRIBED: 0}
    from peewee import fn

    for row in (m.LoyaltyRecipient.select(m.LoyaltyRecipient.status, fn.COUNT(m.LoyaltyRecipient.id).alias("n"))
                .where(m.LoyaltyRecipient.campaign == campaign).group_by(m.LoyaltyRecipient.status)):
        counts[row.status] = row.n
    bounced = (m.LoyaltyRecipient.select().join(OutboxMail, on=(OutboxMail.id == m.LoyaltyRecipient.mail_id))
               .where((m.LoyaltyRecipient.campaign == campaign) & (m.LoyaltyRecipient.status == m.R_SENT)
                      & (OutboxMail.status == "failed")).count())
    # Unsubscribed since: those who clicked the link in this campaign's mail.
    later = (m.LoyaltyRecipient.select().join(m.LoyaltyUnsubscribe, on=(
        (m.LoyaltyUnsubscribe.email == m.LoyaltyRecipient.email) & (m.LoyaltyUnsubscribe.shop == campaign.shop)))
        .where((m.LoyaltyRecipient.campaign == campaign) & (m.LoyaltyRecipient.status == m.R_SENT)).count())
    return {
        "recipients": sum(counts.values()),
        "sent": counts[m.R_SENT] - bounced,
        "failed": counts[m.FAILED] + bounced,
        "unsubscribed": counts[m.UNSUBSCRIBED] + later,
        "skipped": counts[m.UNSUBSCRIBED],
        "unsubscribed_after": later,
        "pending": counts[m.PENDING] + counts[m.CLAIMED],
    }
