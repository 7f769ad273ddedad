"""The order state machine: allowed moves, audit rows, hooks, releasing stock and capacity, stages.

The property-based test drives ``transition`` with random actions by random
roles and checks after every step that only moves ``ACTIONS`` allows succeed,
that each success writes exactly one ``OrderEvent`` (and a refusal none), that
stock never goes negative and is given back exactly once when an order ends early.
"""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from orders_testkit import make_product, place, stock_of
from throwaway_plugin import make_plugin

from portal.core import order_flow, production
from portal.core import orders as o
from portal.core.db import db
from portal.core.order_flow import (
    ACTIONS,
    RELEASING_TARGETS,
    TransitionError,
    allowed_actions,
    transition,
)
from portal.core.orders import Order, OrderEvent, ProductionReservation, ProductionSlot

ROLES = ("customer", "owner", "staff", "courier", "supplier", "system", None)


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def ctx(portal_app):
    with portal_app.test_request_context():
        yield


def events_of(order) -> list[OrderEvent]:
    return list(OrderEvent.select().where(OrderEvent.order == order.id).order_by(OrderEvent.id))


def walk(order, *actions, role="owner"):
    for action in actions:
        order = transition(order, action, role="system" if action in ("request_payment", "expire") else role)
    return order


# ---------------------------------------------------------------------------
# single transitions
# ---------------------------------------------------------------------------


def test_allowed_transition_writes_status_and_one_audit_row(ctx, shop, customer):
    shoe = make_product(shop, stock=5)
    order = place(shop, [(shoe, 1)], customer=customer)
    changed = transition(order, "confirm", actor=customer, role="owner", note="checked")
    assert changed.status == "confirmed"
    last = events_of(order)[-1]
    assert (last.action, last.from_status, last.to_status, last.actor_id, last.actor_role, last.note) == (
        "confirm", "placed", "confirmed", customer.id, "owner", "checked")
    assert len(events_of(order)) == 2


@pytest.mark.parametrize("action, role, message", [
    ("verify_payment", "owner", "This order is placed; that step is not possible now."),
    ("confirm", "customer", "You may not do that with this order."),
    ("confirm", "courier", "You may not do that with this order."),
    ("expire", "owner", "not possible now"),
    ("teleport", "owner", "Unknown action."),
])
def test_illegal_transitions_are_refused_and_change_nothing(ctx, shop, action, role, message):
    shoe = make_product(shop, stock=5)
    order = place(shop, [(shoe, 1)])
    before = Order.get_by_id(order.id).updated_at
    with pytest.raises(TransitionError, match=message):
        transition(order, action, role=role)
    fresh = Order.get_by_id(order.id)
    assert fresh.status == "placed" and fresh.updated_at == before
    assert len(events_of(order)) == 1 and stock_of(shoe) == 4


def test_a_stale_order_object_cannot_move_twice(ctx, shop):
    shoe = make_product(shop, stock=5)
    order = place(shop, [(shoe, 1)])
    transition(order, "confirm", role="owner")
    # The same (stale) object still says "placed"; the locked row says otherwise.
    with pytest.raises(TransitionError):
        transition(order, "reject", role="owner")
    assert Order.get_by_id(order.id).status == "confirmed" and len(events_of(order)) == 2


def test_cancel_gives_back_stock_and_capacity_once(ctx, shop):
    shop.settings = {**shop.settings, "daily_capacity": 3}
    shop.save()
    shoe = make_product(shop, stock=5)
    boots = make_product(shop, "Boots", made_to_order=True, lead_time_days=2)
    order = place(shop, [(shoe, 2), (boots, 4)])
    assert stock_of(shoe) == 3 and sum(s.used for s in ProductionSlot.select()) == 4
    order = walk(order, "confirm", "request_payment", "verify_payment")
    order = transition(order, "cancel", role="owner", note="customer asked by phone")
    assert order.status == "cancelled"
    assert stock_of(shoe) == 5 and sum(s.used for s in ProductionSlot.select()) == 0
    assert ProductionReservation.select().count() == 0
    with pytest.raises(TransitionError):
        transition(order, "cancel", role="owner")
    assert stock_of(shoe) == 5


