"""Turning a cart into an order: delivery options, and the one atomic placement.

``place_order`` does everything in a single write transaction (``BEGIN
IMMEDIATE`` on SQLite; row locks, conditional updates and unique indexes on
PostgreSQL): it takes the next order number, writes the order with the
checkout form's one-time key, takes stock with ``stock = stock - n WHERE stock
>= n`` (one refusal rolls the whole order back), books production capacity for
made-to-order lines, snapshots the lines, writes the first timeline event and
lets plugins write their part (``order_flow.plugin_writes``; a refusal there, or a
plugin's failure, rolls the order back). Only after commit are plugins and
notifications told. Prices, fees and totals are always computed here from the
database, never taken from the request.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import peewee
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core import accounts, capacity, discounts, numbers, order_flow
from portal.core.cart import Cart, is_made_to_order
from portal.core.db import atomic_write
from portal.core.models import Product, User
from portal.core.orders import COD, PLACED, TRANSFER, Order, OrderEvent, OrderItem
from portal.core.shops import shop_setting
from portal.plugin_api import DeliveryOption, Destination

log = logging.getLogger(__name__)

PICKUP = "pickup"
DELIVERY = "delivery"
# A write that lost a race (PostgreSQL deadlock or serialisation failure) is tried again.
ATTEMPTS = 3


class CheckoutError(Exception):
    """The order was not placed; ``str(err)`` says why, for the customer. Nothing was written."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)


class OutOfStock(CheckoutError):
    def __init__(self, product_name: str):
        super().__init__(_l("Sorry, %(product)s has just sold out. Nothing was ordered; please change your cart.",
                            product=product_name))
        self.product_name = product_name


@dataclass(frozen=True)
class Contact:
    """Who orders and where it goes, as typed at checkout (already validated)."""

    name: str
    email: str
    phone: str
    address: str = ""
    city: str = ""
    postal_code: str = ""
    note: str = ""
    district: str = ""

    def destination(self) -> Destination:
        """Where the order goes, as the delivery options are priced for it."""
        return Destination(city=self.city.strip(), district=self.district.strip(), postcode=self.postal_code.strip())


@dataclass(frozen=True)
class Placement:
    order: Order
    # False when the one-time key found an order placed by an earlier submit.
    created: bool
    # Set when the guest asked for an account and got one.
    new_user: User | None = None


def delivery_options(shop, cart: Cart, destination: Destination | None = None) -> list[DeliveryOption]:
    """Core's pick-up and flat-fee delivery, then the options of the shop's enabled plugins."""
    destination = destination or Destination()
    options = [
        DeliveryOption(PICKUP, _l("Pick up at the workshop"), 0, shop.address or "", needs_address=False),
        DeliveryOption(DELIVERY, _l("Delivery to your address"), _fee(shop_setting(shop, "delivery_fee")),
                       _l("Flat fee anywhere we deliver.")),
    ]
    registry = current_app.extensions["portal"]
    seen = {o.code for o in options}
    for plugin, offered in registry.call_isolated("portal_checkout_delivery_options", shop, shop=shop, cart=cart,
                                                   destination=destination):
        for option in offered or []:
            # A plugin's mistake must not break checkout or undercut core's options.
            if not isinstance(option, DeliveryOption) or option.code in seen or _fee(option.fee) != option.fee:
                log.warning("plugin %s offered an unusable delivery option %r", plugin, option)
                continue
            seen.add(option.code)
            options.append(option)
    return options


