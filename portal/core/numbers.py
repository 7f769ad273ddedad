"""Order numbers like ``CBD-20261127-0007``: shop prefix, Jakarta date, daily sequence.

The sequence lives in one ``OrderCounter`` row per shop and day, bumped with an
``UPDATE ... SET last = last + 1`` inside the placement transaction: the row
stays locked until commit, so two checkouts never get the same number, and a
checkout that rolls back gives its number back.
"""
from __future__ import annotations

from portal.core.db import utcnow
from portal.core.orders import OrderCounter
from portal.i18n import to_jakarta


def next_number(shop) -> str:
    """The next order number for ``shop`` (call inside the placement transaction)."""
    day = to_jakarta(utcnow()).strftime("%Y%m%d")
    OrderCounter.insert(shop=shop, day=day, last=0).on_conflict_ignore().execute()
    OrderCounter.update(last=OrderCounter.last + 1).where(
        (OrderCounter.shop == shop) & (OrderCounter.day == day)
    ).execute()
    last = OrderCounter.get((OrderCounter.shop == shop) & (OrderCounter.day == day)).last
    prefix = (shop.order_prefix or "ORD").strip().upper()
    return f"{prefix}-{day}-{last:04d}"
