"""The comments' pages: a product's comment column (list, post, edit, report) and the shop's moderation.

Every route sits under ``/s/<shop_slug>/comments``, so core's guard answers 404
for a shop that has the plugin switched off. Pages are also fragments: htmx gets
the piece it swaps in place, a browser without JavaScript the whole page.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from plugins.comments import models
from plugins.comments.forms import CommentForm, ModerationForm, ReplyForm
from portal.core.models import Product
from portal.core.permissions import is_staff, login_required, staff_required
from portal.core.plugins import plugin_settings
from portal.core.ratelimit import limiter
from portal.htmx import render_page, wants_fragment

NAME = "comments"
bp = Blueprint(NAME, __name__, template_folder="templates", url_prefix="/s/<shop_slug>/comments")

PER_PAGE = 10
MANAGE_PER_PAGE = 25
PREFIX = "cm"
MANAGE_FILTERS = ("all", models.PENDING, "reported", models.HIDDEN, models.VISIBLE)


def current() -> object | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _product(product_id: int) -> Product:
    product = Product.get_or_none((Product.id == product_id) & (Product.shop == g.shop) & (Product.is_active == True))  # noqa: E712
    if product is None:
        abort(404)
    return product


@bp.app_template_global("comments_reply_form")
def reply_form(comment) -> ReplyForm:
    """The shop's reply box under a comment, filled with the current reply."""
    return ReplyForm(prefix=f"reply-{comment.id}", formdata=None, data={"reply": comment.reply})


def _held(shop) -> bool:
    return bool(plugin_settings(shop, NAME).get("require_approval"))


# ---------------------------------------------------------------------------
# the rating summary (also used by the product cards)
# ---------------------------------------------------------------------------


