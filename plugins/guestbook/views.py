"""The guestbook's pages: the public list and form, one entry, and the team's moderation.

Every route sits under ``/s/<shop_slug>/guestbook``, so core's guard answers 404
for a shop that has the guestbook switched off. Owner and staff reply publicly,
hide, show (approve) and delete; the approval queue is at ``manage/``.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from plugins.guestbook import models
from plugins.guestbook.forms import DEFAULT_MAX_LINKS, EntryForm, ModerationForm, ReplyForm
from portal.core.permissions import is_staff, staff_required
from portal.core.plugins import plugin_settings
from portal.core.ratelimit import limiter
from portal.htmx import render_page, wants_fragment

bp = Blueprint("guestbook", __name__, template_folder="templates", url_prefix="/s/<shop_slug>/guestbook")

NAME = "guestbook"
PER_PAGE = 20
LATEST = 5
FORM_PREFIX = "gb"
REPLY_PREFIX = "reply"


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _settings(shop) -> dict:
    return plugin_settings(shop, NAME)


def _max_links() -> int:
    """How many links one message may hold: ``GUESTBOOK_MAX_LINKS`` in the app's config (default 1)."""
    value = current_app.config.get("GUESTBOOK_MAX_LINKS", DEFAULT_MAX_LINKS)
    return value if isinstance(value, int) and value >= 0 else DEFAULT_MAX_LINKS


def entry_form(user=None, formdata=None) -> EntryForm:
    """A fresh form, stamped with the time it was shown; a logged-in visitor finds their name filled in."""
    data = {"name": user.name} if user is not None else {}
    return EntryForm(prefix=FORM_PREFIX, formdata=formdata, data=data).refresh_shown()


def reply_form_for(entry, formdata=None) -> ReplyForm:
    """The reply box under one entry; ids carry the entry's id, the field names stay the same."""
    form = ReplyForm(prefix=REPLY_PREFIX, formdata=formdata, data={"reply": entry.reply or ""})
    form.reply.id = f"reply-{entry.id}"
    return form


@bp.app_context_processor
def _template_helpers():
    # The entry template builds each entry's reply box, wherever the entry is shown
    # (the guestbook's pages and the profile slot).
    return {"guestbook_reply_form": reply_form_for}


def summary(shop) -> dict:
    """Average rating and counts for the page header."""
    ratings = models.rating_summary(shop)
    average = ratings["average"]
    return {
        **ratings,
        "average_text": format_decimal(average, format="0.0") if average is not None else "",
        "counts": models.counts(shop),
    }


def _index(form: EntryForm, status: int = 200):
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    can_moderate = is_staff(g.shop)
    rows, has_next = models.page_of(g.shop, page, PER_PAGE, include_hidden=can_moderate)
    return render_page(
        "guestbook/index.html", "guestbook/_list.html",
        shop=g.shop, entries=rows, page_no=page, has_next=has_next, form=form, can_moderate=can_moderate,
        summary=summary(g.shop),
    ), status


@bp.get("/")
def index():
    return _index(entry_form(_user()))


def _posted(shop, entry, notice: str):
    if wants_fragment():
        return render_template(
            "guestbook/_posted.html", shop=shop, entry=entry, form=entry_form(_user()),
            notice=notice, can_moderate=is_staff(shop),
        )
    flash(notice, "success")
    return redirect(url_for("guestbook.index"), code=303)


@bp.post("/")
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def post():
    shop = g.shop
    form = EntryForm(prefix=FORM_PREFIX)
    form.max_links = _max_links()
    held = bool(_settings(shop).get("require_approval"))
    accepted = (
        _("Thank you! Your message will appear once the shop has approved it.")
        if held else _("Thank you! Your message is in the guestbook.")
    )
    if form.is_submitted() and form.is_trapped:
        # A robot filled the field people never see: it is told what a person
        # would be told, and nothing is stored.
        return _posted(shop, None, accepted)
    if not form.validate_on_submit():
        form.refresh_shown()
        if wants_fragment():
            return render_template("guestbook/_form.html", shop=shop, form=form)
        return _index(form)
    entry = models.add_entry(shop, form.name.data, form.message.data, form.rating_value, _user(), hidden=held)
    return _posted(shop, entry, accepted)


