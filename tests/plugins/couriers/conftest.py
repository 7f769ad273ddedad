"""Courier plugin test helpers: English pages, the plugin on, ready orders, riders and services."""
from __future__ import annotations

import pytest

from tests.plugins.couriers.kit import make_ready, user

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def ctx(portal_app):
    with portal_app.test_request_context(headers=EN):
        yield


@pytest.fixture
def on(shop, enable_plugin):
    """The plugin switched on in ``shop`` (it is on by default; this says so explicitly)."""
    enable_plugin(shop, "couriers")
    return shop




@pytest.fixture
def owner(shop):
    return user("owner@shop.test")


@pytest.fixture
def rider(shop):
    """Shop ``workshop``'s rider (``courier@shop.test``, logged in by ``courier_client``)."""
    return user("courier@shop.test")


@pytest.fixture
def rider_b(shop):
    """A second rider of the same shop."""
    from portal.core.shops import add_member
    from portal.testing import make_user

    u = make_user("rider-b@shop.test", "Rider B")
    add_member(shop, u, "courier")
    return u


@pytest.fixture
def rider_b_client(portal_app, rider_b):
    from portal.testing import make_client

    return make_client(portal_app, rider_b)


@pytest.fixture
def ready_order(portal_app, on, customer):
    return make_ready(portal_app, on, customer=customer)
