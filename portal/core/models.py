"""Core tables: shops, people and their roles, the catalogue, modules, mail.

Order tables live in ``portal.core.orders``; plugins define their own models on
``portal.core.db.Model`` and hand them over through ``portal_register_models``.
"""
from __future__ import annotations

import secrets

import peewee as pw

from portal.core.db import JSONField, Model, utcnow

ROLE_OWNER = "owner"
ROLE_STAFF = "staff"
ROLE_SUPPLIER = "supplier"
ROLE_COURIER = "courier"
SHOP_ROLES = (ROLE_OWNER, ROLE_STAFF, ROLE_SUPPLIER, ROLE_COURIER)
# Roles that run the shop and may see its back office.
STAFF_ROLES = (ROLE_OWNER, ROLE_STAFF)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class User(Model):
    email = pw.CharField(max_length=254, unique=True)
    name = pw.CharField(max_length=120)
    phone = pw.CharField(max_length=20, default="")
    password_hash = pw.CharField(max_length=255)
    locale = pw.CharField(max_length=5, null=True)
    is_admin = pw.BooleanField(default=False)
    is_active_flag = pw.BooleanField(default=True, column_name="is_active")
    # Rotated on log-out and password change: every session cookie carries it,
    # so rotating it ends all existing sessions of this user.
    auth_token = pw.CharField(max_length=64, default=new_token, index=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_login_at = pw.DateTimeField(null=True)

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.is_active_flag

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.auth_token


class Shop(Model):
    slug = pw.CharField(max_length=60, unique=True)
    name = pw.CharField(max_length=120)
    tagline = pw.CharField(max_length=200, default="")
    story = pw.TextField(default="")
    address = pw.TextField(default="")
    city = pw.CharField(max_length=80, default="")
    postal_code = pw.CharField(max_length=10, default="")
    phone = pw.CharField(max_length=20, default="")
    whatsapp = pw.CharField(max_length=20, default="")
    email = pw.CharField(max_length=254, default="")
    opening_hours = pw.TextField(default="")
    # [{"bank": "BCA", "number": "1234567890", "holder": "..."}]
    bank_accounts = JSONField(default=list)
    order_prefix = pw.CharField(max_length=6, default="ORD")
    settings = JSONField(default=dict)
    is_active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)


class Membership(Model):
    user = pw.ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    shop = pw.ForeignKeyField(Shop, backref="memberships", on_delete="CASCADE")
    role = pw.CharField(max_length=16)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "shop"), True),)


class Invitation(Model):
    shop = pw.ForeignKeyField(Shop, backref="invitations", on_delete="CASCADE")
    email = pw.CharField(max_length=254)
    role = pw.CharField(max_length=16)
    token_hash = pw.CharField(max_length=64, unique=True)
    invited_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    accepted_at = pw.DateTimeField(null=True)


class Category(Model):
    shop = pw.ForeignKeyField(Shop, backref="categories", on_delete="CASCADE")
    name = pw.CharField(max_length=80)
    slug = pw.CharField(max_length=80)
    description = pw.TextField(default="")
    position = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("shop", "slug"), True),)


class Product(Model):
    shop = pw.ForeignKeyField(Shop, backref="products", on_delete="CASCADE")
    category = pw.ForeignKeyField(Category, backref="products", null=True, on_delete="SET NULL")
    name = pw.CharField(max_length=120)
    slug = pw.CharField(max_length=120)
    description = pw.TextField(default="")
    price = pw.BigIntegerField()  # integer Rupiah
    # None for made-to-order products: they take production capacity, not stock.
    stock = pw.IntegerField(null=True)
    made_to_order = pw.BooleanField(default=False)
    lead_time_days = pw.IntegerField(default=0)
    weight_grams = pw.IntegerField(default=1000)
    is_active = pw.BooleanField(default=True)
    position = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("shop", "slug"), True),
            (("shop", "is_active", "position", "id"), False),
            (("category", "is_active", "position", "id"), False),
            # The catalogue's sorts (newest, price), in the shop and in a category: the
            # first page reads a few index entries however many products there are.
            (("shop", "is_active", "created_at", "id"), False),
            (("shop", "is_active", "price", "id"), False),
            (("category", "is_active", "created_at", "id"), False),
            (("category", "is_active", "price", "id"), False),
        )
        constraints = (pw.Check("price >= 0"), pw.Check("stock IS NULL OR stock >= 0"))

    @property
    def in_stock(self) -> bool:
        return self.made_to_order or (self.stock or 0) > 0


class ProductImage(Model):
    product = pw.ForeignKeyField(Product, backref="images", on_delete="CASCADE")
    # Generated base name under MEDIA_DIR/products/; sizes are suffixed.
    filename = pw.CharField(max_length=120)
    alt = pw.CharField(max_length=200, default="")
    position = pw.IntegerField(default=0)


class PlatformPlugin(Model):
    """The platform admin's allow-list: which installed plugins shops may enable."""

    name = pw.CharField(max_length=60, unique=True)
    allowed = pw.BooleanField(default=True)
    # Set when the plugin misbehaved (start-up refusal or a raising hook), shown to owners.
    last_error = pw.TextField(default="")
    updated_at = pw.DateTimeField(default=utcnow)


class ShopModule(Model):
    """A shop's switch and settings for one plugin; data is never deleted on switch-off."""

    shop = pw.ForeignKeyField(Shop, backref="modules", on_delete="CASCADE")
    plugin = pw.CharField(max_length=60)
    enabled = pw.BooleanField(default=True)
    settings = JSONField(default=dict)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("shop", "plugin"), True),)


class OutboxMail(Model):
    """Every e-mail the portal sends, kept as a record and as the queue's payload."""

    shop = pw.ForeignKeyField(Shop, null=True, backref="mails", on_delete="SET NULL")
    to = pw.CharField(max_length=254)
    subject = pw.CharField(max_length=250)
    body_text = pw.TextField()
    body_html = pw.TextField(default="")
    # Extra headers, name -> value (e.g. List-Unsubscribe); checked by ``mail.queue_mail`` (migration 0005).
    headers = JSONField(default=dict)
    # queued -> sent | outbox (no SMTP configured) | failed (after retries)
    status = pw.CharField(max_length=10, default="queued", index=True)
    attempts = pw.IntegerField(default=0)
    error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)


class Migration(Model):
    """Applied schema migrations, per app (``core`` or a plugin name)."""

    app = pw.CharField(max_length=60)
    name = pw.CharField(max_length=120)
    applied_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "portal_migration"
        indexes = ((("app", "name"), True),)


CORE_MODELS = [
    User,
    Shop,
    Membership,
    Invitation,
    Category,
    Product,
    ProductImage,
    PlatformPlugin,
    ShopModule,
    OutboxMail,
]
