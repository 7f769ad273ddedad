"""Made-to-order production capacity: how many units a shop can finish per day.

A shop sets ``daily_capacity`` (units per day). A made-to-order order takes
units from the first days that still have room, starting once the product's
lead time has passed; the last such day is the order's ``ready_by``. Each day's
use is a ``ProductionSlot`` row changed only by conditional updates
(``used = used + n WHERE used + n <= capacity``), so two checkouts can never
overbook a day. What an order took is kept in ``ProductionReservation`` rows, so
a cancelled or expired order gives back exactly those units.
"""
from __future__ import annotations

import datetime as dt

from portal.core.db import utcnow
from portal.core.orders import Order, ProductionReservation, ProductionSlot
from portal.core.shops import shop_setting
from portal.i18n import to_jakarta

# Look no further ahead than this; an order that would take longer is refused.
HORIZON_DAYS = 366


class CapacityError(Exception):
    """The workshop cannot take this many units within the horizon."""


def today() -> dt.date:
    """Today's date in Jakarta (production days follow the workshop's clock)."""
    return to_jakarta(utcnow()).date()


def daily_capacity(shop) -> int:
    """Units per day; 0 (or an unusable value) means the shop does not limit capacity."""
    try:
        return max(int(shop_setting(shop, "daily_capacity") or 0), 0)
    except (TypeError, ValueError):
        return 0


def first_day(lead_time_days: int, start: dt.date | None = None) -> dt.date:
    return (start or today()) + dt.timedelta(days=max(int(lead_time_days or 0), 0))


def _used(shop, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    rows = ProductionSlot.select(ProductionSlot.day, ProductionSlot.used).where(
        (ProductionSlot.shop == shop) & (ProductionSlot.day >= first) & (ProductionSlot.day <= last)
    )
    return {r.day: r.used for r in rows}


def plan(shop, units: int, lead_time_days: int = 0, start: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Read-only: the ``(day, units)`` an order of ``units`` would take if placed now.

    Used to tell the customer at checkout when the order can be ready; the real
    booking happens in :func:`reserve` inside the placement transaction.
    """
    if units <= 0:
        return []
    day = first_day(lead_time_days, start)
    capacity = daily_capacity(shop)
    if capacity == 0:
        return [(day, units)]
    used = _used(shop, day, day + dt.timedelta(days=HORIZON_DAYS))
    out, remaining = [], units
    for offset in range(HORIZON_DAYS):
        current = day + dt.timedelta(days=offset)
        free = capacity - used.get(current, 0)
        if free > 0:
            take = min(free, remaining)
            out.append((current, take))
            remaining -= take
            if remaining == 0:
                return out
    raise CapacityError(units)


def ready_by(shop, units: int, lead_time_days: int = 0) -> dt.date | None:
    """The day an order of ``units`` made-to-order units placed now could be ready."""
    days = plan(shop, units, lead_time_days)
    return days[-1][0] if days else None


def reserve(shop, order: Order, units: int, lead_time_days: int = 0) -> dt.date | None:
    """Book ``units`` of capacity for ``order``; return its ready-by day.

    Call inside the placement transaction. Every day is booked with a
    conditional update, so a concurrent checkout that filled the day first makes
    this one move on to the next day instead of overbooking.

    :raises CapacityError: not enough room within ``HORIZON_DAYS``.
    """
    if units <= 0:
        return None
    day = first_day(lead_time_days)
    capacity = daily_capacity(shop)
    if capacity == 0:
        return day
    remaining, last = units, None
    for offset in range(HORIZON_DAYS):
        current = day + dt.timedelta(days=offset)
        take = _book_day(shop, current, capacity, remaining)
        if take:
            ProductionReservation.create(order=order, shop=shop, day=current, units=take)
            remaining -= take
            last = current
            if remaining == 0:
                return last
    raise CapacityError(units)


def _book_day(shop, day: dt.date, capacity: int, wanted: int) -> int:
    """Take up to ``wanted`` units of ``day``; return how many were taken."""
    ProductionSlot.insert(shop=shop, day=day, used=0).on_conflict_ignore().execute()
    for _attempt in range(5):
        slot = ProductionSlot.get((ProductionSlot.shop == shop) & (ProductionSlot.day == day))
        take = min(capacity - slot.used, wanted)
        if take <= 0:
            return 0
        booked = ProductionSlot.update(used=ProductionSlot.used + take).where(
            (ProductionSlot.id == slot.id) & (ProductionSlot.used + take <= capacity)
        ).execute()
        if booked == 1:
            return take
        # Another checkout took part of this day between our read and our update.
    return 0


def release(order: Order) -> int:
    """Give back every unit ``order`` holds (inside the caller's transaction); returns the units."""
    given = 0
    for res in ProductionReservation.select().where(ProductionReservation.order == order):
        ProductionSlot.update(used=ProductionSlot.used - res.units).where(
            (ProductionSlot.shop == res.shop_id) & (ProductionSlot.day == res.day) & (ProductionSlot.used >= res.units)
        ).execute()
        given += res.units
    ProductionReservation.delete().where(ProductionReservation.order == order).execute()
    return given
