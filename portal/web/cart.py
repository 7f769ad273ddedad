"""The cart pages: add from the product page, change quantities, remove lines.

Every action works as a plain form post (redirect after post) and, with htmx,
swaps only the self-contained fragment it changed: the product's buy box or
the cart (``cart/_cart.html``), plus the cart badge in the menu out of band.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired

from portal.core.cart import (
    MAX_QUANTITY,
    Cart,
    CartError,
    count_in_session,
    is_made_to_order,
    parse_quantity,
)
from portal.core.models import Product
from portal.htmx import hx_trigger, is_htmx, render_page, wants_fragment

bp = Blueprint("cart", __name__, url_prefix="/s/<shop_slug>/cart")

CART_CHANGED = "cart-changed"


class QuantityField(IntegerField):
    """A quantity typed by a customer, with our own messages for junk, zero and absurd values."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_quantity(valuelist[0])
        except CartError as err:
            self.data = None
            raise ValueError(str(err)) from None


class QuantityForm(FlaskForm):
    quantity = QuantityField(_l("Quantity"), default=1, validators=[InputRequired(message=_l("Enter a quantity."))])


@bp.app_template_global()
def cart_count() -> int:
    """Items in the current shop's cart, for the menu badge (read from the session only)."""
    return count_in_session(g.get("shop"))


@bp.app_template_global()
def add_to_cart_form(product):
    """A fresh add-to-cart form for the buy box on a product page."""
    form = QuantityForm(formdata=None)
    form.quantity.render_kw = {"min": 1, "max": max_quantity(product), "inputmode": "numeric"}
    return form


def max_quantity(product) -> int:
    if is_made_to_order(product):
        return MAX_QUANTITY
    return max(min(MAX_QUANTITY, product.stock or 0), 1)


def _error_status() -> int:
    # htmx swaps only 2xx answers; a plain form post gets the honest 422.
    return 200 if is_htmx() else 422


def _product_or_404(product_id: int) -> Product:
    product = Product.get_or_none((Product.id == product_id) & (Product.shop == g.shop))
    if product is None:
        abort(404)
    return product


@bp.get("/")
def view():
    cart = Cart.load(g.shop)
    return render_page("cart/cart.html", "cart/_cart.html", shop=g.shop, cart=cart, line_errors={})


@bp.post("/add/<int:product_id>")
def add(product_id: int):
    product = _product_or_404(product_id)
    form = QuantityForm()
    cart = Cart.load(g.shop)
    error = None
    if form.validate_on_submit():
        try:
            line = cart.add(product, form.quantity.data)
        except CartError as err:
            error = str(err)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not wants_fragment():
        if error:
            flash(error, "error")
            return redirect(url_for("storefront.product", product_slug=product.slug), code=303)
        flash(_l("%(product)s is in your cart (%(n)s).", product=product.name, n=line.quantity), "success")
        return redirect(url_for("cart.view"), code=303)
    message = None if error else _l("Added. You have %(n)s in your cart.", n=line.quantity)
    response = _buy_box(product, form, error, message)
    return hx_trigger(response, CART_CHANGED) if not error else response


def _buy_box(product, form, error, message):
    form.quantity.render_kw = {"min": 1, "max": max_quantity(product), "inputmode": "numeric"}
    html = render_template("shop/_buy_box.html", product=product, shop=g.shop, cart_form=form,
                           cart_error=error, cart_message=message, oob_badge=True)
    response = make_response(html, _error_status() if error else 200)
    response.vary.add("HX-Request")
    return response


@bp.post("/update/<int:product_id>")
def update(product_id: int):
    form = QuantityForm()
    cart = Cart.load(g.shop)
    errors, message = {}, None
    if form.validate_on_submit():
        try:
            line = cart.update(product_id, form.quantity.data)
            message = _l("%(product)s: quantity is now %(n)s.", product=line.product.name, n=line.quantity)
        except CartError as err:
            errors[product_id] = str(err)
    else:
        errors[product_id] = " ".join(str(e) for errs in form.errors.values() for e in errs)
    return _cart_response(cart, errors, message)


@bp.post("/remove/<int:product_id>")
def remove(product_id: int):
    form = FlaskForm()
    cart = Cart.load(g.shop)
    message = None
    if form.validate_on_submit():
        line = cart.line_for(product_id)
        if line is not None and cart.remove(product_id):
            message = _l("%(product)s was removed from your cart.", product=line.product.name)
    return _cart_response(cart, {}, message)


def _cart_response(cart, errors, message):
    if not wants_fragment():
        for error in errors.values():
            flash(error, "error")
        if message:
            flash(message, "success")
        return redirect(url_for("cart.view"), code=303)
    response = render_page("cart/cart.html", "cart/_cart.html", shop=g.shop, cart=cart,
                           line_errors=errors, message=message, oob_badge=True)
    if errors:
        response.status_code = _error_status()
    else:
        hx_trigger(response, CART_CHANGED)
    return response
