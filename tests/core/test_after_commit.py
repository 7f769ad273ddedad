"""Work deferred to the commit: ``db.on_commit`` and the "after" side of ``order_flow.transition``.

A transition inside a caller's transaction (a view or a service wrapping several
steps in ``atomic()``) must tell plugins and queue mail only once the outermost
transaction has committed, never when it rolls back, and never for a savepoint
that was rolled back inside a transaction that committed (issue 11).

"Committed" is checked from a second, independent connection: what it reads is
what every other request would read.
"""
from __future__ import annotations

import logging

import pytest
from orders_testkit import make_product, place
from throwaway_plugin import make_plugin

from portal.core import orders as o
from portal.core import payments
from portal.core.db import atomic_write, db, make_database, on_commit
from portal.core.models import OutboxMail, Product
from portal.core.order_flow import transition


class Boom(Exception):
    pass


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def ctx(portal_app):
    with portal_app.test_request_context():
        yield


#: The test database's URL, for the second connection (set by the ``listening`` fixture).
DATABASE: dict = {}
#: ``(action, to_status, status another connection reads, in a transaction?)`` per after-hook call.
AFTER_CALLS: list = []


def committed_status(order_id: int) -> str:
    """The order's status as another connection sees it: only what is committed."""
    sql, params = o.Order.select(o.Order.status).where(o.Order.id == order_id).sql()
    other = make_database(DATABASE["url"])
    try:
        return other.execute_sql(sql, params).fetchone()[0]
    finally:
        other.close()


def portal_order_after_transition(order, action, from_status, to_status, actor, role):
    AFTER_CALLS.append((action, to_status, committed_status(order.id), db.in_transaction()))


commit_listener = make_plugin("commit_listener", portal_order_after_transition)


@pytest.fixture
def listening(portal_app, ctx):
    DATABASE["url"] = portal_app.config["DATABASE_URL"]
    AFTER_CALLS.clear()
    yield AFTER_CALLS
    AFTER_CALLS.clear()


def mails_of(shop) -> int:
    return OutboxMail.select().where(OutboxMail.shop == shop).count()


def events_of(order) -> int:
    return o.OrderEvent.select().where(o.OrderEvent.order == order.id).count()


# ---------------------------------------------------------------------------
# db.on_commit itself
# ---------------------------------------------------------------------------


def test_on_commit_with_no_transaction_runs_at_once(portal_app):
    calls = []
    on_commit(calls.append, "now")
    assert calls == ["now"]


def test_on_commit_waits_for_the_outermost_commit(portal_app):
    calls = []
    with db.atomic():
        with atomic_write():  # nested: a savepoint, released
            on_commit(lambda: calls.append(("inner", db.in_transaction())))
        on_commit(lambda: calls.append(("outer", db.in_transaction())))
        assert calls == []
    # Once each, in the order registered, after the commit (no transaction open any more).
    assert calls == [("inner", False), ("outer", False)]
    with db.atomic():
        pass
    assert len(calls) == 2


def test_on_commit_never_runs_when_the_transaction_rolls_back(portal_app):
    calls = []
    with pytest.raises(Boom):
        with db.atomic():
            with db.atomic():
                on_commit(calls.append, "inner")
            on_commit(calls.append, "outer")
            raise Boom
    assert calls == []
    # Nothing is left over for the next transaction on this connection either.
    with db.atomic():
        on_commit(calls.append, "next")
    assert calls == ["next"]


def test_on_commit_forgets_a_rolled_back_savepoint(portal_app):
    calls = []
    with db.atomic():
        on_commit(calls.append, "before")
        with pytest.raises(Boom):
            with db.atomic():
                on_commit(calls.append, "dropped")
                with db.atomic():
                    on_commit(calls.append, "dropped too")
                raise Boom
        with db.atomic() as savepoint:
            on_commit(calls.append, "rolled back by hand")
            savepoint.rollback()  # starts the savepoint again: what follows counts
            on_commit(calls.append, "after the manual rollback")
        on_commit(calls.append, "after")
    assert calls == ["before", "after the manual rollback", "after"]


