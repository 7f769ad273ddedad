"""The analytics as a plugin: metadata, migration, its two hooks towards other plugins, demo data."""
from __future__ import annotations

import datetime as dt
import types

import pytest
from analytics_testkit import EN, make_order

from plugins.analytics.models import AnalyticsCustomerNote
from portal import CustomerSegment, PluginInfo, hookimpl
from portal.core import orders as o
from portal.core.db import db
from portal.core.models import Membership, Migration, Product
from portal.core.plugins import hooks_for

BASE = "/s/workshop/manage/analytics"


def test_declares_its_metadata(portal_app):
    info = portal_app.extensions["portal"].plugins["analytics"].info
    assert info.name == "analytics" and info.version == "1.0.0"
    with portal_app.test_request_context(headers=EN):
        assert str(info.label) == "Analytics" and "segments" in str(info.description)
    assert info.roles == ("owner", "staff") and info.settings_form is None and info.default_enabled


def test_its_migration_made_the_notes_table(portal_app):
    assert "analytics_customer_note" in db.get_tables()
    assert Migration.select().where((Migration.app == "analytics") & (Migration.name == "0001_initial")).exists()
    columns = {c.name for c in db.get_columns("analytics_customer_note")}
    assert {"shop_id", "customer_id", "author_id", "body", "created_at", "updated_by_id", "updated_at"} <= columns
    # 0002 once made two covering indexes on core's tables; core owns them now (its 0006) and
    # the plugin's step, kept in the history, makes no copies of its own.
    assert Migration.select().where((Migration.app == "analytics") & (Migration.name == "0002_covering_indexes")).exists()
    assert "order_event_order_id_kind_to_status_created_at" in {i.name for i in db.get_indexes("order_event")}
    assert "order_shop_id_status_customer_id_created_at_total" in {i.name for i in db.get_indexes("order")}
    assert "analytics_order_event_flow" not in {i.name for i in db.get_indexes("order_event")}
    assert "analytics_order_customer" not in {i.name for i in db.get_indexes("order")}
    # The daily summary (0003).
    assert Migration.select().where((Migration.app == "analytics") & (Migration.name == "0003_daily_summary")).exists()
    assert {"analytics_day", "analytics_day_product", "analytics_day_city", "analytics_lead_time",
            "analytics_dirty_day"} <= set(db.get_tables())


def test_hook_portal_customer_segments(portal_app, data, other_shop, disable_plugin):
    expected = {"champions": ["C2"], "loyal": ["C1"], "new": ["C3", "C5", "C7"], "at_risk": ["C6"],
                "hibernating": ["C8", "C9", "C10"], "lost": ["C4"]}
    with portal_app.test_request_context(headers=EN):
        answers = hooks_for(data.shop).portal_customer_segments(shop=data.shop)
        segments = [s for answer in answers for s in answer]
        assert all(isinstance(s, CustomerSegment) for s in segments)
        by_key = {s.key: s for s in segments}
        assert list(by_key) == list(expected)
        for key, names in expected.items():
            assert by_key[key].customer_ids == tuple(sorted(data.c[n].id for n in names)), key
            assert str(by_key[key].label) and str(by_key[key].description)
        assert str(by_key["at_risk"].label) == "At risk"
        # Another shop's segments hold none of these customers.
        other = [s for answer in hooks_for(other_shop).portal_customer_segments(shop=other_shop) for s in answer]
        assert all(s.customer_ids == () for s in other if s.key in expected)
    disable_plugin(data.shop, "analytics")
    with portal_app.test_request_context(headers=EN):
        portal_app.extensions["portal"].forget_request_cache()  # the test's app context outlives one request
        answers = hooks_for(data.shop).portal_customer_segments(shop=data.shop)
        assert not any(isinstance(s, CustomerSegment) and s.key == "champions" for a in answers for s in a)


SEEN = []


def _profile_plugin():
    module = types.ModuleType("profile_probe")

    def portal_register_plugin():
        return PluginInfo(name="profile_probe", label="Probe", version="0.1", description="test plugin")

    def portal_slot_customer_profile(shop, customer, user):
        SEEN.append((shop.slug, customer.id, user.email))
        return f'<section class="probe-section"><h2>Probe</h2><p>{customer.id}</p></section>'

    for fn in (portal_register_plugin, portal_slot_customer_profile):
        setattr(module, fn.__name__, hookimpl(fn))
    return module


@pytest.mark.parametrize("portal_plugins", [[_profile_plugin()]])
def test_hook_portal_slot_customer_profile(portal_app, owner_client, staff_client, data, disable_plugin):
    c1 = data.c["C1"]
    SEEN.clear()
    page = owner_client.get(f"{BASE}/customers/{c1.id}", headers=EN).get_data(as_text=True)
    assert page.count('<section class="probe-section">') == 1 and f"<p>{c1.id}</p>" in page
    assert SEEN == [("workshop", c1.id, "owner@shop.test")]
    staff_client.get(f"{BASE}/customers/{c1.id}", headers=EN)
    assert SEEN[-1] == ("workshop", c1.id, "staff@shop.test")
    # Called directly, as other plugins' tests do.
    owner = Membership.get((Membership.shop == data.shop) & (Membership.role == "owner")).user
    with portal_app.test_request_context(headers=EN):
        parts = portal_app.extensions["portal"].call_isolated(
            "portal_slot_customer_profile", data.shop, shop=data.shop, customer=c1, user=owner)
    assert [name for name, _ in parts if name == "profile_probe"] == ["profile_probe"]
    disable_plugin(data.shop, "profile_probe")
    page = owner_client.get(f"{BASE}/customers/{c1.id}", headers=EN).get_data(as_text=True)
    assert "probe-section" not in page and "Pelanggan 1" in page


def test_demo_notes_are_idempotent(portal_app, shop, customer):
    from plugins.analytics.demo import DEMO_NOTES, load_demo_notes
    from portal.core.models import User

    demo = User.create(email="customer@demo.test", name="Dewi Lestari", password_hash="x")
    p = Product.create(shop=shop, name="Pantofel", slug="pantofel", price=500_000, stock=5)
    make_order(shop, demo, dt.datetime(2026, 3, 3, 3), o.COMPLETED, [(p, 1)], number="DEMO-1")
    assert load_demo_notes(shop) == {"customer notes": len(DEMO_NOTES["customer@demo.test"])}
    assert load_demo_notes(shop) == {"customer notes": len(DEMO_NOTES["customer@demo.test"])}
    note = AnalyticsCustomerNote.select().first()
    assert note.author.email == "owner@shop.test" and note.customer_id == demo.id
