"""Payment deadlines: unpaid orders expire and give back what they reserved; one reminder before."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from huey.api import PeriodicTask
from orders_testkit import make_product, place, stock_of
from payments_testkit import awaiting_order, owner, png_bytes, upload

from portal.core import payments
from portal.core.jobs import jobs
from portal.core.models import OutboxMail
from portal.core.orders import (
    AWAITING_PAYMENT,
    EXPIRED,
    PAYMENT_SUBMITTED,
    Order,
    OrderEvent,
    ProductionReservation,
    ProductionSlot,
)

MINUTE = dt.timedelta(minutes=1)


def confirmed(shop, lines, **contact):
    app = current_app._get_current_object()
    with app.test_request_context():
        order = place(shop, lines, **contact)
        app.process_response(app.response_class())
    return payments.confirm_order(order, owner(), "owner")


def test_overdue_order_expires_and_gives_back_its_stock(portal_app, shop):
    shoe = make_product(shop, name="Loafer", stock=5)
    order = confirmed(shop, [(shoe, 2)])
    assert stock_of(shoe) == 3

    assert payments.expire_overdue(now=order.payment_deadline - MINUTE) == 0
    assert Order.get_by_id(order.id).status == AWAITING_PAYMENT

    assert payments.expire_overdue(now=order.payment_deadline + MINUTE) == 1
    order = Order.get_by_id(order.id)
    assert order.status == EXPIRED
    assert stock_of(shoe) == 5
    event = OrderEvent.get((OrderEvent.order == order) & (OrderEvent.action == "expire"))
    assert (event.actor_role, event.actor_id, event.from_status) == ("system", None, AWAITING_PAYMENT)
    # Running the job again finds nothing more to do.
    assert payments.expire_overdue(now=order.payment_deadline + 60 * MINUTE) == 0
    assert stock_of(shoe) == 5


def test_expiry_gives_back_production_capacity(portal_app, shop):
    boots = make_product(shop, name="Custom boots", made_to_order=True, lead_time_days=3)
    order = confirmed(shop, [(boots, 2)])
    used = sum(s.used for s in ProductionSlot.select().where(ProductionSlot.shop == shop))
    assert used == 2 and ProductionReservation.select().where(ProductionReservation.order == order).exists()
    payments.expire_overdue(now=order.payment_deadline + MINUTE)
    assert sum(s.used for s in ProductionSlot.select().where(ProductionSlot.shop == shop)) == 0
    assert not ProductionReservation.select().where(ProductionReservation.order == order).exists()


def test_orders_with_a_proof_or_paid_do_not_expire(portal_app, shop, customer, customer_client):
    checking = awaiting_order(shop, customer=customer)
    upload(customer_client, checking, png_bytes(), "r.png")
    paid = payments.record_payment(awaiting_order(shop), owner(), "owner")
    later = max(checking.payment_deadline, paid.payment_deadline) + MINUTE
    assert payments.expire_overdue(now=later) == 0
    assert Order.get_by_id(checking.id).status == PAYMENT_SUBMITTED
    assert Order.get_by_id(paid.id).status == "paid"


def test_only_overdue_orders_expire(portal_app, shop):
    early = awaiting_order(shop)
    Order.update(payment_deadline=early.payment_deadline - dt.timedelta(hours=10)).where(Order.id == early.id).execute()
    late = awaiting_order(shop)
    assert payments.expire_overdue(now=late.payment_deadline - dt.timedelta(hours=5)) == 1
    assert Order.get_by_id(early.id).status == EXPIRED
    assert Order.get_by_id(late.id).status == AWAITING_PAYMENT


def reminders_to(address):
    return OutboxMail.select().where((OutboxMail.to == address) & OutboxMail.subject.contains("Reminder"))


def test_one_reminder_some_hours_before_the_deadline(portal_app, shop):
    order = awaiting_order(shop, email="slow@example.test", locale="en")
    assert payments.send_reminders(now=order.payment_deadline - dt.timedelta(hours=7)) == 0
    assert reminders_to("slow@example.test").count() == 0

    now = order.payment_deadline - dt.timedelta(hours=5)
    assert payments.send_reminders(now=now) == 1
    [mail] = reminders_to("slow@example.test")
    assert order.number in mail.subject
    assert f"{order.amount_due:,}".replace(",", ".") in mail.body_text
    assert Order.get_by_id(order.id).reminder_sent_at == now

    # Later runs of the job do not send it again.
    assert payments.send_reminders(now=now + 30 * MINUTE) == 0
    assert payments.send_reminders(now=order.payment_deadline - MINUTE) == 0
    assert reminders_to("slow@example.test").count() == 1


def test_no_reminder_after_the_deadline_or_once_paid(portal_app, shop):
    gone = awaiting_order(shop, email="gone@example.test", locale="en")
    assert payments.send_reminders(now=gone.payment_deadline + MINUTE) == 0
    payments.expire_overdue(now=gone.payment_deadline + MINUTE)
    paid = payments.record_payment(awaiting_order(shop, email="paid@example.test", locale="en"), owner(), "owner")
    assert payments.send_reminders(now=paid.payment_deadline - dt.timedelta(hours=1)) == 0
    assert reminders_to("gone@example.test").count() == reminders_to("paid@example.test").count() == 0


def test_no_reminder_when_the_whole_deadline_is_short(portal_app, shop):
    shop.settings = {**shop.settings, "payment_deadline_hours": 4}
    shop.save()
    order = awaiting_order(shop, email="quick@example.test", locale="en")
    assert payments.send_reminders(now=order.payment_deadline - dt.timedelta(hours=1)) == 0


def test_the_checks_run_periodically_on_the_worker(portal_app, shop):
    tasks = jobs().tasks
    for name in ("expire_overdue", "send_reminders"):
        assert isinstance(tasks[name].task_class(), PeriodicTask)
    order = awaiting_order(shop)
    Order.update(payment_deadline=order.payment_deadline - dt.timedelta(hours=25)).where(Order.id == order.id).execute()
    # What the consumer runs every five minutes (here called in place).
    assert tasks["expire_overdue"].call_local() == 1
    assert Order.get_by_id(order.id).status == EXPIRED
