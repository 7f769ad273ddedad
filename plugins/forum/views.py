"""The forum's pages: reading and searching for everyone, posting for logged-in users, moderation for the team.

Every route sits under ``/s/<shop_slug>/forum``, so core's guard answers 404 for
a shop that has the forum switched off. Team pages live under ``.../forum/manage/``.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from plugins.forum import markup, models
from plugins.forum.forms import (
    CategoryDeleteForm,
    CategoryForm,
    CategoryMoveForm,
    EditPostForm,
    ModerationForm,
    MoveThreadForm,
    ReplyForm,
    ReportForm,
    ResolveReportForm,
    ThreadForm,
    UnsubscribeForm,
)
from plugins.forum.models import ForumPost
from portal.core.jobs import jobs
from portal.core.permissions import is_staff, login_required, owner_required, staff_required
from portal.core.plugins import plugin_settings
from portal.core.ratelimit import limiter
from portal.htmx import hx_redirect, render_page, wants_fragment
from portal.i18n import current_language
from portal.web.page_cache import cache_page

NAME = "forum"
bp = Blueprint(NAME, __name__, template_folder="templates", url_prefix="/s/<shop_slug>/forum")

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20
RESULTS_PER_PAGE = 20
# Page numbers beyond this are refused: OFFSET cost grows with the page, and nobody reads page 500.
MAX_PAGE = 200
SEARCH_MAX = 100
# Tokens are ``secrets.token_urlsafe``: anything else is not looked up at all.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
REPLY_PREFIX = "fr"
THREAD_PREFIX = "ft"
REPORT_PREFIX = "rp"
EDIT_PREFIX = "fe"

THREAD_ACTIONS = {
    "pin": ("is_pinned", True), "unpin": ("is_pinned", False),
    "lock": ("is_locked", True), "unlock": ("is_locked", False),
    "hide": ("is_hidden", True), "unhide": ("is_hidden", False),
}
POST_ACTIONS = ("hide", "unhide", "approve", "reject")
# Posting: a person gets a few posts a minute; a flood gets 429 (per account, or per address).
POST_LIMIT = "5 per minute;40 per hour"


def _rate_key() -> str:
    if current_user.is_authenticated:
        return f"forum-user-{current_user.id}"
    return f"forum-addr-{request.remote_addr}"


def register_jobs(state):
    from plugins.forum import notify

    state.app.extensions["portal_jobs"].register("forum_reply_mail", notify.send_reply_mail, retries=3)


bp.record_once(register_jobs)


@bp.app_template_filter("forum_markdown")
def forum_markdown(source: str):
    return markup.render(source)


@bp.app_template_filter("forum_excerpt")
def forum_excerpt(source: str, length: int = 200) -> str:
    return markup.excerpt(source, length)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _staff() -> bool:
    return is_staff(g.shop)


def _page() -> int:
    page = request.args.get("page", 1, type=int) or 1
    if page > MAX_PAGE:
        abort(404)
    return max(page, 1)


def _visible_thread(thread_id: int):
    """The thread, if this viewer may read it; 404 otherwise (hidden and held ones exist only for some)."""
    thread = models.thread_of(g.shop, thread_id)
    if thread is None or not can_see_thread(thread, _user(), _staff()):
        abort(404)
    return thread


def can_see_thread(thread, user, staff: bool) -> bool:
    if staff:
        return True
    if thread.is_hidden:
        return False
    return not thread.is_held or (user is not None and thread.author_id == user.id)


def can_see_post(post, user, staff: bool) -> bool:
    if staff:
        return True
    if post.is_hidden:
        return False
    return not post.is_held or (user is not None and post.author_id == user.id)


def _category(category_id: int):
    category = models.category_of(g.shop, category_id)
    if category is None:
        abort(404)
    return category


def _should_hold(user) -> bool:
    if _staff():
        return False
    return bool(plugin_settings(g.shop, NAME).get("hold_first_posts")) and models.is_new_member(g.shop, user)


def _language(user) -> str:
    """The language a user's mails are written in: the account's choice, else the one they use now."""
    return (user.locale if user is not None and user.locale else None) or current_language()


def post_context(**extra) -> dict:
    """What every forum template gets. ``can_edit(post)`` is :func:`can_edit_post` bound to the viewer and the
    thread being shown, so ``forum/_post.html`` asks the rule itself instead of repeating it."""
    user, staff = _user(), _staff()
    return {"shop": g.shop, "viewer": user, "can_moderate": staff,
            "can_edit": edit_checker(extra.get("thread"), user, staff), **extra}


def edit_checker(thread, user, staff: bool):
    """:func:`can_edit_post` for one thread and viewer, taking only the post.

    It uses the thread the page already holds, so the thread page asks no query per post. A post of another
    thread, or any post when no thread is shown (the team's queue), gets no edit link.
    """
    def can_edit(post) -> bool:
        return thread is not None and post.thread_id == thread.id and can_edit_post(post, thread, user, staff)

    return can_edit


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


@bp.get("/")
@cache_page
def index():
    cats = models.categories(g.shop)
    return render_page(
        "forum/index.html", "forum/_categories.html",
        **post_context(categories=cats, counts=models.category_thread_counts(g.shop), q=""),
    )


@bp.get("/c/<int:category_id>")
@cache_page
def category(category_id: int):
    cat = _category(category_id)
    page = _page()
    threads, has_next = models.threads_page(g.shop, cat, page, THREADS_PER_PAGE, _user(), _staff())
    return render_page(
        "forum/category.html", "forum/_threads.html",
        **post_context(category=cat, threads=threads, replies=models.reply_counts([t.id for t in threads]),
                       page_no=page, has_next=has_next),
    )


@bp.get("/search")
def search():
    # Printable text only: a NUL or control character is no search term (and PostgreSQL refuses NUL).
    q = " ".join("".join(c for c in request.args.get("q", "") if c.isprintable() or c.isspace()).split())
    q = q[:SEARCH_MAX]
    page = _page()
    threads, has_next = ([], False)
    if q:
        threads, has_next = models.search(g.shop, q, page, RESULTS_PER_PAGE, _user(), _staff())
    return render_page(
        "forum/search.html", "forum/_results.html",
        **post_context(q=q, threads=threads, replies=models.reply_counts([t.id for t in threads]),
                       page_no=page, has_next=has_next),
    )


def _thread_page(thread, reply_form: ReplyForm, status: int = 200):
    page = _page()
    posts, has_next = models.posts_page(thread, page, POSTS_PER_PAGE, _user(), _staff())
    response = render_page(
        "forum/thread.html", "forum/_thread_body.html",
        **post_context(thread=thread, category=thread.category, posts=posts, page_no=page, has_next=has_next,
                       form=reply_form, move_form=move_form(thread) if _staff() else None),
    )
    response.status_code = status
    return response


@bp.get("/t/<int:thread_id>")
@cache_page
def thread(thread_id: int):
    return _thread_page(_visible_thread(thread_id), ReplyForm(prefix=REPLY_PREFIX))


@bp.get("/p/<int:post_id>")
def post_link(post_id: int):
    """A stable link to one post (mails, the team's queues): its thread, on the page that holds it."""
    post = models.post_of(g.shop, post_id)
    user, staff = _user(), _staff()
    if post is None or not can_see_post(post, user, staff) or not can_see_thread(post.thread, user, staff):
        abort(404)
    before = (models.visible_posts(user, staff)
              .where((ForumPost.thread == post.thread_id)
                     & ((ForumPost.created_at < post.created_at)
                        | ((ForumPost.created_at == post.created_at) & (ForumPost.id < post.id))))
              .count())
    page = before // POSTS_PER_PAGE + 1
    url = url_for("forum.thread", thread_id=post.thread_id, page=page if page > 1 else None)
    return redirect(f"{url}#post-{post.id}", code=303)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


@bp.route("/c/<int:category_id>/new", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, key_func=_rate_key, methods=["POST"])
@login_required
def new_thread(category_id: int):
    cat = _category(category_id)
    form = ThreadForm(prefix=THREAD_PREFIX)
    if request.method == "POST" and form.validate_on_submit():
        user = _user()
        held = _should_hold(user)
        thread_row, _post = models.create_thread(
            g.shop, cat, user, form.title.data, form.body.data, by_staff=_staff(), held=held,
            subscribe=bool(form.subscribe.data), lang=_language(user),
        )
        flash(_("Thanks! Your thread will appear once the shop has approved it.") if held
              else _("Your thread is posted."), "success")
        return hx_redirect(url_for("forum.thread", thread_id=thread_row.id))
    status = 200 if request.method == "GET" or not form.errors else 422
    response = render_page("forum/new_thread.html", "forum/_thread_form.html",
                           **post_context(category=cat, form=form))
    response.status_code = status
    return response


@bp.post("/t/<int:thread_id>/reply")
@limiter.limit(POST_LIMIT, key_func=_rate_key, methods=["POST"])
@login_required
def reply(thread_id: int):
    thread_row = _visible_thread(thread_id)
    staff = _staff()
    form = ReplyForm(prefix=REPLY_PREFIX)
    if thread_row.is_locked and not staff:
        notice = _("This thread is locked: it takes no new replies.")
        if wants_fragment():
            response = render_page("forum/thread.html", "forum/_reply_form.html",
                                   **post_context(thread=thread_row, form=form, notice=notice, notice_kind="error"))
            response.status_code = 403
            return response
        flash(notice, "error")
        return redirect(url_for("forum.thread", thread_id=thread_row.id), code=303)
    if not form.validate_on_submit():
        if wants_fragment():
            response = render_page("forum/thread.html", "forum/_reply_form.html",
                                   **post_context(thread=thread_row, form=form))
            response.status_code = 422
            return response
        return _thread_page(thread_row, form, status=422)
    user = _user()
    held = _should_hold(user)
    post = models.add_reply(thread_row, user, form.body.data, by_staff=staff, held=held)
    if not held:
        jobs().defer("forum_reply_mail", post.id)
    notice = (_("Thanks! Your reply will appear for everyone once the shop has approved it.") if held
              else _("Your reply is posted."))
    if wants_fragment():
        post.author = user
        return render_template("forum/_replied.html", **post_context(
            thread=thread_row, post=post, form=ReplyForm(prefix=REPLY_PREFIX, formdata=None), notice=notice))
    flash(notice, "success")
    return redirect(url_for("forum.post_link", post_id=post.id), code=303)


def can_edit_post(post, thread, user, staff: bool) -> bool:
    """Only the author edits, and not what the team hid, nor (unless they are the team) in a locked thread."""
    return (user is not None and post.author_id == user.id and not post.is_hidden and not thread.is_hidden
            and (staff or not thread.is_locked))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, key_func=_rate_key, methods=["POST"])
def edit_post(post_id: int):
    """The author changes their own post in place. Anybody else (guests too) learns nothing: 404."""
    post = models.post_of(g.shop, post_id)
    user, staff = _user(), _staff()
    if post is None or not can_edit_post(post, post.thread, user, staff):
        abort(404)
    form = EditPostForm(prefix=EDIT_PREFIX, data={"body": post.body})
    context = post_context(post=post, thread=post.thread, form=form)
    if request.method == "POST":
        if form.validate_on_submit():
            models.edit_post(post, form.body.data)
            if wants_fragment():
                return render_template("forum/_post.html", **post_context(post=post, thread=post.thread,
                                                                          status=_("Saved.")))
            flash(_("Saved."), "success")
            return redirect(url_for("forum.post_link", post_id=post.id), code=303)
        if not form.body.errors:  # only the CSRF token was wrong
            abort(400)
    response = render_page("forum/edit.html", "forum/_edit_form.html", **context)
    response.status_code = 422 if request.method == "POST" else 200
    return response


def _reportable_post(post_id: int):
    post = models.post_of(g.shop, post_id)
    user, staff = _user(), _staff()
    if post is None or not can_see_post(post, user, staff) or not can_see_thread(post.thread, user, staff):
        abort(404)
    return post


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, key_func=_rate_key, methods=["POST"])
@login_required
def report(post_id: int):
    post = _reportable_post(post_id)
    user = _user()
    form = ReportForm(prefix=REPORT_PREFIX)
    notice, status = None, 200
    if post.author_id == user.id:
        notice = _("This is your own post: you can ask the shop to remove it instead.")
        status = 400 if request.method == "POST" else 200
    elif request.method == "POST":
        if form.validate_on_submit():
            _report, created = models.add_report(post, user, form.reason.data, form.details.data or "")
            notice = (_("Thank you. The shop will look at this post.") if created
                      else _("You have already reported this post; the shop will look at it."))
        else:
            status = 422
    response = render_page("forum/report.html", "forum/_report_form.html",
                           **post_context(post=post, thread=post.thread, form=form, notice=notice))
    response.status_code = status
    return response


