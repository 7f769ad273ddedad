"""Discounts at checkout: asking the shop's plugins for vouchers and offers, and claiming them.

Core knows no voucher or point itself. ``quote`` asks ``portal_checkout_discounts``
of the shop's enabled plugins and sanitises the answers (whole Rupiah above zero,
one grant per code, the sum never above what the order costs); ``claim`` tells each
granting plugin, inside the placement transaction, through
``portal_checkout_discounts_used`` — a refusal there rolls the placement back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import peewee
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.plugin_api import Discount, DiscountOffer, DiscountRefusal

log = logging.getLogger(__name__)

HOOK = "portal_checkout_discounts"
USED_HOOK = "portal_checkout_discounts_used"
MAX_CODES = 5


@dataclass
class Quote:
    """What the plugins answered for one set of codes."""

    # (plugin name, discount), in the order granted; amounts already capped.
    granted: list[tuple[str, Discount]] = field(default_factory=list)
    offers: list[DiscountOffer] = field(default_factory=list)
    # code -> the reason it is not honoured (unknown codes included).
    refusals: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(d.amount for _, d in self.granted)

    @property
    def discounts(self) -> list[Discount]:
        return [d for _, d in self.granted]

    def as_rows(self) -> list[dict]:
        """What the order keeps of them (``Order.discounts``)."""
        return [{"plugin": p, "code": d.code, "label": str(d.label)[:200], "amount": d.amount} for p, d in self.granted]


def available(shop) -> bool:
    """Whether any plugin the shop has on can grant discounts (else checkout shows no voucher field)."""
    registry = current_app.extensions["portal"]
    enabled = registry.enabled_for(shop)
    return any(impl.plugin_name in enabled for impl in registry._impls(HOOK))


def normalise_codes(codes) -> tuple[str, ...]:
    """Stripped, non-empty, case-insensitively unique, at most ``MAX_CODES``."""
    seen, out = set(), []
    for code in codes or ():
        code = " ".join(str(code).split())[:64]
        if code and code.casefold() not in seen:
            seen.add(code.casefold())
            out.append(code)
    return tuple(out[:MAX_CODES])


def quote(shop, cart, customer, codes, cap: int) -> Quote:
    """Ask the shop's plugins about ``codes``; the granted amounts never add up to more than ``cap``."""
    codes = normalise_codes(codes)
    registry = current_app.extensions["portal"]
    result = Quote()
    answered = set()
    offer_codes = set()
    remaining = max(int(cap), 0)
    for plugin, items in registry.call_isolated(HOOK, shop, shop=shop, cart=cart, customer=customer, codes=codes):
        for item in items or []:
            if isinstance(item, DiscountOffer):
                if item.code.casefold() not in offer_codes:
                    offer_codes.add(item.code.casefold())
                    result.offers.append(item)
            elif isinstance(item, DiscountRefusal):
                answered.add(item.code.casefold())
                result.refusals.setdefault(item.code, str(item.message))
            elif (isinstance(item, Discount) and isinstance(item.amount, int) and not isinstance(item.amount, bool)
                  and item.amount > 0 and item.code.casefold() not in answered):
                answered.add(item.code.casefold())
                amount = min(item.amount, remaining)
                if amount <= 0:
                    continue
                remaining -= amount
                result.granted.append((plugin, Discount(item.code, item.label, amount)))
            else:
                log.warning("plugin %s gave an unusable discount %r", plugin, item)
    for code in codes:
        if code.casefold() not in answered and code.casefold() not in offer_codes:
            result.refusals[code] = str(_l("%(code)s is not a valid voucher code here.", code=code))
        elif code.casefold() in offer_codes and code.casefold() not in answered:
            # An offer ticked but not granted (the points were spent meanwhile, say).
            result.refusals[code] = str(_l("This discount is no longer available."))
    return result


def claim(shop, order, granted: list[tuple[str, Discount]], customer) -> str | None:
    """Tell each granting plugin, inside the placement transaction; the first refusal is returned."""
    registry = current_app.extensions["portal"]
    by_plugin: dict[str, list[Discount]] = {}
    for plugin, discount in granted:
        by_plugin.setdefault(plugin, []).append(discount)
    for plugin, discounts in by_plugin.items():
        try:
            refusal = registry.call_one(plugin, USED_HOOK, shop=shop, order=order, discounts=discounts,
                                        customer=customer)
        except (peewee.IntegrityError, peewee.OperationalError):
            raise  # a lost race: the placement is retried as a whole
        except Exception:  # noqa: BLE001 - unknown whether it claimed: refuse, nothing is written
            log.exception("plugin %s failed to claim discounts for order %s", plugin, order.number)
            return str(_l("A discount could not be applied; nothing was ordered. Please try again."))
        if refusal:
            return str(refusal)
    return None
