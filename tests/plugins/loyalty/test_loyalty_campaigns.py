"""Campaigns: audiences (segments, hand-picked, only the shop's customers), personalisation, preview,
test send, scheduled send through the job queue, never twice, unsubscribe honoured, the report."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from plugins.loyalty import campaigns as camp
from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal import CustomerSegment
from portal.core.models import OutboxMail, User
from portal.core.shops import set_module_enabled
from portal.testing import assert_inert
from tests.core.orders_testkit import EN, make_product
from tests.core.throwaway_plugin import make_plugin

SEGMENT_IDS: list[int] = []


def portal_customer_segments(shop):
    return [CustomerSegment("vip_testers", "VIP testers", tuple(SEGMENT_IDS), "Best customers")]


segments_plugin = make_plugin("segments_plugin", portal_customer_segments)

BODY = "Hello {name}, thanks for the {last_product}! Your code: {voucher_code}. {unknown} stays."


@pytest.fixture
def buyers(shop, customer, other_customer, order_with):
    """Customer A bought boots last, B bought the default shoe; a third user never ordered here."""
    boots = make_product(shop, "Boots Gunung", price=800000, stock=5)
    order_with(customer=customer)
    order_with(customer=customer, product_=boots)
    order_with(customer=other_customer)
    stranger = User.create(email="stranger@example.test", name="Stranger", password_hash="x")
    # The order confirmations are not what these tests count.
    OutboxMail.delete().execute()
    return customer, other_customer, stranger


def new_campaign(shop, ids, **fields):
    values = {"name": "Thanks", "subject": "{name}, a gift", "body": BODY, "audience": "customers",
              "customer_ids": list(ids), **fields}
    return m.LoyaltyCampaign.create(shop=shop, **values)


def test_personalisation_and_preview(owner_client, shop, buyers):
    a, b, stranger = buyers
    v = rewards.create_voucher(shop, "TERIMAKASIH", m.FIXED, 25000)
    c = new_campaign(shop, [a.id, b.id, stranger.id], voucher_mode="shared", shared_voucher=v)
    # The stranger never ordered here: not reachable.
    assert camp.audience_ids(c) == sorted([a.id, b.id])
    view = camp.preview(c, a)
    assert view["subject"] == "Customer A, a gift"
    assert view["body"] == "Hello Customer A, thanks for the Boots Gunung! Your code: TERIMAKASIH. {unknown} stays."
    page = owner_client.get(f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}", headers=EN).get_data(as_text=True)
    assert "Hello Customer A, thanks for the Boots Gunung!" in page and "2 recipients" in page


def test_scheduled_send_goes_through_the_queue_once(owner_client, shop, buyers, monkeypatch):
    a, b, _ = buyers
    c = new_campaign(shop, [a.id, b.id], voucher_mode="personal", personal_kind=m.PERCENT, personal_value=15,
                     personal_days=30)
    url = f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}/schedule"
    # 1 July 2030 09:00 in Jakarta is 02:00 UTC.
    done = owner_client.hx_post(url, data={"send_at": "2030-07-01T09:00"}, headers=EN)
    assert done.status_code == 200 and "Scheduled." in done.get_data(as_text=True)
    c = m.LoyaltyCampaign.get_by_id(c.id)
    assert (c.status, c.send_at) == ("scheduled", dt.datetime(2030, 7, 1, 2, 0))
    assert camp.send_due() == 0 and OutboxMail.select().count() == 0  # not due yet

    monkeypatch.setattr("plugins.loyalty.campaigns.utcnow", lambda: dt.datetime(2030, 7, 1, 2, 1))
    monkeypatch.setattr("plugins.loyalty.rewards.utcnow", lambda: dt.datetime(2030, 7, 1, 2, 1))
    assert camp.send_due() == 2
    mails = {mail.to: mail for mail in OutboxMail.select()}
    assert set(mails) == {a.email, b.email}
    codes = {}
    for email, mail in mails.items():
        code = re.search(r"Your code: (HALO-[A-Z0-9]{6})\.", mail.body_text).group(1)
        codes[email] = rewards.voucher_by_code(shop, code)
        assert "/loyalty/unsubscribe/" in mail.body_text
    assert "Hello Customer A, thanks for the Boots Gunung!" in mails[a.email].body_text
    assert mails[a.email].subject == "Customer A, a gift"
    voucher_a = codes[a.email]
    assert (voucher_a.only_for_id, voucher_a.max_uses, voucher_a.per_customer, voucher_a.value) == (a.id, 1, 1, 15)
    assert voucher_a.ends_on == dt.date(2030, 7, 31) and codes[b.email].code != voucher_a.code
    assert m.LoyaltyCampaign.get_by_id(c.id).status == "sent"
    # The periodic task and a repeated job send nothing more.
    assert camp.send_due() == 0 and camp.send(c.id) == 0
    assert OutboxMail.select().count() == 2
    assert camp.report(c) == {"recipients": 2, "sent": 2, "failed": 0, "unsubscribed": 0, "skipped": 0,
                              "unsubscribed_after": 0, "pending": 0}


def test_send_now_defers_the_job_after_the_request(staff_client, shop, buyers):
    a, _b, _ = buyers
    c = new_campaign(shop, [a.id])
    done = staff_client.hx_post(f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}/schedule", data={"send_at": ""},
                                headers=EN)
    assert done.status_code == 200
    assert [mail.to for mail in OutboxMail.select()] == [a.email]
    assert m.LoyaltyCampaign.get_by_id(c.id).status == "sent"
    page = staff_client.get(f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}", headers=EN).get_data(as_text=True)
    assert "Report" in page


def test_a_resumed_send_never_mails_anyone_twice(portal_app, shop, buyers):
    a, b, _ = buyers
    c = new_campaign(shop, [a.id, b.id])
    camp.schedule(c, None)
    # A worker died after A's mail went out (A claimed and sent) and before B.
    camp._start(m.LoyaltyCampaign.get_by_id(c.id))
    first = m.LoyaltyRecipient.get(email=a.email)
    camp._send_one(m.LoyaltyCampaign.get_by_id(c.id), first)
    assert OutboxMail.select().count() == 1
    assert camp.send_due() == 1  # the campaign is resumed: only B is left
    assert sorted(mail.to for mail in OutboxMail.select()) == sorted([a.email, b.email])


def test_unsubscribe_is_honoured_by_later_campaigns(client, shop, buyers):
    a, b, _ = buyers
    first = new_campaign(shop, [a.id, b.id])
    camp.schedule(first, None)
    camp.send(first.id)
    mail = OutboxMail.get(OutboxMail.to == a.email)
    link = re.search(r"(/s/workshop/loyalty/unsubscribe/\S+)", mail.body_text).group(1)
    page = client.get(link, headers=EN)
    assert page.status_code == 200 and "Stop campaign e-mails" in page.get_data(as_text=True)
    assert not camp.is_unsubscribed(shop, a.email)  # opening the page changes nothing
    done = client.post(link, data={}, headers=EN)
    assert done.status_code == 200 and "will get no more campaign e-mails" in done.get_data(as_text=True)
    assert camp.is_unsubscribed(shop, a.email)
    # A forged or foreign token reaches nothing.
    assert client.get(f"/s/{shop.slug}/loyalty/unsubscribe/not-a-token").status_code == 404

    second = new_campaign(shop, [a.id, b.id], name="Second")
    camp.schedule(second, None)
    camp.send(second.id)
    assert OutboxMail.select().where(OutboxMail.to == a.email).count() == 1
    assert OutboxMail.select().where(OutboxMail.to == b.email).count() == 2
    assert camp.report(first)["unsubscribed_after"] == 1 and camp.report(first)["unsubscribed"] == 1
    assert camp.report(second)["skipped"] == 1 and camp.report(second)["sent"] == 1


def test_report_counts_failed_addresses_and_bounces(shop, buyers, order_with):
    a, b, _ = buyers
    broken = User.create(email="not an address", name="Broken", password_hash="x")
    order_with(customer=broken, email="broken@example.test")
    OutboxMail.delete().execute()
    c = new_campaign(shop, [a.id, b.id, broken.id])
    camp.schedule(c, None)
    camp.send(c.id)
    # The SMTP server finally refused B's message.
    OutboxMail.update(status="failed").where(OutboxMail.to == b.email).execute()
    report = camp.report(c)
    assert (report["recipients"], report["sent"], report["failed"], report["unsubscribed"]) == (3, 1, 2, 0)


@pytest.mark.parametrize("portal_plugins", [[segments_plugin]])
def test_segment_audience_from_another_plugin(owner_client, shop, buyers, disable_plugin):
    a, _b, stranger = buyers
    SEGMENT_IDS[:] = [a.id, stranger.id]
    form_page = owner_client.get(f"/s/{shop.slug}/loyalty/manage/campaigns/new", headers=EN).get_data(as_text=True)
    assert "VIP testers (2)" in form_page
    made = owner_client.post(f"/s/{shop.slug}/loyalty/manage/campaigns/new", data={
        "name": "Champions", "subject": "For you", "body": "Hi {name}", "audience": "segment:vip_testers",
        "voucher_mode": "none", "shared_voucher": "0", "personal_kind": "percent"}, headers=EN)
    assert made.status_code == 303, made.get_data(as_text=True)
    c = m.LoyaltyCampaign.get(name="Champions")
    assert camp.audience_ids(c) == [a.id]  # the stranger never ordered here
    disable_plugin(shop, "segments_plugin")
    assert camp.audience_ids(c) == [] and "VIP testers" not in owner_client.get(
        f"/s/{shop.slug}/loyalty/manage/campaigns/new", headers=EN).get_data(as_text=True)


def test_test_send_goes_to_the_person_asking(owner_client, shop, buyers):
    a, _, _ = buyers
    c = new_campaign(shop, [a.id])
    done = owner_client.hx_post(f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}/test", data={}, headers=EN)
    assert done.status_code == 200 and "A test copy was sent to owner@shop.test" in done.get_data(as_text=True)
    [mail] = OutboxMail.select()
    assert mail.to == "owner@shop.test" and mail.subject == "[TEST] Customer A, a gift"
    assert m.LoyaltyCampaign.get_by_id(c.id).status == "draft" and m.LoyaltyRecipient.select().count() == 0


def test_switched_off_shop_sends_nothing_until_back_on(shop, buyers):
    a, _, _ = buyers
    c = new_campaign(shop, [a.id])
    camp.schedule(c, None)
    set_module_enabled(shop, "loyalty", False)
    assert camp.send_due() == 0 and OutboxMail.select().count() == 0
    set_module_enabled(shop, "loyalty", True)
    assert camp.send_due() == 1 and OutboxMail.select().count() == 1


def test_hostile_campaign_text_is_inert_in_the_preview(owner_client, shop, buyers):
    from portal.testing import HOSTILE_TEXTS

    a, _, _ = buyers
    a.name = '<img src=x onerror=alert("n")>'
    a.save()
    c = new_campaign(shop, [a.id], body="\n".join(HOSTILE_TEXTS) + "{name}" + "x" * 4000,
                     subject='<script>alert("s")</script>{name}')
    page = owner_client.get(f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}", headers=EN).get_data(as_text=True)
    assert_inert(page, "campaign page")
    assert "&lt;script&gt;" in page
    fragment = owner_client.hx_post(f"/s/{shop.slug}/loyalty/manage/campaigns/{c.id}/test", data={},
                                    headers=EN).get_data(as_text=True)
    assert_inert(fragment, "campaign fragment")
