"""The forum's part of the security suite (see tests/security/plugin_parts.py)."""
from __future__ import annotations

from security_kit import _form
from security_matrix import CUSTOMER_A, EVERYONE, LOGGED_IN, MISSING_ID, OWNER_X, TEAM_X, Entry, sx

PLUGIN = "forum"
FF = "plugins.forum.forms"


def build(app, w):
    from plugins.forum import models

    for key, d in (("X", w.x), ("Y", w.y)):
        cat = models.add_category(d.shop, f"Perawatan {key}", "Semir dan sikat")
        # Customer A opens a thread (and asks for reply mails); customer B replies; A reports the reply.
        thread, first = models.create_thread(d.shop, cat, w.users["customer_a"], f"Semir {key}", "Semir apa?",
                                             by_staff=False, held=False, subscribe=True, lang="en")
        reply = models.add_reply(thread, w.users["customer_b"], f"Pakai semir krim {key}", by_staff=False, held=False)
        report, _ = models.add_report(reply, w.users["customer_a"], "spam", "")
        d.extra.update(forum_category=cat, forum_thread=thread, forum_first=first, forum_reply=reply,
                       forum_report=report, forum_token=models.ForumSubscription.get(thread=thread).token)


def _f(path):
    return lambda w: f"{sx(w)}/forum{path}"


def _x(name, fmt):
    """URL on shop X with shop X's object ``name`` put into ``fmt``."""
    return lambda w: f"{sx(w)}/forum" + fmt.format(w.x.extra[name].id if hasattr(w.x.extra[name], "id")
                                                    else w.x.extra[name])


def _y(name, fmt):
    """Shop X's address with shop Y's object: must reach nothing."""
    return lambda w: f"{sx(w)}/forum" + fmt.format(w.y.extra[name].id if hasattr(w.y.extra[name], "id")
                                                    else w.y.extra[name])


def _missing(fmt):
    return lambda w: f"{sx(w)}/forum" + fmt.format(MISSING_ID)


