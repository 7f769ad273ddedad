"""Shops and who works for them; the per-shop module switches; the platform's allow-list."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from portal.core import changes
from portal.core.db import atomic_write, db, utcnow
from portal.core.models import ROLE_OWNER as ROLE_OWNER_NAME
from portal.core.models import SHOP_ROLES, Membership, PlatformPlugin, Shop, ShopModule

DEFAULT_SETTINGS = {
    "payment_deadline_hours": 24,
    "daily_capacity": 4,
    "production_stages": ["cutting", "stitching", "soling", "finishing", "packing"],
    "delivery_fee": 25000,
}


# Every request to a shop's pages starts by finding the shop; keep the row per process
# until a global write (shop rows count as global: portal.core.changes), and hand each
# request its own copy.
_active_shops = changes.GenerationCache(scope=changes.GLOBAL)
# The id last found at each slug: the request's first look at the write counters fetches
# that shop's too (a renamed shop's guess only costs a second look).
_shop_ids: dict[str, int] = {}


def active_shop(slug: str) -> Shop | None:
    """The active shop at ``slug``, or ``None`` (a fresh instance each call: callers may change it)."""
    known = _shop_ids.get(slug)
    if known is not None:
        changes.expect_shop(known)
    shop = _active_shops.get_instance(
        slug, Shop, lambda: Shop.get_or_none((Shop.slug == slug) & (Shop.is_active == True)))  # noqa: E712
    if shop is not None and known != shop.id:
        _shop_ids[slug] = shop.id
    return shop


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


# ---------------------------------------------------------------------------
# platform administration: new shops, their owners, on/off, plugin allow-list
# ---------------------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
ORDER_PREFIX_RE = re.compile(r"^[A-Z]{2,6}$")


class ShopError(ValueError):
    """A shop that cannot be created as asked; ``field`` names the form field at fault."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def slug_taken(slug: str) -> bool:
    return Shop.select().where(Shop.slug == slug).exists()


def create_shop_with_owner(slug: str, name: str, owner_email: str, owner_name: str = "",
                           order_prefix: str = "ORD", invited_by=None, lang: str | None = None):
    """Create a shop and give it an owner: an existing account at once, anybody else by invitation.

    Needs a request context (the invitation link is absolute; the CLI uses a
    test request context on ``PORTAL_BASE_URL``).

    :return: ``(shop, link)`` where ``link`` is the invitation link mailed to a
        new owner, or ``None`` when the account already existed and is owner now.
    :raises ShopError: bad or taken slug, bad order prefix, empty name.
    """
    from portal.core import invitations
    from portal.core.accounts import normalise_email
    from portal.core.models import ROLE_OWNER, User

    slug = (slug or "").strip()
    order_prefix = (order_prefix or "").strip().upper()
    if not SLUG_RE.match(slug):
        raise ShopError("slug", _l("Use lower-case letters, digits and hyphens only."))
    if not (name or "").strip():
        raise ShopError("name", _l("This field is required."))
    if not ORDER_PREFIX_RE.match(order_prefix):
        raise ShopError("order_prefix", _l("Use 2 to 6 capital letters, e.g. CBD."))
    email = normalise_email(owner_email)
    owner = User.get_or_none(User.email == email)
    token = None
    try:
        with db.atomic():
            shop = create_shop(slug=slug, name=name.strip(), order_prefix=order_prefix)
            if owner is not None:
                add_member(shop, owner, ROLE_OWNER)
            else:
                invitation, token = invitations.create_invitation(shop, email, ROLE_OWNER, invited_by)
    except IntegrityError as exc:  # two admins racing for the same slug
        raise ShopError("slug", _l("This address is already taken.")) from exc
    if token is None:
        return shop, None
    # Mail after the commit: a failed shop creation must not send a dangling link.
    return shop, invitations.send_invitation(invitation, token, name=owner_name, lang=lang)


def set_shop_active(shop: Shop, active: bool):
    """Take a shop off the platform (its pages answer 404) or bring it back; nothing is deleted."""
    shop.is_active = active
    shop.save(only=[Shop.is_active])


class LastOwnerError(ValueError):
    """Removing this membership would leave the shop without an owner."""


def revoke_membership(shop: Shop, membership_id: int) -> Membership | None:
    """Remove a member from ``shop`` (never the last owner); ``None`` if no such member."""
    with atomic_write():
        membership = Membership.get_or_none((Membership.id == membership_id) & (Membership.shop == shop))
        if membership is None:
            return None
        if membership.role == ROLE_OWNER_NAME:
            owners = Membership.select().where((Membership.shop == shop) & (Membership.role == ROLE_OWNER_NAME)).count()
            if owners <= 1:
                raise LastOwnerError("last owner")
        membership.delete_instance()
    return membership


def set_platform_plugin_allowed(name: str, allowed: bool) -> PlatformPlugin:
    """The platform admin's allow-list switch; shops' own switches and data stay as they are."""
    with db.atomic():
        row, created = PlatformPlugin.get_or_create(name=name, defaults={"allowed": allowed})
        if not created:
            row.allowed = allowed
            row.updated_at = utcnow()
            row.save()
    return row
