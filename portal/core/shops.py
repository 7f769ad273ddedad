"""Shops and who works for them; the per-shop module switches."""
from __future__ import annotations

from portal.core.db import db, utcnow
from portal.core.models import SHOP_ROLES, Membership, Shop, ShopModule

DEFAULT_SETTINGS = {
    "payment_deadline_hours": 24,
    "daily_capacity": 4,
    "production_stages": ["cutting", "stitching", "soling", "finishing", "packing"],
    "delivery_fee": 25000,
}


def create_shop(slug: str, name: str, **fields) -> Shop:
    settings = {**DEFAULT_SETTINGS, **fields.pop("settings", {})}
    return Shop.create(slug=slug, name=name, settings=settings, **fields)


def shop_setting(shop: Shop, key: str):
    return (shop.settings or {}).get(key, DEFAULT_SETTINGS.get(key))


def add_member(shop: Shop, user, role: str) -> Membership:
    if role not in SHOP_ROLES:
        raise ValueError(f"unknown role {role!r}")
    with db.atomic():
        membership, created = Membership.get_or_create(shop=shop, user=user, defaults={"role": role})
        if not created and membership.role != role:
            membership.role = role
            membership.save()
    return membership


def members(shop: Shop, role: str | None = None):
    query = Membership.select().where(Membership.shop == shop)
    if role:
        query = query.where(Membership.role == role)
    return query


def set_module_enabled(shop: Shop, plugin: str, enabled: bool) -> ShopModule:
    """Flip a shop's switch for ``plugin``; never touches the plugin's own data."""
    with db.atomic():
        row, created = ShopModule.get_or_create(shop=shop, plugin=plugin, defaults={"enabled": enabled})
        if not created:
            row.enabled = enabled
            row.updated_at = utcnow()
            row.save()
    return row
