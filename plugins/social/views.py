"""The owner's page for the shop's social links: ``/s/<shop_slug>/social/manage/``.

Owner only: the links speak for the shop. Core's guard answers 404 while the
shop has the plugin switched off (the saved links stay).
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from plugins.social import models
from plugins.social.forms import SocialLinksForm
from plugins.social.links import shown_links
from portal.core.permissions import owner_required
from portal.htmx import render_page, wants_fragment

bp = Blueprint("social", __name__, template_folder="templates", url_prefix="/s/<shop_slug>/social")

PREFIX = "social"


def _form(row, formdata=None) -> SocialLinksForm:
    data = {}
    if row is not None:
        data = {k: getattr(row, k) for k in models.FIELDS}
    elif g.shop.whatsapp:
        # First visit: start from the number on the shop's profile.
        data = {"whatsapp": g.shop.whatsapp}
    return SocialLinksForm(prefix=PREFIX, formdata=formdata, data=data)


def _page(form, notice=None):
    row = models.links_of(g.shop)
    return render_page("social/settings.html", "social/_settings.html",
                       shop=g.shop, form=form, notice=notice, links=shown_links(row))


@bp.route("/manage/", methods=["GET", "POST"])
@owner_required
def settings():
    row = models.links_of(g.shop)
    if request.method == "GET":
        return _page(_form(row, formdata=None))
    form = _form(row, formdata=request.form)
    if not form.validate_on_submit():
        return _page(form)
    saved = models.save(g.shop, form.values(), current_user._get_current_object())
    notice = _("Saved. Your links are in the footer of every page of your shop.")
    if wants_fragment():
        return _page(_form(saved), notice=notice)
    flash(notice, "success")
    return redirect(url_for("social.settings"), code=303)
