"""The shopping cart: product ids and quantities in the session, everything else from the database.

The session (guests have one too) keeps only ``{shop id: {product id: quantity}}``.
Every request rebuilds the cart from the products as they are now, so a price,
a name or a stock level never comes from the client: a product switched off or
deleted drops out with a notice, and a line asking for more than is left is cut
down to what is left, also with a notice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import session
from flask_babel import lazy_gettext as _l

from portal.core.models import Product

SESSION_KEY = "cart"
# Nobody orders a hundred pairs through a web form; bigger orders are a phone call.
MAX_QUANTITY = 99
# Keeps the session cookie small.
MAX_LINES = 30


class CartError(ValueError):
    """A refused cart change; ``str(err)`` is the message for the customer. Nothing changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


def is_made_to_order(product: Product) -> bool:
    """Made to order: takes production capacity instead of stock."""
    return bool(product.made_to_order) or product.stock is None


def parse_quantity(value) -> int:
    """A quantity typed by a customer, as an int, or :class:`CartError` with the reason."""
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartError(_l("Enter the quantity as a whole number.")) from None
    if quantity < 1:
        raise CartError(_l("The quantity must be at least 1."))
    if quantity > MAX_QUANTITY:
        raise CartError(_l("You can order at most %(n)s of one product.", n=MAX_QUANTITY))
    return quantity


def check_stock(product: Product, quantity: int):
    if not is_made_to_order(product) and quantity > (product.stock or 0):
        if not product.stock:
            raise CartError(_l("%(product)s is sold out.", product=product.name))
        raise CartError(_l("Only %(n)s left of %(product)s.", n=product.stock, product=product.name))


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def unit_price(self) -> int:
        return int(self.product.price)

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def made_to_order(self) -> bool:
        return is_made_to_order(self.product)

    @property
    def weight_grams(self) -> int:
        return int(self.product.weight_grams or 0) * self.quantity


@dataclass
class Cart:
    """A shop's cart as it stands now; change it with :meth:`add`, :meth:`update`, :meth:`remove`."""

    shop: object
    lines: list[CartLine] = field(default_factory=list)
    # Things the customer should know about changes we made (sold out, removed).
    notices: list = field(default_factory=list)

    # -- reading -----------------------------------------------------------
    @classmethod
    def load(cls, shop) -> Cart:
        raw = _raw(shop)
        cart = cls(shop=shop)
        if not raw:
            return cart
        products = {p.id: p for p in Product.select().where((Product.shop == shop) & (Product.id.in_(list(raw))))}
        changed = False
        for product_id, quantity in list(raw.items()):
            product = products.get(product_id)
            if product is None:
                cart.notices.append(_l("A product in your cart is no longer sold and was removed."))
                del raw[product_id]
                changed = True
                continue
            if not product.is_active:
                cart.notices.append(_l("%(product)s is no longer available and was removed from your cart.", product=product.name))
                del raw[product_id]
                changed = True
                continue
            if not is_made_to_order(product) and quantity > (product.stock or 0):
                if not product.stock:
                    cart.notices.append(_l("%(product)s sold out and was removed from your cart.", product=product.name))
                    del raw[product_id]
                    changed = True
                    continue
                cart.notices.append(
                    _l("Only %(n)s left of %(product)s; your cart now has %(n)s.", n=product.stock, product=product.name)
                )
                quantity = raw[product_id] = product.stock
                changed = True
            cart.lines.append(CartLine(product=product, quantity=quantity))
        if changed:
            _save(shop, raw)
        return cart

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def total_weight(self) -> int:
        """Total weight in grams (for delivery plugins that price by weight)."""
        return sum(line.weight_grams for line in self.lines)

    @property
    def made_to_order_units(self) -> int:
        return sum(line.quantity for line in self.lines if line.made_to_order)

    @property
    def lead_time_days(self) -> int:
        """The longest lead time among the made-to-order lines."""
        return max((int(line.product.lead_time_days or 0) for line in self.lines if line.made_to_order), default=0)

    def line_for(self, product_id: int) -> CartLine | None:
        return next((line for line in self.lines if line.product.id == product_id), None)

    # -- changing ----------------------------------------------------------
    def add(self, product: Product, quantity) -> CartLine:
        """Add ``quantity`` of ``product`` (on top of what is already in the cart).

        :raises CartError: bad quantity, inactive product, or more than is in stock.
        """
        quantity = parse_quantity(quantity)
        if product.shop_id != self.shop.id or not product.is_active:
            raise CartError(_l("This product is not available."))
        existing = self.line_for(product.id)
        total = quantity + (existing.quantity if existing else 0)
        if total > MAX_QUANTITY:
            raise CartError(_l("You can order at most %(n)s of one product.", n=MAX_QUANTITY))
        check_stock(product, total)
        if existing is None and len(self.lines) >= MAX_LINES:
            raise CartError(_l("Your cart is full; please check out first."))
        if existing is None:
            existing = CartLine(product=product, quantity=total)
            self.lines.append(existing)
        else:
            existing.product = product
            existing.quantity = total
        self._store()
        return existing

    def update(self, product_id: int, quantity) -> CartLine:
        """Set the quantity of a line already in the cart.

        :raises CartError: bad quantity, unknown line, or more than is in stock.
        """
        line = self.line_for(product_id)
        if line is None:
            raise CartError(_l("That product is not in your cart."))
        quantity = parse_quantity(quantity)
        check_stock(line.product, quantity)
        line.quantity = quantity
        self._store()
        return line

    def remove(self, product_id: int) -> bool:
        line = self.line_for(product_id)
        if line is None:
            return False
        self.lines.remove(line)
        self._store()
        return True

    def clear(self):
        self.lines = []
        self._store()

    def _store(self):
        _save(self.shop, {line.product.id: line.quantity for line in self.lines})


def _raw(shop) -> dict[int, int]:
    """The session's ``{product id: quantity}`` for ``shop``, dropping anything malformed."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    lines = stored.get(str(shop.id))
    if not isinstance(lines, dict):
        return {}
    out = {}
    for key, value in list(lines.items())[:MAX_LINES]:
        try:
            product_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            continue
        if 0 < quantity <= MAX_QUANTITY:
            out[product_id] = quantity
    return out


def _save(shop, lines: dict[int, int]):
    stored = session.get(SESSION_KEY)
    stored = dict(stored) if isinstance(stored, dict) else {}
    if lines:
        stored[str(shop.id)] = {str(k): v for k, v in lines.items()}
    else:
        stored.pop(str(shop.id), None)
    session[SESSION_KEY] = stored


def count_in_session(shop) -> int:
    """Number of items in ``shop``'s cart without touching the database (for the nav badge)."""
    if shop is None:
        return 0
    return sum(_raw(shop).values())
