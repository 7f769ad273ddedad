"""The plugin's pages: the visitor's "tell me" form, and the owner's waiting list.

Every route sits under ``/s/<shop_slug>/backinstock``, so the portal answers 404
for a shop that has the plugin switched off.
"""
from __future__ import annotations

from flask import Blueprint, abort, g
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.models import Product
from portal.core.permissions import staff_required
from portal.core.ratelimit import limiter
from portal.htmx import render_page
from portal_backinstock import models, notify
from portal_backinstock.forms import AlertForm, NotifyForm

#region blueprint
bp = Blueprint(
    "backinstock", __name__,
    template_folder="templates",
    url_prefix="/s/<shop_slug>/backinstock",
)
#endregion

PREFIX = "bis"


def alert_form(formdata=None) -> AlertForm:
    """A fresh form; a logged-in customer finds their address filled in."""
    data = {"email": current_user.email} if current_user.is_authenticated else {}
    return AlertForm(prefix=PREFIX, formdata=formdata, data=data)


def _product(product_id: int) -> Product:
    """A product of this shop only: another shop's id is simply not found."""
    product = Product.get_or_none(
        (Product.id == product_id) & (Product.shop == g.shop) & (Product.is_active == True)
    )
    if product is None:
        abort(404)
    return product


#region subscribe
@bp.post("/products/<int:product_id>/alert")
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def subscribe(product_id: int):
    product = _product(product_id)
    form = AlertForm(prefix=PREFIX)
    notice = None
    if not models.is_sold_out(product):
        notice = _("Good news: it is available now, you can order it.")
    elif form.validate_on_submit():
        lang = str(get_locale() or "id")
        models.add_alert(g.shop, product, form.email.data, lang)
        # The same answer for a new and a repeated address: nobody learns
        # whether someone else already asked.
        notice = _("Thank you! We will e-mail %(email)s once it is back.", email=form.email.data)
    # htmx swaps the fragment in place; without JavaScript the page shows it.
    return render_page(
        "backinstock/alert.html", "backinstock/_form.html",
        shop=g.shop, product=product, form=form, notice=notice,
    )
#endregion


def _waiting_list(notice=None):
    return render_page(
        "backinstock/index.html", "backinstock/_alerts.html",
        shop=g.shop, alerts=list(models.waiting(g.shop)), counts=models.counts(g.shop),
        form=NotifyForm(), notice=notice,
    )


@bp.get("/")
@staff_required
def index():
    return _waiting_list()


#region notify_view
@bp.post("/notify")
@staff_required
def notify_now():
    if not NotifyForm().validate_on_submit():
        abort(400)
    sent = notify.notify_ready(g.shop)
    return _waiting_list(ngettext("%(num)d customer e-mailed.", "%(num)d customers e-mailed.", sent))
#endregion
