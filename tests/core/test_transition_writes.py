"""Plugins' writes inside a status change's transaction (``portal_order_transition_writes``).

What a plugin writes there commits with the status or not at all: a refusal (a
returned message) or an exception rolls back the whole step — the status, its
``OrderEvent``, stock given back — and the user reads a message, never a 500. A
plugin that raises is reported on the Modules page once the step has rolled back.
"""
from __future__ import annotations

import logging
import re

import pytest
from orders_testkit import EN, make_product, place, stock_of
from throwaway_plugin import make_plugin

from portal.core.checkout import CheckoutError
from portal.core.db import atomic_write, db
from portal.core.models import Product, ShopModule
from portal.core.order_flow import PluginWriteFailed, TransitionError, transition
from portal.core.orders import Order, OrderEvent

#: ``(action, from, to, role, status of the order handed over, status the transaction reads, in a transaction?)``
WRITES: list = []
#: ``(action, to_status)`` per after-commit call.
AFTER: list = []
#: action -> what the plugin does on it: "refuse", "raise" or "sql" (a failing statement, then the error).
MODE: dict = {}


def portal_order_transition_writes(order, action, from_status, to_status, actor, role):
    WRITES.append((action, from_status, to_status, role, order.status, Order.get_by_id(order.id).status,
                   db.in_transaction()))
    # A row of its own, to show that it commits (or not) with the status.
    OrderEvent.create(order=order, kind="note", action=f"kiln:{action}", actor_role="system", public=False)
    mode = MODE.get(action)
    if mode == "refuse":
        return "The kiln is fully booked that day."
    if mode == "raise":
        raise RuntimeError("kiln controller offline")
    if mode == "sql":
        # A statement that fails: on PostgreSQL the transaction is aborted until rolled back.
        first = OrderEvent.select().where(OrderEvent.order == order.id).order_by(OrderEvent.id).first()
        OrderEvent.insert(id=first.id, order=order, kind="note", action="duplicate", public=False).execute()
    return None


def portal_order_after_transition(action, to_status):
    AFTER.append((action, to_status))


kiln = make_plugin("kiln", portal_order_transition_writes, portal_order_after_transition, label="Kiln booking")


@pytest.fixture
def portal_plugins():
    return [kiln]


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture(autouse=True)
def _clean():
    WRITES.clear()
    AFTER.clear()
    MODE.clear()
    yield
    MODE.clear()


@pytest.fixture
def ctx(portal_app):
    with portal_app.test_request_context(headers=EN):
        yield


def events(order) -> list[str]:
    return [e.action for e in OrderEvent.select().where(OrderEvent.order == order.id).order_by(OrderEvent.id)]


def status_of(order) -> str:
    return Order.get_by_id(order.id).status


def paid(shop, shoe):
    order = place(shop, [(shoe, 2)])
    for action, role in (("confirm", "owner"), ("request_payment", "system"), ("verify_payment", "owner")):
        order = transition(order, action, role=role)
    return order


def last_error(shop):
    row = ShopModule.get_or_none((ShopModule.shop == shop) & (ShopModule.plugin == "kiln"))
    return (row.settings or {}).get("_last_error", "") if row else ""


def test_hook_portal_order_transition_writes(ctx, shop, disable_plugin, portal_app):
    shoe = make_product(shop, stock=5)
    order = place(shop, [(shoe, 1)])
    # The placement too, in its own transaction.
    assert WRITES == [("place", None, "placed", "customer", "placed", "placed", True)]
    order = transition(order, "confirm", role="staff")
    assert WRITES[-1] == ("confirm", "placed", "confirmed", "staff", "confirmed", "confirmed", True)
    # Its rows were committed with the status, right after core's own event.
    assert events(order) == ["place", "kiln:place", "confirm", "kiln:confirm"]
    assert AFTER == [("place", "placed"), ("confirm", "confirmed")]
    # A shop that switched the plugin off is not asked.
    disable_plugin(shop, "kiln")
    # A new app context: the per-request cache of the shop's switches starts empty.
    with portal_app.app_context(), portal_app.test_request_context(headers=EN):
        transition(order, "request_payment", role="system")
    assert len(WRITES) == 2 and status_of(order) == "awaiting_payment"