def _fee(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def find_order_by_key(shop, key: str | None) -> Order | None:
    if not key:
        return None
    return Order.get_or_none((Order.shop == shop) & (Order.idempotency_key == key))


def place_order(shop, cart: Cart, contact: Contact, delivery_code: str, customer: User | None = None,
                idempotency_key: str | None = None, locale: str = "id", new_password: str | None = None,
                codes=()) -> Placement:
    """Place ``cart`` as an order of ``shop``; atomic and idempotent per ``idempotency_key``.

    :param customer: the logged-in user, or ``None`` for a guest.
    :param codes: voucher codes and ticked discount offers; the plugins are asked again
        inside the transaction and claim what they grant there (a refusal refuses the order).
    :param new_password: a guest's password to create an account with, in the same transaction.
    :raises CheckoutError: (``OutOfStock`` for a line that sold out) nothing was written.
    :return: the order and whether this call created it.
    """
    existing = find_order_by_key(shop, idempotency_key)
    if existing is not None:
        return _replay(existing, customer)
    if cart.is_empty:
        raise CheckoutError(_l("Your cart is empty."))
    # The fee is the one offered for this destination now, whatever the form showed.
    options = {o.code: o for o in delivery_options(shop, cart, contact.destination())}
    option = options.get(delivery_code)
    if option is None:
        raise CheckoutError(_l("Choose a delivery method."), field="delivery")
    if option.needs_address and not (contact.address.strip() and contact.city.strip() and contact.postal_code.strip()):
        raise CheckoutError(_l("This delivery method needs your address, city and postal code."), field="address")
    password_hash = accounts.hash_password(new_password) if (new_password and customer is None) else None

    last_error = None
    for _attempt in range(ATTEMPTS):
        try:
            order, new_user = _place(shop, cart, contact, option, customer, idempotency_key, locale, password_hash,
                                     codes)
            break
        except OutOfStock:
            existing = find_order_by_key(shop, idempotency_key)
            if existing is not None:  # our own double submit won the race for the last pair
                return _replay(existing, customer)
            raise
        except order_flow.PluginWriteFailed as failed:
            failed.report(shop)
            raise CheckoutError(_l("Your order could not be recorded just now; nothing was ordered. "
                                   "Please try again.")) from failed
        except (peewee.IntegrityError, peewee.OperationalError) as exc:
            # A concurrent submit with the same key, or a lost lock race: look, then try again.
            existing = find_order_by_key(shop, idempotency_key)
            if existing is not None:
                return _replay(existing, customer)
            last_error = exc
            log.warning("order placement for %s retried after %r", shop.slug, exc)
    else:
        log.error("order placement for %s failed: %r", shop.slug, last_error)
        raise CheckoutError(_l("The shop is very busy right now; nothing was ordered. Please try again."))

    actor = customer or new_user
    order_flow.after_commit(order, "place", None, PLACED, actor, "customer")
    return Placement(order=order, created=True, new_user=new_user)


def _replay(existing: Order, customer: User | None) -> Placement:
    # The key is a secret of one checkout form; it never hands one customer's order to another
    # logged-in customer (a guest twin of a submit that created an account gets through).
    if customer is not None and existing.customer_id not in (None, customer.id):
        raise CheckoutError(_l("This checkout form was already used. Please open the checkout page again."))
    return Placement(order=existing, created=False)


def _place(shop, cart, contact, option, customer, key, locale, password_hash, codes=()):
    wanted = {line.product.id: line.quantity for line in cart.lines}
    with atomic_write():
        if key and find_order_by_key(shop, key) is not None:
            # On SQLite the IMMEDIATE lock serialises submits, so a twin is already committed.
            raise peewee.IntegrityError("idempotency key already used")
        products = {p.id: p for p in Product.select().where((Product.shop == shop) & (Product.id.in_(list(wanted))))}
        lines = []
        for product_id, quantity in wanted.items():
            product = products.get(product_id)
            if product is None or not product.is_active:
                name = product.name if product else _l("a product in your cart")
                raise CheckoutError(_l("%(product)s is no longer available; nothing was ordered.", product=name))
            lines.append((product, quantity, is_made_to_order(product)))

        new_user = None
        if password_hash is not None:
            email = accounts.normalise_email(contact.email)
            if User.select().where(User.email == email).exists():
                raise CheckoutError(_l("An account with this e-mail already exists. Please log in first."),
                                    field="email")
            new_user = User.create(email=email, name=contact.name.strip(), phone=contact.phone,
                                   password_hash=password_hash, locale=locale)
        buyer = customer or new_user

        subtotal = sum(int(p.price) * q for p, q, _ in lines)
        # Discounts are asked for again here, so a voucher that expired or ran out since the
        # customer applied it is refused now; the total never goes below zero.
        quote = discounts.quote(shop, cart, buyer, codes, cap=subtotal + option.fee) if codes else discounts.Quote()
        if quote.refusals:
            raise CheckoutError(next(iter(quote.refusals.values())), field="voucher_code")
        order = Order.create(
            shop=shop, number=numbers.next_number(shop), customer=buyer,
            name=contact.name.strip(), email=contact.email.strip(), phone=contact.phone.strip(),
            address=contact.address.strip() if option.needs_address else "",
            city=contact.city.strip() if option.needs_address else "",
            postal_code=contact.postal_code.strip() if option.needs_address else "",
            district=contact.district.strip()[:80] if option.needs_address else "",
            payment_method=COD if option.cash_on_delivery else TRANSFER,
            note=contact.note.strip(), locale=locale,
            delivery_method=option.code, delivery_label=str(option.label)[:120], delivery_fee=option.fee,
            subtotal=subtotal, discount=quote.total, discounts=quote.as_rows(),
            total=subtotal + option.fee - quote.total, status=PLACED, idempotency_key=key or None,
        )
        if quote.granted:
            refusal = discounts.claim(shop, order, quote.granted, buyer)
            if refusal:
                raise CheckoutError(refusal, field="voucher_code")
        # Lock rows in id order so two orders sharing products cannot deadlock on PostgreSQL.
        for product, quantity, made_to_order in sorted(lines, key=lambda x: x[0].id):
            if made_to_order:
                continue
            taken = Product.update(stock=Product.stock - quantity).where(
                (Product.id == product.id) & (Product.stock >= quantity) & (Product.is_active == True)
            ).execute()
            if taken != 1:
                raise OutOfStock(product.name)
        OrderItem.insert_many([
            {"order": order.id, "product": p.id, "name": p.name, "unit_price": int(p.price), "quantity": q,
             "made_to_order": mto, "line_total": int(p.price) * q}
            for p, q, mto in lines
        ]).execute()
        units = sum(q for _, q, mto in lines if mto)
        if units:
            lead = max(int(p.lead_time_days or 0) for p, _, mto in lines if mto)
            try:
                ready = capacity.reserve(shop, order, units, lead)
            except capacity.CapacityError:
                raise CheckoutError(_l("The workshop is fully booked for the coming year; please order fewer pieces.")) from None
            Order.update(ready_by=ready).where(Order.id == order.id).execute()
        OrderEvent.create(order=order, kind="status", action="place", from_status=None, to_status=PLACED,
                          actor=buyer, actor_role="customer", public=True)
        # The plugins' part of the placement, in its transaction, as for every later status change.
        try:
            order_flow.plugin_writes(order, "place", None, PLACED, buyer, "customer")
        except order_flow.PluginWriteFailed:
            raise  # reported by ``place_order`` once this transaction has rolled back
        except order_flow.TransitionError as refusal:
            raise CheckoutError(str(refusal)) from refusal
    return Order.get_by_id(order.id), new_user