def test_deferred_work_that_fails_is_logged_and_the_rest_still_runs(portal_app, shop, caplog):
    calls = []

    def broken():
        raise RuntimeError("mail server on fire")

    shoe = make_product(shop, stock=5)
    with caplog.at_level(logging.ERROR, logger="portal.core.db"):
        with db.atomic():
            Product.update(stock=4).where(Product.id == shoe.id).execute()
            on_commit(broken)
            on_commit(calls.append, "second")
    assert calls == ["second"]
    assert Product.get_by_id(shoe.id).stock == 4  # the commit stands
    assert [r.levelno for r in caplog.records if r.name == "portal.core.db"] == [logging.ERROR]
    assert "mail server on fire" in caplog.text


# ---------------------------------------------------------------------------
# order_flow.transition inside a caller's transaction
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("portal_plugins", [[commit_listener]])
def test_without_an_outer_transaction_hooks_run_inside_the_call(listening, shop):
    order = place(shop, [(make_product(shop, stock=5), 1)])
    listening.clear()
    transition(order, "confirm", role="owner")
    # As before: by the time transition() returns, plugins were told, after the commit.
    assert listening == [("confirm", o.CONFIRMED, o.CONFIRMED, False)]


@pytest.mark.parametrize("portal_plugins", [[commit_listener]])
@pytest.mark.parametrize("outer", ["atomic", "atomic_write"])
def test_hooks_and_mail_wait_for_the_outer_commit(listening, shop, outer):
    order = place(shop, [(make_product(shop, stock=5), 1)])
    listening.clear()
    mails = mails_of(shop)
    with db.atomic() if outer == "atomic" else atomic_write():
        transition(order, "confirm", role="owner")
        transition(order, "request_payment", role="system")
        assert listening == []
        assert mails_of(shop) == mails, "the payment mail was queued before the commit"
        assert committed_status(order.id) == o.PLACED
    # Once per transition, in order, and each saw its change committed (and the next one too).
    assert listening == [("confirm", o.CONFIRMED, o.AWAITING_PAYMENT, False),
                         ("request_payment", o.AWAITING_PAYMENT, o.AWAITING_PAYMENT, False)]
    assert mails_of(shop) == mails + 1  # the customer's payment instructions, once


@pytest.mark.parametrize("portal_plugins", [[commit_listener]])
def test_hooks_and_mail_never_happen_when_the_outer_transaction_rolls_back(listening, shop):
    order = place(shop, [(make_product(shop, stock=5), 1)])
    listening.clear()
    mails, events = mails_of(shop), events_of(order)
    with pytest.raises(Boom):
        with atomic_write():
            transition(order, "confirm", role="owner")
            transition(order, "request_payment", role="system")
            raise Boom
    assert listening == []
    assert mails_of(shop) == mails
    assert (o.Order.get_by_id(order.id).status, events_of(order)) == (o.PLACED, events)
    # Nothing was left queued on the connection for a later commit to run.
    with atomic_write():
        transition(order, "confirm", role="owner")
    assert listening == [("confirm", o.CONFIRMED, o.CONFIRMED, False)]


@pytest.mark.parametrize("portal_plugins", [[commit_listener]])
def test_a_rolled_back_savepoints_hooks_do_not_run(listening, shop):
    order = place(shop, [(make_product(shop, stock=5), 1)])
    listening.clear()
    mails = mails_of(shop)
    with atomic_write():
        transition(order, "confirm", role="owner")
        with pytest.raises(Boom):
            with db.atomic():
                transition(order, "request_payment", role="system")
                raise Boom
    assert listening == [("confirm", o.CONFIRMED, o.CONFIRMED, False)]
    assert mails_of(shop) == mails  # no payment instructions for the step that was undone
    assert o.Order.get_by_id(order.id).status == o.CONFIRMED


@pytest.mark.parametrize("portal_plugins", [[commit_listener]])
def test_a_service_wrapping_transition_tells_plugins_after_its_commit(listening, shop, customer):
    # record_payment writes the payment row and calls transition() in one transaction.
    order = place(shop, [(make_product(shop, stock=5), 1)], customer=customer)
    order = payments.confirm_order(order, None, "owner")
    payments.record_payment(order, None, "owner", note="seen in the bank app")
    assert listening[-1] == ("verify_payment", o.PAID, o.PAID, False)
