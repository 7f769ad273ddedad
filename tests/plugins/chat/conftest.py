"""Chat test helpers: English pages, short streams, and quick ways to start conversations."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def portal_config():
    # Streams end quickly so a plain GET returns; the fan-out is in-process unless a test says otherwise.
    return {"CHAT_STREAM_LIFETIME": 0.3, "CHAT_HEARTBEAT": 0.1, "CHAT_REDIS_URL": None}


@pytest.fixture
def chat_shop(shop, enable_plugin):
    enable_plugin(shop, "chat")
    return shop


@pytest.fixture
def available(chat_shop):
    """The shop's staff member is available for chat."""
    from plugins.chat import models
    from portal.core.models import User

    models.set_presence(chat_shop, User.get(User.email == "staff@shop.test"), True)
    return chat_shop
