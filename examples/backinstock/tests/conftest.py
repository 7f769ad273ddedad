"""The example's test set-up: only the public fixtures of ``portal.testing`` (loaded by pytest itself)."""
from __future__ import annotations

import pytest

from portal.core.models import Product
from portal.core.shops import set_platform_plugin_allowed


#region fixtures
@pytest.fixture(autouse=True)
def backinstock_on(portal_app, shop, enable_plugin):
    # A third party's plugin waits for the platform admin (`portal plugins allow`).
    set_platform_plugin_allowed("backinstock", True)
    enable_plugin(shop, "backinstock")
    return shop


@pytest.fixture
def sold_out(shop):
    return Product.create(shop=shop, name="Pantofel Classic", slug="pantofel-classic", price=450000, stock=0)
#endregion
