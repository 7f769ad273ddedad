"""Checkout: the customer's details, a delivery method, and placing the order.

The form carries a one-time ``idempotency_key`` made when it is rendered, so a
double click or a retried POST lands on the same order instead of a second one.
Only the fields of ``CheckoutForm`` are read; prices, fees, totals and the status
come from the server whatever else is posted.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from portal.core import accounts, capacity, discounts
from portal.core.cart import Cart
from portal.core.checkout import (
    CheckoutError,
    Contact,
    delivery_options,
    find_order_by_key,
    place_order,
)
from portal.core.models import User
from portal.core.orders import Order
from portal.forms import EmailAddress, IndonesianPhone, NoControlChars
from portal.htmx import is_htmx, render_page
from portal.i18n import current_language
from portal.plugin_api import Destination
from portal.web.orders import grant_order

bp = Blueprint("checkout", __name__, url_prefix="/s/<shop_slug>/checkout")

KEY_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


def new_key() -> str:
    return secrets.token_urlsafe(24)


class CheckoutForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), NoControlChars()])
    phone = TelField(_l("Phone (WhatsApp)"), validators=[DataRequired(), IndonesianPhone(), Length(max=30)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])
    delivery = RadioField(_l("Delivery"), validators=[InputRequired(message=_l("Choose a delivery method."))],
                          validate_choice=True)
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    district = StringField(_l("District (kecamatan)"), validators=[Optional(), Length(max=80), NoControlChars()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=80), NoControlChars()])
    postal_code = StringField(_l("Postal code"), validators=[
        Optional(), Regexp(r"^\d{5}$", message=_l("A postal code has 5 digits."))])
    note = TextAreaField(_l("Note for the workshop"), validators=[Optional(), Length(max=1000)],
                         description=_l("Size, colour, stitching… e.g. \"size 42, brown stitching\"."))
    create_account = BooleanField(_l("Create an account so I can follow all my orders"))
    password = PasswordField(_l("Password for the new account"), validators=[Optional(), Length(max=200)])
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(KEY_PATTERN)], default=new_key)
    # The subtotal the customer was shown; only compared, never charged: a price that
    # changed meanwhile sends them back to look at the new total.
    seen_subtotal = HiddenField()
    # Shown only when a plugin of the shop grants discounts (vouchers, loyalty points).
    voucher_code = StringField(_l("Voucher code"), validators=[Optional(), Length(max=64), NoControlChars()])
    # Ticked discount offers (e.g. "redeem my points"); their codes go to the plugins as they are.
    offers = SelectMultipleField(_l("Discounts"), choices=[], validate_choice=False)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_options(options)

    def set_options(self, options):
        self.options = {o.code: o for o in options}
        self.delivery.choices = [(o.code, str(o.label)) for o in options]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        option = self.options.get(self.delivery.data)
        if option is not None and option.needs_address:
            for f, message in ((self.address, _l("Enter the delivery address.")),
                               (self.city, _l("Enter the city.")),
                               (self.postal_code, _l("Enter the postal code."))):
                if not (f.data or "").strip():
                    f.errors = [*f.errors, message]
                    ok = False
        if self.create_account.data and not current_user.is_authenticated:
            password = self.password.data or ""
            if len(password) < accounts.MIN_PASSWORD_LENGTH:
                self.password.errors = [*self.password.errors, _l(
                    "Choose a password of at least %(n)s characters.", n=accounts.MIN_PASSWORD_LENGTH)]
                ok = False
            if self.email.data and User.select().where(User.email == accounts.normalise_email(self.email.data)).exists():
                self.email.errors = [*self.email.errors, _l(
                    "An account with this e-mail already exists. Log in to order with it, or untick \"Create an account\".")]
                ok = False
        return ok

    def contact(self) -> Contact:
        return Contact(name=self.name.data, email=self.email.data, phone=self.phone.data,
                       address=self.address.data or "", city=self.city.data or "",
                       postal_code=self.postal_code.data or "", note=self.note.data or "",
                       district=self.district.data or "")


def _prefill(form: CheckoutForm):
    """Known customers do not type their details twice: account, then their last order here."""
    if not current_user.is_authenticated:
        return
    form.name.data = current_user.name
    form.email.data = current_user.email
    form.phone.data = current_user.phone or ""
    last = (Order.select(Order.phone, Order.address, Order.district, Order.city, Order.postal_code)
            .where((Order.shop == g.shop) & (Order.customer == current_user.id))
            .order_by(Order.created_at.desc()).first())
    if last is not None:
        form.phone.data = form.phone.data or last.phone
        form.address.data, form.city.data, form.postal_code.data = last.address, last.city, last.postal_code
        form.district.data = last.district


# Typed address parts the delivery options are priced by (the rest of the form is not needed).
DESTINATION_FIELDS = ("city", "district", "postal_code")


def _destination(values) -> Destination:
    """The destination typed so far, from the posted form or the htmx re-fetch's query string."""
    def part(name):
        value = values.get(name, "")
        return " ".join(value.split())[:80] if isinstance(value, str) else ""

    return Destination(city=part("city"), district=part("district"), postcode=part("postal_code"))


def _refetch_on_change(form: CheckoutForm):
    """The address fields ask again for the delivery options (htmx) when the customer types a destination."""
    attributes = {
        "hx-get": url_for("checkout.start"),
        "hx-trigger": "change, keyup changed delay:500ms",
        "hx-include": ", ".join(f"[name='{n}']" for n in (*DESTINATION_FIELDS, "delivery", *DISCOUNT_FIELDS)),
        "hx-select": "#delivery-options",
        "hx-target": "#delivery-options",
        "hx-swap": "outerHTML",
        "hx-indicator": "#delivery-spinner",
        # A newer keystroke's answer replaces a slower, older one.
        "hx-sync": "this:replace",
        # Not "find ..." as inherited from the form: no ordering while the fees are re-priced.
        "hx-disabled-elt": ".checkout-form button[type=submit]",
    }
    for name in DESTINATION_FIELDS:
        field = getattr(form, name)
        field.render_kw = {**(field.render_kw or {}), **attributes}


