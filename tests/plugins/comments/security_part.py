"""The comments' part of the security suite (see tests/security/plugin_parts.py)."""
from __future__ import annotations

from security_kit import _form
from security_matrix import CUSTOMER_A, EVERYONE, LOGGED_IN, TEAM_X, Entry, sx

PLUGIN = "comments"
C = "plugins.comments.forms"


def build(app, w):
    from plugins.comments import models

    for key, d in (("X", w.x), ("Y", w.y)):
        # Customer A's comment on each shop's product; the moderation routes act on a second one,
        # so deleting it leaves customer A's own comment for the edit and report routes.
        d.extra["comment"] = models.add_comment(d.shop, d.product, w.users["customer_a"], f"Bagus dari {key}")
        d.extra["moderated"] = models.add_comment(d.shop, d.product, w.users["customer_b"], f"Kurang pas {key}")


def _c(w, key="comment", shop="X"):
    return (w.x if shop == "X" else w.y).extra[key].id


MATRIX = {
    "comments.product": Entry("public", EVERYONE, lambda w: f"{sx(w)}/comments/p/{w.x.product.id}",
                              wrong=(lambda w: f"{sx(w)}/comments/p/{w.y.product.id}",), plugin=PLUGIN),
    "comments.post": Entry("role", LOGGED_IN, lambda w: f"{sx(w)}/comments/p/{w.x.product.id}",
                           wrong=(lambda w: f"{sx(w)}/comments/p/{w.y.product.id}",), plugin=PLUGIN),
    # Only the author may edit; everybody else (guests too) learns nothing: 404.
    "comments.edit": Entry("hidden", CUSTOMER_A, lambda w: f"{sx(w)}/comments/{_c(w)}/edit",
                           wrong=(lambda w: f"{sx(w)}/comments/{_c(w, shop='Y')}/edit",), plugin=PLUGIN),
    "comments.report": Entry("role", LOGGED_IN, lambda w: f"{sx(w)}/comments/{_c(w)}/report",
                             wrong=(lambda w: f"{sx(w)}/comments/{_c(w, shop='Y')}/report",), plugin=PLUGIN),
    "comments.hide": Entry("role", TEAM_X, lambda w: f"{sx(w)}/comments/{_c(w, 'moderated')}/hide",
                           wrong=(lambda w: f"{sx(w)}/comments/{_c(w, 'moderated', 'Y')}/hide",), plugin=PLUGIN),
    "comments.show": Entry("role", TEAM_X, lambda w: f"{sx(w)}/comments/{_c(w, 'moderated')}/show",
                           wrong=(lambda w: f"{sx(w)}/comments/{_c(w, 'moderated', 'Y')}/show",), plugin=PLUGIN),
    "comments.reply": Entry("role", TEAM_X, lambda w: f"{sx(w)}/comments/{_c(w, 'moderated')}/reply",
                            wrong=(lambda w: f"{sx(w)}/comments/{_c(w, 'moderated', 'Y')}/reply",), plugin=PLUGIN),
    "comments.delete": Entry("role", TEAM_X, lambda w: f"{sx(w)}/comments/{_c(w, 'moderated')}/delete",
                             wrong=(lambda w: f"{sx(w)}/comments/{_c(w, 'moderated', 'Y')}/delete",),
                             consumes=True, plugin=PLUGIN),
    "comments.manage": Entry("role", TEAM_X, lambda w: f"{sx(w)}/comments/manage/", plugin=PLUGIN),
}

FORMS = {
    "comments.post": ("customer_a", _form(C, "CommentForm", prefix="cm")),
    "comments.edit": ("customer_a", _form(C, "CommentForm", prefix="cm")),
    "comments.reply": ("staff_x", lambda: _reply_fields()),
}

CSRF_ONLY = {"comments.hide", "comments.show", "comments.delete", "comments.report"}


def _reply_fields():
    # The reply box's prefix carries the comment's id (several boxes share a page): the
    # fuzzer posts to shop X's "moderated" comment, so its fields are named after it.
    from plugins.comments.forms import ReplyForm
    from plugins.comments.models import Comment

    moderated = Comment.select().where(Comment.body == "Kurang pas X").first()
    return ReplyForm(prefix=f"reply-{moderated.id}", formdata=None)
