"""Demo data for the Cibaduyut workshop: vouchers, points from delivered orders, one sent campaign (idempotent)."""
from __future__ import annotations

import datetime as dt

from peewee import fn

from plugins.loyalty import campaigns, rewards
from plugins.loyalty import models as m
from portal.core.db import utcnow
from portal.core.models import User
from portal.core.orders import COMPLETED, DELIVERED, Order

# The demo's leather-shoe workshop (``portal/demo.py`` names it "cibaduyut"; the brief said "sepatu-cibaduyut").
SHOPS = ("cibaduyut", "sepatu-cibaduyut")

VOUCHERS = [
    # code, kind, value, min order, days valid, total uses, per customer, note
    ("LEBARAN10", m.PERCENT, 10, 300000, 45, 200, 1, "Promo Lebaran: 10% untuk semua sepatu"),
    ("ONGKIR25", m.FIXED, 25000, 500000, 60, None, 2, "Potongan setara ongkir untuk pesanan besar"),
    ("PELANGGANSETIA", m.FIXED, 50000, 750000, 90, 50, 1, "Untuk pelanggan lama"),
]


def load(shop) -> dict:
    if shop.slug not in SHOPS:
        return {}
    today = rewards.today()
    made = 0
    for code, kind, value, min_order, days, max_uses, per_customer, note in VOUCHERS:
        if rewards.voucher_by_code(shop, code) is None:
            rewards.create_voucher(shop, code, kind, value, min_order=min_order, starts_on=today - dt.timedelta(days=7),
                                   ends_on=today + dt.timedelta(days=days), max_uses=max_uses,
                                   per_customer=per_customer, note=note)
            made += 1
    earned = _points(shop)
    sent = _campaign(shop)
    return {"loyalty vouchers": made, "loyalty points entries": earned, "loyalty campaigns": sent}


def _points(shop) -> int:
    """Points for every delivered or completed demo order that has none yet (the ledger and the balances)."""
    conf = rewards.settings(shop)
    done = m.LoyaltyPointEntry.select(m.LoyaltyPointEntry.order).where(
        (m.LoyaltyPointEntry.shop == shop) & (m.LoyaltyPointEntry.kind == m.EARNED))
    orders = list(Order.select().where((Order.shop == shop) & Order.customer.is_null(False)
                                       & Order.status.in_([DELIVERED, COMPLETED]) & Order.id.not_in(done)))
    rows = []
    for order in orders:
        points = rewards.points_for(order, conf["rupiah_per_point"])
        if points > 0:
            rows.append({"shop": shop.id, "customer": order.customer_id, "kind": m.EARNED, "points": points,
                         "order": order.id, "order_number": order.number, "created_at": order.updated_at})
    for start in range(0, len(rows), 500):
        m.LoyaltyPointEntry.insert_many(rows[start:start + 500]).execute()
    # Balances from the ledger, in one statement per customer touched.
    for customer_id in {r["customer"] for r in rows}:
        total = (m.LoyaltyPointEntry.select(fn.COALESCE(fn.SUM(m.LoyaltyPointEntry.points), 0))
                 .where((m.LoyaltyPointEntry.shop == shop) & (m.LoyaltyPointEntry.customer == customer_id)).scalar())
        m.LoyaltyAccount.insert(shop=shop, customer=customer_id, balance=total).on_conflict(
            conflict_target=[m.LoyaltyAccount.shop, m.LoyaltyAccount.customer],
            update={m.LoyaltyAccount.balance: total}).execute()
    return len(rows)


def _campaign(shop) -> int:
    if m.LoyaltyCampaign.select().where((m.LoyaltyCampaign.shop == shop)
                                        & (m.LoyaltyCampaign.name == "Terima kasih pelanggan setia")).exists():
        return 0
    customer_ids = sorted(campaigns.reachable_ids(shop))[:12]
    if not customer_ids:
        return 0
    owner = User.get_or_none(User.email == "owner@demo.test")
    campaign = m.LoyaltyCampaign.create(
        shop=shop, name="Terima kasih pelanggan setia", subject="{name}, ada voucher untuk Anda",
        body=("Halo {name},\n\nTerima kasih sudah memesan {last_product} di bengkel kami di Cibaduyut.\n"
              "Sebagai ucapan terima kasih, pakai kode {voucher_code} untuk potongan 15% "
              "pesanan berikutnya (berlaku 30 hari).\n\nSalam hangat,\nAsep"),
        audience="customers", customer_ids=customer_ids, voucher_mode="personal", personal_kind=m.PERCENT,
        personal_value=15, personal_days=30, created_by=owner)
    # One customer had unsubscribed earlier: the report shows them skipped.
    first = User.get_by_id(customer_ids[-1])
    campaigns.unsubscribe(shop, first.email)
    campaigns.schedule(campaign, utcnow())
    campaigns.send(campaign.id)
    return 1