DISCOUNT_FIELDS = ("voucher_code", "offers")


def _codes(form: CheckoutForm) -> tuple[str, ...]:
    """The voucher code typed and the offers ticked (from the form, or the htmx re-fetch's query)."""
    if request.method == "POST":
        typed, ticked = form.voucher_code.data, form.offers.data or []
    else:
        typed, ticked = request.args.get("voucher_code", ""), request.args.getlist("offers")
        form.voucher_code.data, form.offers.data = typed, ticked
    return discounts.normalise_codes([typed or "", *ticked])


def _ready_estimate(cart: Cart):
    """When the made-to-order part could be ready if ordered now (``False``: fully booked)."""
    if not cart.made_to_order_units:
        return None
    try:
        return capacity.ready_by(g.shop, cart.made_to_order_units, cart.lead_time_days)
    except capacity.CapacityError:
        return False


def _may_replay(existing: Order | None, customer) -> bool:
    """A submit whose key already placed an order goes there, unless another customer is logged in.

    The key is a secret of one rendered form, like the order's link token; a guest
    twin of a submit that created an account is let through to the same order.
    """
    if existing is None:
        return False
    return customer is None or existing.customer_id in (None, customer.id)


def _done(order: Order):
    grant_order(order)
    return redirect(url_for("orders.detail", number=order.number), code=303)


@bp.route("/", methods=["GET", "POST"])
def start():
    shop = g.shop
    customer = current_user._get_current_object() if current_user.is_authenticated else None
    if request.method == "POST":
        # A retried or doubled submit of a form that already placed its order goes to that order.
        existing = find_order_by_key(shop, request.form.get("idempotency_key"))
        if _may_replay(existing, customer):
            return _done(existing)
    cart = Cart.load(shop)
    if request.method == "POST":
        # Offered for the address typed; place_order asks again and charges that answer.
        options = delivery_options(shop, cart, _destination(request.form))
        form = CheckoutForm(options=options)
    else:
        form = CheckoutForm()
        _prefill(form)
        if any(name in request.args for name in DESTINATION_FIELDS):
            # The address fields' htmx re-fetch: the options for what is typed now.
            typed = _destination(request.args)
            form.city.data, form.district.data, form.postal_code.data = typed.city, typed.district, typed.postcode
        options = delivery_options(shop, cart, _destination(
            {name: getattr(form, name).data or "" for name in DESTINATION_FIELDS}))
        form.set_options(options)
        chosen = request.args.get("delivery")
        form.delivery.data = chosen if chosen in form.options else (options[0].code if options else None)
    _refetch_on_change(form)
    error = None
    discounts_on = discounts.available(shop)
    codes = _codes(form) if discounts_on else ()
    chosen = form.options.get(form.delivery.data)
    quote = discounts.quote(shop, cart, customer, codes, cap=cart.subtotal + (chosen.fee if chosen else 0)) \
        if discounts_on else discounts.Quote()
    applying = request.method == "POST" and discounts_on and bool(request.form.get("apply_discount"))
    if applying:
        # "Apply" only shows what the codes give; nothing is placed and the other fields are not judged yet.
        form.voucher_code.errors = [*form.voucher_code.errors, *quote.refusals.values()]
    elif request.method == "POST":
        if cart.notices or (form.seen_subtotal.data and form.seen_subtotal.data != str(cart.subtotal)):
            existing = find_order_by_key(shop, form.idempotency_key.data)
            if _may_replay(existing, customer):
                # Our own twin submit took the last pieces a moment ago.
                return _done(existing)
            # The cart changed since the customer last saw it (sold out, price or stock):
            # show the corrected cart instead of ordering something they did not confirm.
            error = _l("Your cart has changed; please check it and place the order again.")
            form.validate()
        elif form.validate():
            try:
                placed = place_order(
                    shop, cart, form.contact(), form.delivery.data, customer=customer,
                    idempotency_key=form.idempotency_key.data, locale=current_language(),
                    new_password=form.password.data if (form.create_account.data and customer is None) else None,
                    codes=codes,
                )
            except CheckoutError as err:
                error = str(err)
                target = getattr(form, err.field, None) if err.field else None
                if target is not None:
                    target.errors = [*target.errors, error]
                cart = Cart.load(shop)
            else:
                if placed.new_user is not None:
                    login_user(placed.new_user)
                    accounts.record_login(placed.new_user)
                Cart(shop=shop).clear()
                if placed.created:
                    flash(_l("Thank you! Your order %(number)s is placed. We will check it and confirm it soon.",
                             number=placed.order.number), "success")
                return _done(placed.order)
        if form.idempotency_key.errors:
            # A form without a valid one-time key (expired page, tampering): give it a fresh one.
            form.idempotency_key.data = new_key()
            error = error or _l("This form had expired; please check your details and submit again.")
    form.seen_subtotal.data = str(cart.subtotal)
    response = render_page(
        "checkout/checkout.html", "checkout/_checkout.html",
        shop=shop, cart=cart, form=form, options=options, error=error, ready_by=_ready_estimate(cart),
        discounts_on=discounts_on, quote=quote,
    )
    if request.method == "POST":
        response.status_code = 200 if (is_htmx() or applying) else 422
    return response