def test_expiry_and_rejection_release_too_but_completion_does_not(ctx, shop):
    shoe = make_product(shop, stock=10)
    expired = walk(place(shop, [(shoe, 1)]), "confirm", "request_payment", "expire")
    rejected = transition(place(shop, [(shoe, 2)]), "reject", role="staff", note="we are closed")
    assert (expired.status, rejected.status) == ("expired", "rejected")
    assert stock_of(shoe) == 10
    done = walk(place(shop, [(shoe, 3)]), "confirm", "request_payment", "verify_payment", "mark_ready",
                "hand_over", "deliver", "complete")
    assert done.status == "completed" and stock_of(shoe) == 7


def test_allowed_actions_follow_the_table(ctx, shop):
    order = place(shop, [(make_product(shop, stock=5), 1)])
    assert {a.name for a in allowed_actions(order, "owner")} == {"confirm", "reject", "cancel"}
    assert {a.name for a in allowed_actions(order, "customer")} == {"withdraw"}
    assert allowed_actions(order, "courier") == [] and allowed_actions(order, None) == []


# ---------------------------------------------------------------------------
# hooks
# ---------------------------------------------------------------------------

BEFORE_CALLS: list = []
AFTER_CALLS: list = []


def portal_order_before_transition(order, action, from_status, to_status, actor, role):
    BEFORE_CALLS.append((order.number, action, from_status, to_status, role))
    if action == "start_production":
        return "Materials have not arrived yet."
    return None


def portal_order_after_transition(order, action, from_status, to_status, actor, role):
    committed = Order.get_by_id(order.id).status
    AFTER_CALLS.append((action, from_status, to_status, role, committed, db.in_transaction()))


gate_plugin = make_plugin("gate_plugin", portal_order_before_transition)
listen_plugin = make_plugin("listen_plugin", portal_order_after_transition)


@pytest.mark.parametrize("portal_plugins", [[gate_plugin]])
def test_hook_portal_order_before_transition(ctx, shop, disable_plugin, portal_app):
    BEFORE_CALLS.clear()
    shoe = make_product(shop, stock=5)
    order = walk(place(shop, [(shoe, 1)]), "confirm", "request_payment", "verify_payment")
    assert ("confirm" in [c[1] for c in BEFORE_CALLS]) and BEFORE_CALLS[0][2:] == ("placed", "confirmed", "owner")
    count = len(events_of(order))
    with pytest.raises(TransitionError, match=r"Materials have not arrived yet\."):
        transition(order, "start_production", role="owner")
    fresh = Order.get_by_id(order.id)
    assert fresh.status == "paid" and len(events_of(order)) == count
    # Other actions are not refused by it; and a shop that switched it off is not asked.
    assert transition(order, "mark_ready", role="owner").status == "ready"
    disable_plugin(shop, "gate_plugin")
    # A new app context: the per-request cache of the shop's switches starts empty.
    with portal_app.app_context(), portal_app.test_request_context():
        other = walk(place(shop, [(shoe, 1)]), "confirm", "request_payment", "verify_payment")
        BEFORE_CALLS.clear()
        assert transition(other, "start_production", role="owner").status == "in_production"
    assert BEFORE_CALLS == []


@pytest.mark.parametrize("portal_plugins", [[listen_plugin]])
def test_hook_portal_order_after_transition(ctx, shop):
    AFTER_CALLS.clear()
    shoe = make_product(shop, stock=5)
    order = place(shop, [(shoe, 1)])
    assert AFTER_CALLS == [("place", None, "placed", "customer", "placed", False)]
    transition(order, "confirm", role="staff")
    assert AFTER_CALLS[-1] == ("confirm", "placed", "confirmed", "staff", "confirmed", False)
    with pytest.raises(TransitionError):
        transition(order, "deliver", role="owner")
    with pytest.raises(TransitionError):
        transition(order, "request_payment", role="customer")
    assert len(AFTER_CALLS) == 2


# ---------------------------------------------------------------------------
# production stages
# ---------------------------------------------------------------------------


