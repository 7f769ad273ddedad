"""Vouchers and points: the rules, the discounts offered at checkout, and the claims made at placement.

All amounts are whole Rupiah. A percentage voucher takes ``subtotal * percent // 100``
(rounded down, so the customer never pays a fraction and the shop never gives more
than promised). Vouchers and points reduce the goods subtotal only, never the delivery fee.
Counters change with conditional UPDATEs inside the placement transaction, so
two customers racing for a voucher's last use get one discount, and a balance
can never go below zero.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from plugins.loyalty import models as m
from portal import Discount, DiscountOffer, DiscountRefusal
from portal.core.db import db, utcnow
from portal.core.plugins import plugin_settings
from portal.i18n import rupiah, to_jakarta

NAME = "loyalty"
POINTS_CODE = "loyalty-points"


def today() -> dt.date:
    """Today in Jakarta: voucher validity dates are the shop's calendar days."""
    return to_jakarta(utcnow()).date()


def normalise_code(code: str) -> str:
    return " ".join(str(code or "").split()).upper()


def settings(shop) -> dict:
    s = plugin_settings(shop, NAME)
    return {
        "points_enabled": bool(s.get("points_enabled", True)),
        "rupiah_per_point": max(int(s.get("rupiah_per_point") or 10000), 1),
        "point_value": max(int(s.get("point_value") or 100), 1),
    }


# ---------------------------------------------------------------------------
# vouchers
# ---------------------------------------------------------------------------


def voucher_by_code(shop, code: str) -> m.LoyaltyVoucher | None:
    """This shop's voucher for ``code`` (any case); another shop's code is simply not found."""
    code = normalise_code(code)
    if not code:
        return None
    return m.LoyaltyVoucher.get_or_none((m.LoyaltyVoucher.shop == shop) & (m.LoyaltyVoucher.code == code))