# ---------------------------------------------------------------------------
# unsubscribing (the link in the reply mail; the token is the only credential)
# ---------------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    sub = models.subscription_by_token(g.shop, token) if TOKEN_RE.fullmatch(token) else None
    if sub is None:
        abort(404)
    form = UnsubscribeForm()
    done = False
    # GET only shows the button: mail scanners fetch links, and a GET must change nothing.
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        models.set_subscribed(sub, False)
        done = True
    return render_template("forum/unsubscribe.html", shop=g.shop, sub=sub, thread=sub.thread, form=form, done=done)


# ---------------------------------------------------------------------------
# moderation: posts and threads (owner and staff)
# ---------------------------------------------------------------------------


def move_form(thread_row) -> MoveThreadForm:
    form = MoveThreadForm(prefix="mv", formdata=None, data={"category": str(thread_row.category_id)})
    form.category.choices = [(str(c.id), c.name) for c in models.categories(g.shop)]
    return form


def _check_csrf():
    if not ModerationForm().validate_on_submit():
        abort(400)


@bp.post("/manage/posts/<int:post_id>/<action>")
@staff_required
def moderate_post(post_id: int, action: str):
    if action not in POST_ACTIONS:
        abort(404)
    post = models.post_of(g.shop, post_id)
    if post is None:
        abort(404)
    _check_csrf()
    was_held = post.is_held
    if action in ("hide", "unhide"):
        models.set_post_hidden(post, action == "hide")
        status = _("Hidden from readers.") if action == "hide" else _("Visible to readers.")
    elif not was_held:
        status = _("This post is not waiting for approval.")
    elif action == "approve":
        models.approve_post(post)
        if not post.is_first:
            jobs().defer("forum_reply_mail", post.id)
        status = _("Approved: everyone can read it now.")
    else:
        models.reject_post(post)
        status = _("Refused: the post stays hidden.")
    if wants_fragment():
        return render_template("forum/_post.html", **post_context(
            post=post, thread=post.thread, status=status, show_thread=request.form.get("context") == "queue"))
    flash(status, "success")
    if request.form.get("context") == "queue":
        return redirect(url_for("forum.queue"), code=303)
    return redirect(url_for("forum.thread", thread_id=post.thread_id), code=303)


