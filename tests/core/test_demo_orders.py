"""Demo orders: a year of trade in every state, consistent with the state machine, loaded once."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from orders_testkit import make_product, place
from PIL import Image

from portal.core import payments, proofs
from portal.core.db import utcnow
from portal.core.models import OutboxMail, Shop
from portal.core.order_flow import ACTIONS
from portal.core.orders import (
    AWAITING_PAYMENT,
    EXPIRED,
    PAYMENT_SUBMITTED,
    STATUSES,
    BankStatement,
    Order,
    OrderEvent,
    OrderItem,
    Payment,
    StatementLine,
)
from portal.demo_orders import ORDER_COUNT, load_demo_orders
from portal.testing import make_user


@pytest.fixture
def demo_shop(shop):
    """The test workshop with a small catalogue (stock and made-to-order) and a few regular customers."""
    for i, (price, stock) in enumerate([(450_000, 8), (650_000, None), (1_250_000, None), (175_000, 20)]):
        make_product(shop, name=f"Demo shoe {i}", price=price, stock=stock, made_to_order=stock is None,
                     lead_time_days=5 if stock is None else 0)
    make_user("customer@demo.test", "Dewi Lestari", locale="id")
    return Shop.get_by_id(shop.id)


def counts():
    return tuple(model.select().count() for model in (Order, OrderItem, OrderEvent, Payment, BankStatement,
                                                      StatementLine, OutboxMail))


def status_chain(order):
    events = list(OrderEvent.select().where(OrderEvent.order == order).order_by(OrderEvent.created_at, OrderEvent.id))
    return events


def test_a_year_of_orders_in_every_state(portal_app, demo_shop):
    summary = load_demo_orders(demo_shop)
    orders = list(Order.select().where(Order.shop == demo_shop))
    assert summary["orders"] == summary["orders_added"] == len(orders) == ORDER_COUNT >= 200
    by_status = Counter(o.status for o in orders)
    assert set(by_status) == set(STATUSES)
    now = utcnow()
    assert all(now - dt.timedelta(days=366) <= o.created_at <= now for o in orders)
    assert len({(o.created_at.year, o.created_at.month) for o in orders}) >= 12
    assert len({o.number for o in orders}) == len(orders)
    assert all(o.items.count() >= 1 and o.total == o.subtotal + o.delivery_fee for o in orders)


def test_every_timeline_follows_the_state_machine(portal_app, demo_shop):
    load_demo_orders(demo_shop)
    for order in Order.select().where(Order.shop == demo_shop):
        status, last_time, in_production = None, None, False
        for event in status_chain(order):
            assert last_time is None or event.created_at >= last_time
            last_time = event.created_at
            if event.kind == "stage":
                assert in_production, f"{order.number}: a stage outside production"
                continue
            if event.action == "place":
                assert status is None and event.to_status == "placed"
            else:
                action = ACTIONS[event.action]
                assert event.from_status == status and status in action.sources, (order.number, event.action)
                assert event.to_status == action.target and event.actor_role in action.roles
            status = event.to_status
            in_production = status == "in_production"
        assert status == order.status, order.number
        assert last_time <= utcnow()


def test_payments_proofs_statements_and_mails_fit_the_orders(portal_app, demo_shop):
    load_demo_orders(demo_shop)
    now = utcnow()
    holders = []
    for order in Order.select().where(Order.shop == demo_shop):
        actions = [e.action for e in order.events]
        approved = list(order.payments.where(Payment.status == "approved"))
        if "verify_payment" in actions:
            assert len(approved) == 1 and approved[0].amount == order.amount_due, order.number
        else:
            assert approved == []
        if order.status == PAYMENT_SUBMITTED:
            assert order.payments.where(Payment.status == "submitted").count() >= 1
        if order.status in (AWAITING_PAYMENT, PAYMENT_SUBMITTED):
            holders.append(order)
            assert order.payment_deadline > now  # the expiry job would have ended it otherwise
        if order.status == EXPIRED:
            expired_at = OrderEvent.get((OrderEvent.order == order) & (OrderEvent.action == "expire")).created_at
            assert order.payment_deadline <= expired_at
        if order.amount_due is not None:
            assert order.amount_due == order.total + order.unique_code
    assert len({o.unique_code for o in holders}) == len(holders)
    assert len({o.amount_due for o in holders}) == len(holders)

    with_proof = list(Payment.select().join(Order).where((Order.shop == demo_shop) & Payment.proof_file.is_null(False)))
    assert len(with_proof) >= 50
    for payment in with_proof[:10]:
        data = proofs.path_for(payment.proof_file).read_bytes()
        assert Image.open(io.BytesIO(data)).format == "JPEG"
        assert proofs.check_bytes(data).extension == "jpg"  # the upload checks would accept it too
    by_line = Payment.select().where(Payment.statement_line.is_null(False))
    assert by_line.count() >= 20
    assert all(p.statement_line.status == "approved" and p.statement_line.amount == p.amount for p in by_line)
    open_lines = Counter(line.status for line in StatementLine.select().where(StatementLine.shop == demo_shop))
    assert open_lines["proposed"] >= 1 and open_lines["unmatched"] >= 1 and open_lines["ambiguous"] >= 1

    mails = OutboxMail.select().where(OutboxMail.shop == demo_shop)
    assert mails.count() > ORDER_COUNT
    sample = Order.select().where((Order.shop == demo_shop) & (Order.status == "completed")).first()
    about = [m for m in mails if sample.number in m.subject and m.to == sample.email]
    assert about and all(f"/orders/{sample.number}" in m.body_text for m in about)


def test_loading_twice_adds_nothing_and_real_orders_get_fresh_numbers(portal_app, demo_shop):
    load_demo_orders(demo_shop)
    before = counts()
    files = sorted(p.name for p in proofs.proofs_dir().iterdir())
    again = load_demo_orders(demo_shop)
    assert again["orders_added"] == 0
    assert counts() == before
    assert sorted(p.name for p in proofs.proofs_dir().iterdir()) == files

    # A real checkout today continues after the demo's numbers of today.
    product = make_product(demo_shop, name="Fresh pair", stock=3)
    with portal_app.test_request_context():
        order = place(demo_shop, [(product, 1)])
    assert Order.select().where((Order.shop == demo_shop) & (Order.number == order.number)).count() == 1
    # And its confirmation finds a code no demo order waiting for money holds.
    confirmed = payments.confirm_order(order, demo_shop.memberships.first().user, "owner")
    waiting = Order.select().where((Order.shop == demo_shop) & Order.status.in_(payments.HOLDING_STATUSES))
    assert len({o.amount_due for o in waiting}) == waiting.count()
    assert confirmed.unique_code is not None


def test_portal_demo_loads_the_orders(portal_app):
    from portal.demo import load_demo

    summary = load_demo()
    shop = Shop.get(Shop.slug == "cibaduyut")
    assert Order.select().where(Order.shop == shop).count() >= 200
    assert summary["orders"] >= 200
    assert load_demo()["orders_added"] == 0