MATRIX = {
    # ---- reading: everyone ---------------------------------------------------
    "forum.index": Entry("public", EVERYONE, _f("/"), plugin=PLUGIN),
    "forum.search": Entry("public", EVERYONE, _f("/search?q=semir"), plugin=PLUGIN),
    "forum.category": Entry("public", EVERYONE, _x("forum_category", "/c/{}"),
                            wrong=(_y("forum_category", "/c/{}"), _missing("/c/{}")), plugin=PLUGIN),
    "forum.thread": Entry("public", EVERYONE, _x("forum_thread", "/t/{}"),
                          wrong=(_y("forum_thread", "/t/{}"), _missing("/t/{}")), plugin=PLUGIN),
    "forum.post_link": Entry("public", EVERYONE, _x("forum_reply", "/p/{}"),
                             wrong=(_y("forum_reply", "/p/{}"), _missing("/p/{}")), plugin=PLUGIN),
    # The token in the reply mail is the credential: whoever holds it may stop the mails.
    "forum.unsubscribe": Entry("public", EVERYONE, _x("forum_token", "/unsubscribe/{}"),
                               wrong=(_y("forum_token", "/unsubscribe/{}"), _f("/unsubscribe/not-a-real-token")),
                               plugin=PLUGIN),
    # ---- writing: any logged-in user -----------------------------------------
    "forum.new_thread": Entry("role", LOGGED_IN, _x("forum_category", "/c/{}/new"),
                              wrong=(_y("forum_category", "/c/{}/new"), _missing("/c/{}/new")), plugin=PLUGIN),
    "forum.reply": Entry("role", LOGGED_IN, _x("forum_thread", "/t/{}/reply"),
                         wrong=(_y("forum_thread", "/t/{}/reply"), _missing("/t/{}/reply")), plugin=PLUGIN),
    "forum.report": Entry("role", LOGGED_IN, _x("forum_reply", "/p/{}/report"),
                          wrong=(_y("forum_reply", "/p/{}/report"), _missing("/p/{}/report")), plugin=PLUGIN),
    # Only the author edits (customer A opened the thread); everybody else, guests too, learns nothing: 404.
    "forum.edit_post": Entry("hidden", CUSTOMER_A, _x("forum_first", "/p/{}/edit"),
                             wrong=(_y("forum_first", "/p/{}/edit"), _missing("/p/{}/edit")), plugin=PLUGIN),
    # ---- moderation: owner and staff of shop X -------------------------------
    "forum.queue": Entry("role", TEAM_X, _f("/manage/"), plugin=PLUGIN),
    "forum.moderate_post": Entry("role", TEAM_X, _x("forum_reply", "/manage/posts/{}/hide"),
                                 wrong=(_y("forum_reply", "/manage/posts/{}/hide"),
                                        _x("forum_reply", "/manage/posts/{}/erase"),
                                        _missing("/manage/posts/{}/hide")), plugin=PLUGIN),
    "forum.moderate_thread": Entry("role", TEAM_X, _x("forum_thread", "/manage/threads/{}/lock"),
                                   wrong=(_y("forum_thread", "/manage/threads/{}/lock"),
                                          _x("forum_thread", "/manage/threads/{}/erase"),
                                          _missing("/manage/threads/{}/lock")), plugin=PLUGIN),
    "forum.move_thread": Entry("role", TEAM_X, _x("forum_thread", "/manage/threads/{}/move"),
                               wrong=(_y("forum_thread", "/manage/threads/{}/move"),
                                      _missing("/manage/threads/{}/move")), plugin=PLUGIN),
    "forum.resolve_report": Entry("role", TEAM_X, _x("forum_report", "/manage/reports/{}/resolve"),
                                  wrong=(_y("forum_report", "/manage/reports/{}/resolve"),
                                         _missing("/manage/reports/{}/resolve")), plugin=PLUGIN),
    # ---- categories: the owner of shop X ---------------------------------------
    "forum.categories": Entry("role", OWNER_X, _f("/manage/categories"), plugin=PLUGIN),
    "forum.category_edit": Entry("role", OWNER_X, _x("forum_category", "/manage/categories/{}"),
                                 wrong=(_y("forum_category", "/manage/categories/{}"),
                                        _missing("/manage/categories/{}")), plugin=PLUGIN),
    "forum.category_move": Entry("role", OWNER_X, _x("forum_category", "/manage/categories/{}/move"),
                                 wrong=(_y("forum_category", "/manage/categories/{}/move"),
                                        _missing("/manage/categories/{}/move")), plugin=PLUGIN),
    # The category holds a thread, so an empty form deletes nothing; a filled one may: try it once.
    "forum.category_delete": Entry("role", OWNER_X, _x("forum_category", "/manage/categories/{}/delete"),
                                   wrong=(_y("forum_category", "/manage/categories/{}/delete"),
                                          _missing("/manage/categories/{}/delete")),
                                   consumes=True, plugin=PLUGIN),
}

FORMS = {
    "forum.new_thread": ("customer_a", _form(FF, "ThreadForm", prefix="ft")),
    "forum.reply": ("customer_a", _form(FF, "ReplyForm", prefix="fr")),
    "forum.report": ("customer_a", _form(FF, "ReportForm", prefix="rp")),
    "forum.edit_post": ("customer_a", _form(FF, "EditPostForm", prefix="fe")),
    "forum.move_thread": ("staff_x", _form(FF, "MoveThreadForm", prefix="mv")),
    "forum.resolve_report": ("staff_x", _form(FF, "ResolveReportForm")),
    "forum.categories": ("owner_x", _form(FF, "CategoryForm", prefix="cat")),
    "forum.category_edit": ("owner_x", _form(FF, "CategoryForm", prefix="cat")),
    "forum.category_move": ("owner_x", _form(FF, "CategoryMoveForm")),
    "forum.category_delete": ("owner_x", _form(FF, "CategoryDeleteForm", prefix="del")),
}

CSRF_ONLY = {"forum.moderate_post", "forum.moderate_thread", "forum.unsubscribe"}