def _thread_answer(thread_row, status: str):
    if wants_fragment():
        return render_template("forum/_thread_head.html", **post_context(
            thread=thread_row, category=thread_row.category, move_form=move_form(thread_row), status=status))
    flash(status, "success")
    return redirect(url_for("forum.thread", thread_id=thread_row.id), code=303)


def _thread_status(action: str) -> str:
    # Spelled out so the extractor finds every message.
    return {
        "pin": _("Pinned: it stays at the top of its category."),
        "unpin": _("No longer pinned."),
        "lock": _("Locked: only the team can reply now."),
        "unlock": _("Unlocked: everyone can reply again."),
        "hide": _("Hidden from readers."),
        "unhide": _("Visible to readers."),
    }[action]


@bp.post("/manage/threads/<int:thread_id>/<action>")
@staff_required
def moderate_thread(thread_id: int, action: str):
    if action not in THREAD_ACTIONS:
        abort(404)
    thread_row = models.thread_of(g.shop, thread_id)
    if thread_row is None:
        abort(404)
    _check_csrf()
    flag, value = THREAD_ACTIONS[action]
    models.set_thread_flag(thread_row, flag, value)
    return _thread_answer(thread_row, _thread_status(action))


@bp.post("/manage/threads/<int:thread_id>/move")
@staff_required
def move_thread(thread_id: int):
    thread_row = models.thread_of(g.shop, thread_id)
    if thread_row is None:
        abort(404)
    form = MoveThreadForm(prefix="mv")
    form.category.choices = [(str(c.id), c.name) for c in models.categories(g.shop)]
    if not form.validate_on_submit():
        if wants_fragment():
            response = render_template("forum/_thread_head.html", **post_context(
                thread=thread_row, category=thread_row.category, move_form=form))
            return response, 422
        flash(_("Choose a category to move the thread to."), "error")
        return redirect(url_for("forum.thread", thread_id=thread_row.id), code=303)
    target = models.category_of(g.shop, int(form.category.data))
    models.move_thread(thread_row, target)
    return _thread_answer(thread_row, _("Moved to %(category)s.", category=target.name))