def voucher_amount(voucher: m.LoyaltyVoucher, subtotal: int) -> int:
    if voucher.kind == m.PERCENT:
        return min(subtotal * int(voucher.value) // 100, subtotal)
    return min(int(voucher.value), subtotal)


def _uses_by(voucher, customer=None, email: str | None = None) -> int:
    query = m.LoyaltyVoucherUse.select().where((m.LoyaltyVoucherUse.voucher == voucher)
                                               & m.LoyaltyVoucherUse.released_at.is_null())
    if customer is not None:
        query = query.where((m.LoyaltyVoucherUse.customer == customer) | (m.LoyaltyVoucherUse.email == customer.email))
    elif email:
        query = query.where(m.LoyaltyVoucherUse.email == email.lower())
    else:
        return 0
    return query.count()


def voucher_refusal(voucher, subtotal: int, customer=None, email: str | None = None, on: dt.date | None = None):
    """Why ``voucher`` cannot be used now (a translated message), or ``None``."""
    on = on or today()
    if voucher is None or not voucher.is_active:
        return _("This voucher code is not valid.")
    if voucher.only_for_id is not None and (customer is None or customer.id != voucher.only_for_id):
        return _("This voucher is personal; log in with the account it was sent to.")
    if voucher.starts_on and on < voucher.starts_on:
        return _("This voucher can be used from %(date)s.", date=voucher.starts_on.strftime("%d-%m-%Y"))
    if voucher.ends_on and on > voucher.ends_on:
        return _("This voucher expired on %(date)s.", date=voucher.ends_on.strftime("%d-%m-%Y"))
    if subtotal < int(voucher.min_order or 0):
        return _("This voucher needs an order of at least %(amount)s.", amount=rupiah(voucher.min_order))
    if voucher.max_uses is not None and voucher.uses >= voucher.max_uses:
        return _("This voucher has been used up.")
    if voucher.per_customer is not None and _uses_by(voucher, customer, email) >= voucher.per_customer:
        return _("You have already used this voucher.")
    return None


def create_voucher(shop, code: str, kind: str, value: int, **fields) -> m.LoyaltyVoucher:
    with db.atomic():
        return m.LoyaltyVoucher.create(shop=shop, code=normalise_code(code), kind=kind, value=int(value), **fields)


def personal_code(prefix: str = "HALO") -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
    return f"{prefix}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def voucher_uses(voucher) -> list[m.LoyaltyVoucherUse]:
    return list(m.LoyaltyVoucherUse.select().where(m.LoyaltyVoucherUse.voucher == voucher)
                .order_by(m.LoyaltyVoucherUse.created_at.desc()))


# ---------------------------------------------------------------------------
# points
# ---------------------------------------------------------------------------


def balance(shop, customer) -> int:
    if customer is None:
        return 0
    row = m.LoyaltyAccount.get_or_none(shop=shop, customer=customer)
    return row.balance if row else 0


def history(shop, customer, limit: int | None = None):
    query = (m.LoyaltyPointEntry.select()
             .where((m.LoyaltyPointEntry.shop == shop) & (m.LoyaltyPointEntry.customer == customer))
             .order_by(m.LoyaltyPointEntry.created_at.desc(), m.LoyaltyPointEntry.id.desc()))
    return list(query.limit(limit) if limit else query)


def _account(shop, customer):
    m.LoyaltyAccount.insert(shop=shop, customer=customer, balance=0).on_conflict_ignore().execute()


def _move(shop, customer, points: int, kind: str, order=None, note: str = "", by=None) -> bool:
    """Write one ledger row and move the balance by ``points``; ``False`` if that would go below zero.

    Call inside a transaction. The balance moves by a conditional UPDATE; the
    ledger's unique (order, kind) makes a second earn or redeem for one order fail.
    """
    _account(shop, customer)
    query = m.LoyaltyAccount.update(balance=m.LoyaltyAccount.balance + points).where(
        (m.LoyaltyAccount.shop == shop) & (m.LoyaltyAccount.customer == customer))
    if points < 0:
        query = query.where(m.LoyaltyAccount.balance >= -points)
    if query.execute() != 1:
        return False
    m.LoyaltyPointEntry.create(shop=shop, customer=customer, kind=kind, points=points, order=order,
                               order_number=order.number if order is not None else "", note=note[:200], by=by)
    return True


def points_for(order, rupiah_per_point: int) -> int:
    """Points an order earns: what was paid for the goods (after discounts), per ``rupiah_per_point``, rounded down."""
    paid_for_goods = max(int(order.subtotal) - int(order.discount or 0), 0)
    return paid_for_goods // rupiah_per_point


def earn(order) -> int:
    """Credit the points of a delivered order, once; returns the points credited (0 when already done)."""
    if order.customer_id is None:
        return 0
    conf = settings(order.shop)
    if not conf["points_enabled"]:
        return 0
    points = points_for(order, conf["rupiah_per_point"])
    if points <= 0:
        return 0
    with db.atomic():
        if m.LoyaltyPointEntry.select().where((m.LoyaltyPointEntry.order == order)
                                              & (m.LoyaltyPointEntry.kind == m.EARNED)).exists():
            return 0
        _move(order.shop, order.customer, points, m.EARNED, order=order)
    return points


def adjust(shop, customer, points: int, note: str, by) -> bool:
    """A correction by staff; refused (``False``) if it would make the balance negative."""
    with db.atomic():
        return _move(shop, customer, points, m.ADJUSTED, note=note, by=by)


def release(order):
    """An order ended without delivery: give back redeemed points and the voucher uses it held."""
    with db.atomic():
        redeemed = m.LoyaltyPointEntry.get_or_none((m.LoyaltyPointEntry.order == order)
                                                   & (m.LoyaltyPointEntry.kind == m.REDEEMED))
        if redeemed is not None and not m.LoyaltyPointEntry.select().where(
                (m.LoyaltyPointEntry.order == order) & (m.LoyaltyPointEntry.kind == m.REFUNDED)).exists():
            _move(order.shop, redeemed.customer, -redeemed.points, m.REFUNDED, order=order)
        for use in m.LoyaltyVoucherUse.select().where((m.LoyaltyVoucherUse.order == order)
                                                      & m.LoyaltyVoucherUse.released_at.is_null()):
            done = m.LoyaltyVoucherUse.update(released_at=utcnow()).where(
                (m.LoyaltyVoucherUse.id == use.id) & m.LoyaltyVoucherUse.released_at.is_null()).execute()
            if done:
                m.LoyaltyVoucher.update(uses=m.LoyaltyVoucher.uses - 1).where(
                    (m.LoyaltyVoucher.id == use.voucher_id) & (m.LoyaltyVoucher.uses > 0)).execute()


# ---------------------------------------------------------------------------
# checkout
# ---------------------------------------------------------------------------


def discounts_for(shop, cart, customer, codes) -> list:
    """The answer to ``portal_checkout_discounts``: vouchers first, then points on what is left."""
    out = []
    subtotal = int(cart.subtotal)
    left = subtotal
    for code in codes:
        if code == POINTS_CODE:
            continue
        voucher = voucher_by_code(shop, code)
        if voucher is None:
            continue  # not ours: another plugin may know it, core refuses it otherwise
        refusal = voucher_refusal(voucher, subtotal, customer)
        if refusal:
            out.append(DiscountRefusal(code, refusal))
            continue
        amount = min(voucher_amount(voucher, subtotal), left)
        if amount > 0:
            left -= amount
            out.append(Discount(code, _("Voucher %(code)s", code=voucher.code), amount))
    conf = settings(shop)
    if customer is not None and conf["points_enabled"]:
        points = balance(shop, customer)
        usable = min(points, left // conf["point_value"])
        if usable > 0:
            out.append(DiscountOffer(POINTS_CODE, _("Use %(points)s of my %(balance)s points (-%(amount)s)",
                                                    points=usable, balance=points,
                                                    amount=rupiah(usable * conf["point_value"])),
                                     _("1 point = %(value)s", value=rupiah(conf["point_value"]))))
            if POINTS_CODE in codes:
                out.append(Discount(POINTS_CODE, _("%(points)s points redeemed", points=usable),
                                    usable * conf["point_value"]))
        elif POINTS_CODE in codes:
            out.append(DiscountRefusal(POINTS_CODE, _("You have no points to redeem on this order.")))
    return out


def claim(shop, order, discounts, customer) -> str | None:
    """The answer to ``portal_checkout_discounts_used``, inside the placement transaction."""
    for discount in discounts:
        if discount.code == POINTS_CODE:
            if customer is None:
                return _("Log in to redeem points.")
            points = discount.amount // settings(shop)["point_value"]
            if points <= 0 or not _move(shop, customer, -points, m.REDEEMED, order=order):
                return _("Your points balance has changed; nothing was ordered. Please check the total again.")
            continue
        voucher = voucher_by_code(shop, discount.code)
        refusal = voucher_refusal(voucher, int(order.subtotal), customer, order.email)
        if refusal:
            return refusal
        # The conditional UPDATE is the claim: of two placements racing for the last use,
        # one matches no row (it also locks the voucher row on PostgreSQL, so the
        # per-customer count below sees the other placement once it has committed).
        query = m.LoyaltyVoucher.update(uses=m.LoyaltyVoucher.uses + 1).where(
            (m.LoyaltyVoucher.id == voucher.id) & (m.LoyaltyVoucher.is_active == True))
        if voucher.max_uses is not None:
            query = query.where(m.LoyaltyVoucher.uses < voucher.max_uses)
        if query.execute() != 1:
            return _("Sorry, voucher %(code)s has just been used up; nothing was ordered.", code=voucher.code)
        if voucher.per_customer is not None and _uses_by(voucher, customer, order.email) >= voucher.per_customer:
            return _("You have already used this voucher.")
        m.LoyaltyVoucherUse.create(voucher=voucher, order=order, customer=customer, email=order.email.lower(),
                                   amount=discount.amount)
    return None


KIND_LABELS = {
    m.EARNED: _l("Earned"),
    m.REDEEMED: _l("Redeemed"),
    m.REFUNDED: _l("Given back"),
    m.ADJUSTED: _l("Adjusted"),
}
