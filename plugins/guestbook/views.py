"""The guestbook's pages: the public list and form, and hiding/showing entries for owner and staff.

Every route sits under ``/s/<shop_slug>/guestbook``, so core's guard answers 404
for a shop that has the guestbook switched off.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from plugins.guestbook import models
from plugins.guestbook.forms import EntryForm, ModerationForm
from portal.core.permissions import is_staff, staff_required
from portal.core.plugins import plugin_settings
from portal.core.ratelimit import limiter
from portal.htmx import render_page, wants_fragment

bp = Blueprint("guestbook", __name__, template_folder="templates", url_prefix="/s/<shop_slug>/guestbook")

PER_PAGE = 20
LATEST = 5
FORM_PREFIX = "gb"


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def entry_form(user=None, formdata=None) -> EntryForm:
    """A fresh form; a logged-in visitor finds their name already filled in."""
    data = {"name": user.name} if user is not None else {}
    return EntryForm(prefix=FORM_PREFIX, formdata=formdata, data=data)


def _index(form: EntryForm, status: int = 200):
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    can_moderate = is_staff(g.shop)
    rows, has_next = models.page_of(g.shop, page, PER_PAGE, include_hidden=can_moderate)
    return render_page(
        "guestbook/index.html", "guestbook/_list.html",
        shop=g.shop, entries=rows, page_no=page, has_next=has_next, form=form, can_moderate=can_moderate,
    ), status


@bp.get("/")
def index():
    return _index(entry_form(_user()))


@bp.post("/")
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def post():
    shop = g.shop
    form = EntryForm(prefix=FORM_PREFIX)
    if not form.validate_on_submit():
        if wants_fragment():
            return render_template("guestbook/_form.html", shop=shop, form=form)
        return _index(form)
    held = bool(plugin_settings(shop, "guestbook").get("require_approval"))
    entry = models.add_entry(shop, form.name.data, form.message.data, form.rating_value, _user(), hidden=held)
    notice = (
        _("Thank you! Your message will appear once the shop has approved it.")
        if held else _("Thank you! Your message is in the guestbook.")
    )
    if wants_fragment():
        return render_template(
            "guestbook/_posted.html", shop=shop, entry=entry, form=entry_form(_user()),
            notice=notice, can_moderate=is_staff(shop),
        )
    flash(notice, "success")
    return redirect(url_for("guestbook.index"), code=303)


def _moderate(entry_id: int, hidden: bool):
    form = ModerationForm()
    if not form.validate_on_submit():
        abort(400)
    entry = models.entry_of(g.shop, entry_id)
    if entry is None:
        abort(404)
    models.set_hidden(entry, hidden)
    status = _("Hidden from the public.") if hidden else _("Visible to everyone.")
    if wants_fragment():
        return render_template("guestbook/_entry.html", shop=g.shop, entry=entry, can_moderate=True, status=status)
    flash(status, "success")
    return redirect(url_for("guestbook.index"), code=303)


@bp.post("/<int:entry_id>/hide")
@staff_required
def hide(entry_id: int):
    return _moderate(entry_id, True)


@bp.post("/<int:entry_id>/show")
@staff_required
def show(entry_id: int):
    return _moderate(entry_id, False)
