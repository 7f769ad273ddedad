"""Demo data: vouchers, points from delivered orders and a sent campaign in the Cibaduyut shop, idempotent."""
from __future__ import annotations

from plugins.loyalty import campaigns as camp
from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core import order_flow
from portal.core.models import OutboxMail
from portal.testing import make_shop, make_user
from tests.core.orders_testkit import make_product

TO_DELIVERED = ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver"]


def test_demo_data_is_believable_and_idempotent(portal_app, order_with, other_shop):
    owner = make_user("owner@demo.test", "Asep Suryana")
    demo = make_shop("cibaduyut", owner=owner, name="Sepatu Cibaduyut", order_prefix="CBD")
    shoe = make_product(demo, "Pantofel Kulit Sapi", price=475000, stock=20)
    buyers = [make_user(f"pelanggan{i}@demo.test", f"Pelanggan {i}") for i in range(3)]
    with portal_app.test_request_context():
        for buyer in buyers:
            order = order_with(customer=buyer, shop_=demo, product_=shoe)
            for action in TO_DELIVERED:
                order = order_flow.transition(order, action, actor=owner, role="owner")
    # Earned already by the hook; the demo must not add them twice.
    assert sum(rewards.balance(demo, b) for b in buyers) == 3 * 47
    m.LoyaltyPointEntry.delete().execute()
    m.LoyaltyAccount.delete().execute()
    OutboxMail.delete().execute()

    registry = portal_app.extensions["portal"]
    with portal_app.test_request_context():
        first = registry.call_one("loyalty", "portal_register_demo_data", shop=demo)
        again = registry.call_one("loyalty", "portal_register_demo_data", shop=demo)
        elsewhere = registry.call_one("loyalty", "portal_register_demo_data", shop=other_shop)
    assert first == {"loyalty vouchers": 3, "loyalty points entries": 3, "loyalty campaigns": 1}
    assert again == {"loyalty vouchers": 0, "loyalty points entries": 0, "loyalty campaigns": 0}
    assert elsewhere == {}
    assert rewards.voucher_by_code(demo, "lebaran10").value == 10
    assert [rewards.balance(demo, b) for b in buyers] == [47, 47, 47]
    campaign = m.LoyaltyCampaign.get()
    report = camp.report(campaign)
    assert (report["recipients"], report["sent"], report["skipped"]) == (3, 2, 1)
    body = OutboxMail.select().first().body_text
    assert "Pantofel Kulit Sapi" in body and "HALO-" in body
