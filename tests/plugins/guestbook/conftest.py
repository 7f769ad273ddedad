"""Guestbook test helpers: English pages and quick ways to add entries."""
from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read English text; the Indonesian catalogue is tested elsewhere.
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def add_entries(portal_app):
    """``add_entries(shop, n, hidden=False)``: n entries, one minute apart, the last one newest."""
    from plugins.guestbook.models import GuestbookEntry

    def add(shop, n=1, hidden=False, start=dt.datetime(2024, 5, 1, 8, 0), pending=False, **fields):
        return [
            GuestbookEntry.create(
                shop=shop, name=fields.get("name", f"Visitor {i}"), message=fields.get("message", f"Message number {i}"),
                rating=fields.get("rating"), is_hidden=hidden or pending, is_pending=pending,
                created_at=start + dt.timedelta(minutes=i), user=fields.get("user"), reply=fields.get("reply", ""),
            )
            for i in range(1, n + 1)
        ]

    return add

