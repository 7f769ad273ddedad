"""Social-links test helpers: English pages, a product, and a quick way to store links."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def product(shop):
    from portal.core.models import Product

    return Product.create(shop=shop, name="Pantofel Oxford Hitam", slug="pantofel-oxford", price=685000, stock=5,
                          is_active=True)


@pytest.fixture
def save_links(portal_app):
    """``save_links(shop, whatsapp="+62...", instagram="https://...")`` writes a row as the settings page would."""
    from plugins.social import models

    def save(shop, **values):
        return models.save(shop, {"product_button": True, **values})

    return save