def stars_class(average: float) -> str:
    """A CSS class drawing the average in half stars: ``stars-45`` is four and a half."""
    halves = int((Decimal(str(average)) * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return f"stars-{max(0, min(10, halves)) * 5}"


def summary_of(average: float | None, count: int) -> dict:
    """What the templates show of an average: the number in the reader's locale, the spoken sentence."""
    if not count:
        return {"count": 0, "label": _("No reviews yet"), "short": "", "stars": "stars-0"}
    shown = format_decimal(Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), format="0.0")
    return {
        "count": count,
        "average": shown,
        "stars": stars_class(average),
        # e.g. "4,5 dari 5 bintang, 12 ulasan": read out for the star picture.
        "label": ngettext("%(avg)s out of 5 stars, %(num)d review", "%(avg)s out of 5 stars, %(num)d reviews",
                          count, avg=shown),
        "short": f"{shown} ({count})",
    }


def product_summary(product) -> dict:
    average, count = models.product_rating(product) or (None, 0)
    return summary_of(average, count)


# ---------------------------------------------------------------------------
# the column on the product page
# ---------------------------------------------------------------------------


def new_form(bound: bool = True) -> CommentForm:
    """The comment form; ``bound=False`` for a fresh, empty one (never filled from the request)."""
    return CommentForm(prefix=PREFIX) if bound else CommentForm(prefix=PREFIX, formdata=None)


def form_context(shop, product, user, form=None, notice=None) -> dict:
    """What ``_form.html`` needs: may this user rate, and have they already."""
    eligible = models.is_verified_buyer(shop, product, user) if user is not None else False
    mine = models.own_review(product, user) if eligible else None
    return {"form": form or new_form(bound=False), "eligible": eligible, "my_review": mine, "notice": notice}


def column_context(shop, product, user, cursor=None, form=None, notice=None) -> dict:
    team = is_staff(shop, user) if user is not None else False
    if cursor is None:
        comments, next_cursor = models.first_page(product, user, team, PER_PAGE)
    else:
        comments, next_cursor = models.page_after(models.product_comments(product, user, team), cursor, PER_PAGE)
    return {
        "shop": shop, "product": product, "user": user, "can_moderate": team,
        "comments": comments, "next_cursor": next_cursor, "summary": product_summary(product),
        **form_context(shop, product, user, form, notice),
    }


def render_column(shop, product, user) -> str:
    return render_template("comments/_column.html", **column_context(shop, product, user))


@bp.get("/p/<int:product_id>")
def product(product_id: int):
    """The product's comments: htmx's "load more" gets the next items, a plain browser the whole page."""
    found = _product(product_id)
    cursor = models.decode_cursor(request.args.get("after"))
    context = column_context(g.shop, found, current(), cursor)
    return render_page("comments/product.html", "comments/_items.html", **context)


@bp.post("/p/<int:product_id>")
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
@login_required
def post(product_id: int):
    shop, user = g.shop, current()
    found = _product(product_id)
    form = new_form()
    context = form_context(shop, found, user, form)
    rating = form.rating_value if form.rating.data else None
    valid = form.validate_on_submit()
    if valid and rating is not None:
        if not context["eligible"]:
            form.rating.errors = [_("Only customers who received this product from us can give stars.")]
            valid = False
        elif context["my_review"] is not None:
            form.rating.errors = [_("You have already rated this product; edit your review instead.")]
            valid = False
    if valid:
        try:
            comment = models.add_comment(shop, found, user, form.body.data, rating, verified=context["eligible"],
                                         by_team=is_staff(shop, user), held=_held(shop) and not is_staff(shop, user))
        except models.AlreadyReviewed:
            form.rating.errors = [_("You have already rated this product; edit your review instead.")]
            valid = False
    if not valid:
        if wants_fragment():
            return render_template("comments/_form.html", shop=shop, product=found, user=user, **context)
        return render_template("comments/product.html", **column_context(shop, found, user, form=form)), 422
    notice = (_("Thank you! Your comment will appear once the shop has approved it.")
              if comment.status == models.PENDING else _("Thank you! Your comment is published."))
    if wants_fragment():
        return render_template(
            "comments/_posted.html", shop=shop, product=found, user=user, comment=comment,
            can_moderate=is_staff(shop, user), summary=product_summary(found),
            **form_context(shop, found, user, notice=notice),
        )
    flash(notice, "success")
    return redirect(url_for("storefront.product", product_slug=found.slug, _anchor="comments"), code=303)


def _own_comment(comment_id: int):
    """The current user's own comment in this shop; anybody else learns nothing (404)."""
    user = current()
    comment = models.comment_of(g.shop, comment_id)
    if user is None or comment is None or comment.author_id != user.id:
        abort(404)
    return user, comment


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    shop = g.shop
    user, comment = _own_comment(comment_id)
    found = Product.get_by_id(comment.product_id)
    eligible = models.is_verified_buyer(shop, found, user)
    data = {"body": comment.body, "rating": str(comment.rating or "")}
    form = CommentForm(prefix=PREFIX, data=data) if request.method == "GET" else new_form()
    context = {"shop": shop, "product": found, "comment": comment, "form": form, "user": user,
               "eligible": eligible or comment.rating is not None}
    if request.method == "POST" and form.validate_on_submit():
        rating = form.rating_value if form.rating.data else None
        problem = None
        if rating is not None and not eligible:
            problem = _("Only customers who received this product from us can give stars.")
        elif rating is not None and comment.rating is None:
            other = models.own_review(found, user)
            if other is not None and other.id != comment.id:
                problem = _("You have already rated this product; edit your review instead.")
        if problem:
            form.rating.errors = [problem]
        else:
            models.edit_comment(comment, form.body.data, rating)
            if _held(shop) and comment.status == models.VISIBLE and not is_staff(shop, user):
                models.set_status(comment, models.PENDING)
            status = (_("Saved. The shop will look at it again before it is shown.")
                      if comment.status == models.PENDING else _("Saved."))
            if wants_fragment():
                return render_template(
                    "comments/_updated.html", shop=shop, comment=comment, user=user, status=status,
                    can_moderate=is_staff(shop, user), summary=product_summary(found), product=found,
                )
            flash(status, "success")
            return redirect(url_for("storefront.product", product_slug=found.slug, _anchor=f"comment-{comment.id}"),
                            code=303)
    code = 422 if request.method == "POST" and not wants_fragment() else 200
    return render_page("comments/edit.html", "comments/_edit.html", **context), code


@bp.post("/<int:comment_id>/report")
@login_required
def report(comment_id: int):
    if not ModerationForm().validate_on_submit():
        abort(400)
    user = current()
    comment = models.comment_of(g.shop, comment_id)
    if comment is None or (comment.status != models.VISIBLE and not is_staff(g.shop, user)):
        abort(404)
    if comment.author_id == user.id:
        status = _("This is your own comment.")
    elif models.report(comment, user):
        status = _("Thank you, the shop will take a look.")
    else:
        status = _("You have already reported this comment.")
    return _answer(comment, status)


# ---------------------------------------------------------------------------
# moderation by the shop's owner and staff
# ---------------------------------------------------------------------------


def _answer(comment, status: str):
    """The comment in its new state (htmx), or back to where the button was pressed."""
    if wants_fragment():
        return render_template("comments/_comment.html", shop=g.shop, comment=comment, user=current(),
                               can_moderate=is_staff(g.shop), status=status,
                               show_product=request.args.get("from") == "manage")
    flash(status, "success")
    if request.args.get("from") == "manage":
        return redirect(url_for("comments.manage"), code=303)
    found = Product.get_by_id(comment.product_id)
    return redirect(url_for("storefront.product", product_slug=found.slug, _anchor="comments"), code=303)


def _moderated(comment_id: int):
    if not ModerationForm().validate_on_submit():
        abort(400)
    comment = models.comment_of(g.shop, comment_id)
    if comment is None:
        abort(404)
    return comment


@bp.post("/<int:comment_id>/hide")
@staff_required
def hide(comment_id: int):
    comment = models.set_status(_moderated(comment_id), models.HIDDEN)
    return _answer(comment, _("Hidden from the public."))


@bp.post("/<int:comment_id>/show")
@staff_required
def show(comment_id: int):
    comment = _moderated(comment_id)
    was_pending = comment.status == models.PENDING
    models.set_status(comment, models.VISIBLE)
    return _answer(comment, _("Approved: visible to everyone.") if was_pending else _("Visible to everyone."))


@bp.post("/<int:comment_id>/delete")
@staff_required
def delete(comment_id: int):
    comment = models.set_status(_moderated(comment_id), models.DELETED)
    return _answer(comment, _("Comment deleted."))


@bp.post("/<int:comment_id>/reply")
@staff_required
def reply(comment_id: int):
    comment = models.comment_of(g.shop, comment_id)
    if comment is None:
        abort(404)
    form = ReplyForm(prefix=f"reply-{comment.id}")
    if not form.validate_on_submit():
        context = {"shop": g.shop, "comment": comment, "user": current(), "can_moderate": True,
                   "reply_form": form, "show_product": request.args.get("from") == "manage"}
        if wants_fragment():
            return render_template("comments/_comment.html", **context)
        found = Product.get_by_id(comment.product_id)
        return render_template("comments/reply.html", product=found, **context), 422
    # A missing field is an empty reply: it removes the reply.
    text = form.reply.data or ""
    models.set_reply(comment, text, current())
    return _answer(comment, _("Reply published.") if text else _("Reply removed."))


@bp.get("/manage/")
@staff_required
def manage():
    shown = request.args.get("status", "all")
    if shown not in MANAGE_FILTERS:
        shown = "all"
    query = models.shop_comments(g.shop, None if shown == "all" else shown)
    comments, next_cursor = models.page_after(query, models.decode_cursor(request.args.get("after")), MANAGE_PER_PAGE)
    return render_page(
        "comments/manage.html", "comments/_manage_items.html",
        shop=g.shop, comments=comments, next_cursor=next_cursor, shown=shown, filters=MANAGE_FILTERS,
        counts=models.counts(g.shop), can_moderate=True, user=current(), show_product=True,
    )