# ---------------------------------------------------------------------------
# the team's queue: held posts and open reports
# ---------------------------------------------------------------------------


@bp.get("/manage/")
@staff_required
def queue():
    return render_page(
        "forum/manage/queue.html", "forum/manage/_queue.html",
        **post_context(held=list(models.held_posts(g.shop).limit(100)),
                       reports=list(models.open_reports(g.shop).limit(100)),
                       resolve_form=ResolveReportForm(formdata=None)),
    )


@bp.post("/manage/reports/<int:report_id>/resolve")
@staff_required
def resolve_report(report_id: int):
    rep = models.report_of(g.shop, report_id)
    if rep is None:
        abort(404)
    form = ResolveReportForm()
    if not form.validate_on_submit():
        if wants_fragment():
            rep = models.open_reports(g.shop).where(models.ForumReport.id == rep.id).first() or rep
            return render_template("forum/manage/_report.html", **post_context(report=rep, resolve_form=form)), 422
        flash(_("Choose what to do with the post."), "error")
        return redirect(url_for("forum.queue"), code=303)
    if rep.resolved_at is not None:
        status = _("This report was already dealt with.")
    else:
        hide = form.outcome.data == "hide"
        models.resolve_report(rep, _user(), hide)
        status = _("The post is hidden and the report closed.") if hide else _("Report closed; the post stays.")
    if wants_fragment():
        return render_template("forum/manage/_resolved.html", report=rep, status=status)
    flash(status, "success")
    return redirect(url_for("forum.queue"), code=303)