def _entry_or_404(entry_id: int, may_see_hidden: bool):
    entry = models.entry_of(g.shop, entry_id)
    if entry is None or (entry.is_hidden and not may_see_hidden):
        abort(404)
    return entry


def _entry_answer(entry, status: str, reply_form=None):
    """The entry in its new state (htmx) or back to where the team was working (303)."""
    if wants_fragment():
        return render_template(
            "guestbook/_entry.html", shop=g.shop, entry=entry, can_moderate=True, status=status,
            reply_form=reply_form,
        )
    if reply_form is not None and reply_form.errors:
        return render_page("guestbook/entry.html", "guestbook/_entry.html", shop=g.shop, entry=entry,
                           can_moderate=True, reply_form=reply_form)
    flash(status, "success")
    back = request.args.get("next") == "queue"
    return redirect(url_for("guestbook.queue" if back else "guestbook.index"), code=303)


@bp.get("/<int:entry_id>")
def entry(entry_id: int):
    """One entry (a permalink); hidden ones only for the team."""
    can_moderate = is_staff(g.shop)
    found = _entry_or_404(entry_id, can_moderate)
    return render_page("guestbook/entry.html", "guestbook/_entry.html",
                       shop=g.shop, entry=found, can_moderate=can_moderate)


def _moderate(entry_id: int, hidden: bool):
    form = ModerationForm()
    if not form.validate_on_submit():
        abort(400)
    found = _entry_or_404(entry_id, True)
    models.set_hidden(found, hidden)
    return _entry_answer(found, _("Hidden from the public.") if hidden else _("Visible to everyone."))


@bp.post("/<int:entry_id>/hide")
@staff_required
def hide(entry_id: int):
    return _moderate(entry_id, True)


@bp.post("/<int:entry_id>/show")
@staff_required
def show(entry_id: int):
    return _moderate(entry_id, False)


@bp.post("/<int:entry_id>/reply")
@staff_required
def reply(entry_id: int):
    found = _entry_or_404(entry_id, True)
    form = reply_form_for(found, formdata=request.form)
    if not form.validate_on_submit():
        if not form.reply.errors:  # only the CSRF token was wrong
            abort(400)
        return _entry_answer(found, "", reply_form=form)
    had_reply = bool(found.reply)
    models.set_reply(found, form.reply.data or "", _user())
    if found.reply:
        status = _("Reply saved: everyone sees it under the entry.")
    else:
        status = _("Reply removed.") if had_reply else _("Nothing to save: the reply is empty.")
    return _entry_answer(found, status)


@bp.get("/<int:entry_id>/delete")
@staff_required
def confirm_delete(entry_id: int):
    found = _entry_or_404(entry_id, True)
    return render_page("guestbook/delete.html", "guestbook/_confirm_delete.html",
                       shop=g.shop, entry=found, form=ModerationForm())


@bp.post("/<int:entry_id>/delete")
@staff_required
def delete(entry_id: int):
    if not ModerationForm().validate_on_submit():
        abort(400)
    found = _entry_or_404(entry_id, True)
    models.delete_entry(found)
    notice = _("Entry deleted.")
    if wants_fragment():
        return render_template("guestbook/_deleted.html", notice=notice)
    flash(notice, "success")
    return redirect(url_for("guestbook.index"), code=303)


@bp.get("/manage/")
@staff_required
def queue():
    """Entries held for approval, for owner and staff to show or delete."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, has_next = models.page_of(g.shop, page, PER_PAGE, query=models.pending(g.shop))
    return render_page(
        "guestbook/queue.html", "guestbook/_queue.html",
        shop=g.shop, entries=rows, page_no=page, has_next=has_next, can_moderate=True,
        require_approval=bool(_settings(g.shop).get("require_approval")),
    )