def test_stages_are_public_dated_events_only_while_in_production(ctx, shop):
    boots = make_product(shop, "Boots", made_to_order=True)
    order = walk(place(shop, [(boots, 1)]), "confirm", "request_payment", "verify_payment")
    with pytest.raises(TransitionError, match="only while it is in production"):
        production.set_stage(order, "cutting", role="staff")
    order = transition(order, "start_production", role="staff")
    assert production.next_stage(shop, order) == "cutting"
    order = production.set_stage(order, "cutting", role="staff")
    assert order.production_stage == "cutting" and production.next_stage(shop, order) == "stitching"
    with pytest.raises(TransitionError, match="already at this stage"):
        production.set_stage(order, "cutting", role="staff")
    with pytest.raises(TransitionError, match="Unknown production stage"):
        production.set_stage(order, "painting", role="staff")
    with pytest.raises(TransitionError):
        production.set_stage(order, "stitching", role="customer")
    last = events_of(order)[-1]
    assert (last.kind, last.action, last.public, last.from_status, last.to_status) == ("stage", "cutting", True, None, None)
    assert Order.get_by_id(order.id).status == "in_production"


def test_a_shop_can_name_its_own_stages(ctx, shop):
    shop.settings = {**shop.settings, "production_stages": ["pola", "jahit", "  ", "sol"]}
    shop.save()
    assert production.stages(shop) == ["pola", "jahit", "sol"]
    assert str(production.stage_label("jahit")) == "jahit"
    assert str(production.stage_label("stitching")) == "Stitching"


# ---------------------------------------------------------------------------
# property-based: random actions by random roles
# ---------------------------------------------------------------------------

_serial = itertools.count()


class OrderMachine(RuleBasedStateMachine):
    """One order (2 pairs from stock + 1 made-to-order) pushed around at random."""

    shop = None

    @initialize()
    def place_order(self):
        n = next(_serial)
        self.stocked = make_product(self.shop, f"Stocked {n}", stock=3, slug=f"stocked-{n}")
        self.made = make_product(self.shop, f"Made {n}", made_to_order=True, slug=f"made-{n}")
        self.order = place(self.shop, [(self.stocked, 2), (self.made, 1)])
        self.status = "placed"
        self.events = 1
        self.stock = 1
        self.released = 0

    @rule(action=st.sampled_from(sorted(ACTIONS)), role=st.sampled_from(ROLES))
    def act(self, action, role):
        spec = ACTIONS[action]
        expected = self.status in spec.sources and role in spec.roles
        try:
            self.order = transition(self.order, action, role=role)
            happened = True
        except TransitionError:
            happened = False
        assert happened == expected, (action, role, self.status)
        if happened:
            self.status = spec.target
            self.events += 1
            if spec.target in RELEASING_TARGETS:
                self.stock += 2
                self.released += 1

    @rule(data=st.data())
    def advance(self, data):
        # Random picks alone rarely get far down the flow; this rule takes a legal step.
        legal = [(a, r) for a, spec in sorted(ACTIONS.items()) for r in ROLES
                 if self.status in spec.sources and r in spec.roles]
        if legal:
            self.act(*data.draw(st.sampled_from(legal)))

    @rule(stage=st.sampled_from(["cutting", "stitching", "packing", "nonsense"]), role=st.sampled_from(ROLES))
    def stage(self, stage, role):
        current = Order.get_by_id(self.order.id).production_stage
        expected = (self.status == "in_production" and role in ("owner", "staff")
                    and stage != "nonsense" and stage != current)
        try:
            production.set_stage(self.order, stage, role=role)
            happened = True
        except TransitionError:
            happened = False
        assert happened == expected, (stage, role, self.status, current)
        if happened:
            self.events += 1

    @invariant()
    def consistent(self):
        if not hasattr(self, "order"):
            return
        row = Order.get_by_id(self.order.id)
        assert row.status == self.status
        assert OrderEvent.select().where(OrderEvent.order == self.order.id).count() == self.events
        stock = stock_of(self.stocked)
        assert stock is not None and stock >= 0
        assert stock == self.stock
        assert self.released <= 1
        held = ProductionReservation.select().where(ProductionReservation.order == self.order.id).count()
        assert held == (0 if self.released else 1)
        assert all(s.used >= 0 for s in ProductionSlot.select())


def test_random_actions_by_random_roles_keep_the_invariants(portal_app, shop):
    class Machine(OrderMachine):
        pass

    Machine.shop = shop
    with portal_app.test_request_context():
        run_state_machine_as_test(
            Machine,
            settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow], database=None),
        )


def test_status_labels_cover_every_status():
    assert set(order_flow.STATUS_LABELS) == set(o.STATUSES)