def test_a_refusal_rolls_back_the_whole_step(ctx, shop):
    shoe = make_product(shop, stock=5)
    order = paid(shop, shoe)
    assert stock_of(shoe) == 3
    before, told = events(order), len(AFTER)
    MODE["cancel"] = "refuse"
    with pytest.raises(TransitionError, match=r"The kiln is fully booked that day\."):
        transition(order, "cancel", role="owner", note="customer asked")
    # Nothing of the step is left: not the status, not its event, not the plugin's row, not the stock given back.
    assert status_of(order) == "paid" and events(order) == before and stock_of(shoe) == 3
    assert len(AFTER) == told  # nobody is told of a step that did not happen
    assert last_error(shop) == ""  # a refusal is an answer, not an error
    MODE.clear()
    assert transition(order, "cancel", role="owner", note="customer asked").status == "cancelled"
    assert stock_of(shoe) == 5


@pytest.mark.parametrize("mode", ["raise", "sql"])
def test_a_plugin_that_fails_rolls_back_the_step_and_is_reported(ctx, shop, mode, caplog):
    shoe = make_product(shop, stock=5)
    order = paid(shop, shoe)
    before = events(order)
    MODE["start_production"] = mode
    with caplog.at_level(logging.ERROR, logger="portal.core.plugins"):
        with pytest.raises(PluginWriteFailed) as failed:
            transition(order, "start_production", role="owner")
    assert str(failed.value) == ("The module “Kiln booking” could not record its part of this step, so nothing was "
                                 "changed. Please try again.")
    assert status_of(order) == "paid" and events(order) == before and stock_of(shoe) == 3
    # Logged with the traceback, and shown to the owner on the Modules page (written after the rollback).
    assert "portal_order_transition_writes" in caplog.text and "Traceback" in caplog.text
    assert last_error(shop).startswith("portal_order_transition_writes: ")
    if mode == "raise":
        assert "kiln controller offline" in last_error(shop)
    # The connection is usable afterwards (on PostgreSQL the failed statement aborted the transaction).
    MODE.clear()
    assert transition(order, "start_production", role="owner").status == "in_production"


def test_inside_a_callers_transaction_only_the_step_is_rolled_back(ctx, shop):
    shoe = make_product(shop, stock=5)
    order = paid(shop, shoe)
    before = events(order)
    MODE["start_production"] = "sql"
    with atomic_write():
        Product.update(name="Pantofel Renamed").where(Product.id == shoe.id).execute()
        with pytest.raises(PluginWriteFailed):
            transition(order, "start_production", role="owner")
    assert Product.get_by_id(shoe.id).name == "Pantofel Renamed"  # the caller's own write committed
    assert status_of(order) == "paid" and events(order) == before


@pytest.mark.parametrize("mode, message", [
    ("refuse", "The kiln is fully booked that day."),
    ("raise", "Your order could not be recorded just now; nothing was ordered. Please try again."),
])
def test_placement_is_refused_with_nothing_written(ctx, shop, mode, message):
    shoe = make_product(shop, stock=5)
    MODE["place"] = mode
    with pytest.raises(CheckoutError, match=re.escape(message)):
        place(shop, [(shoe, 2)])
    assert Order.select().count() == 0 and OrderEvent.select().count() == 0 and stock_of(shoe) == 5
    assert AFTER == []
    assert (last_error(shop) != "") == (mode == "raise")


def test_the_owner_reads_the_refusal_instead_of_an_error_page(portal_app, owner_client, shop):
    shoe = make_product(shop, stock=5)
    with portal_app.test_request_context():
        order = paid(shop, shoe)
    before = events(order)
    MODE["start_production"] = "raise"
    url = f"/s/{shop.slug}/manage/orders/{order.number}/action"
    response = owner_client.hx_post(url, data={"action": "start_production"}, headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="flash flash-error" role="alert">The module “Kiln booking” could not record its part' in html
    assert status_of(order) == "paid" and events(order) == before
    # Without htmx: back to the order page, with the message.
    plain = owner_client.post(url, data={"action": "start_production"}, headers=EN)
    assert plain.status_code == 303
    assert "could not record its part of this step" in owner_client.get(plain.headers["Location"], headers=EN).get_data(
        as_text=True)
    MODE["start_production"] = "refuse"
    refused = owner_client.hx_post(url, data={"action": "start_production"}, headers=EN).get_data(as_text=True)
    assert 'role="alert">The kiln is fully booked that day.</p>' in refused
    assert status_of(order) == "paid" and events(order) == before