# ---------------------------------------------------------------------------
# categories (owner)
# ---------------------------------------------------------------------------


def _categories_page(form: CategoryForm, status: int = 200):
    cats = models.categories(g.shop)
    counts = models.category_thread_counts(g.shop)
    return render_template("forum/manage/categories.html", **post_context(
        categories=cats, counts=counts, form=form, move_form=CategoryMoveForm(formdata=None))), status


@bp.route("/manage/categories", methods=["GET", "POST"])
@owner_required
def categories():
    form = CategoryForm(prefix="cat")
    if request.method == "POST":
        if not form.validate_on_submit():
            return _categories_page(form, 422)
        cat = models.add_category(g.shop, form.name.data, form.description.data or "")
        flash(_("Category %(name)s added.", name=cat.name), "success")
        return redirect(url_for("forum.categories"), code=303)
    return _categories_page(form)


def _delete_form(cat) -> CategoryDeleteForm:
    form = CategoryDeleteForm(prefix="del")
    form.move_to.choices = [("", _("(do not move)"))] + [
        (str(c.id), c.name) for c in models.categories(g.shop) if c.id != cat.id
    ]
    return form


@bp.route("/manage/categories/<int:category_id>", methods=["GET", "POST"])
@owner_required
def category_edit(category_id: int):
    cat = _category(category_id)
    form = CategoryForm(prefix="cat", obj=cat if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            models.ForumCategory.update(name=form.name.data, description=form.description.data or "").where(
                models.ForumCategory.id == cat.id).execute()
            flash(_("Category saved."), "success")
            return redirect(url_for("forum.categories"), code=303)
        status = 422
    delete_form = _delete_form(cat)
    return render_template("forum/manage/category_edit.html", **post_context(
        category=cat, form=form, delete_form=delete_form, threads=models.thread_count(cat))), status


@bp.post("/manage/categories/<int:category_id>/move")
@owner_required
def category_move(category_id: int):
    cat = _category(category_id)
    form = CategoryMoveForm()
    if not form.validate_on_submit():
        flash(_("Choose up or down."), "error")
    elif not models.move_category(cat, form.direction.data):
        flash(_("%(name)s is already at that end.", name=cat.name), "error")
    return redirect(url_for("forum.categories"), code=303)


@bp.post("/manage/categories/<int:category_id>/delete")
@owner_required
def category_delete(category_id: int):
    cat = _category(category_id)
    form = _delete_form(cat)
    if not form.validate_on_submit():
        return render_template("forum/manage/category_edit.html", **post_context(
            category=cat, form=CategoryForm(prefix="cat", formdata=None, obj=cat), delete_form=form,
            threads=models.thread_count(cat))), 422
    # Optional() lets blank input through as it came (" "), so only digits name a category.
    choice = (form.move_to.data or "").strip()
    target = models.category_of(g.shop, int(choice)) if choice.isdigit() else None
    try:
        moved = models.delete_category(cat, target)
    except ValueError:
        form.move_to.errors = [_("This category has threads: choose where they move first.")]
        return render_template("forum/manage/category_edit.html", **post_context(
            category=cat, form=CategoryForm(prefix="cat", formdata=None, obj=cat), delete_form=form,
            threads=models.thread_count(cat))), 422
    flash(_("Category deleted.") if not moved else
          ngettext("Category deleted; %(num)d thread moved to %(name)s.",
                   "Category deleted; %(num)d threads moved to %(name)s.", moved, name=target.name), "success")
    return redirect(url_for("forum.categories"), code=303)

