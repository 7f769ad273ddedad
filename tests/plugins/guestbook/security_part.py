"""The guestbook's part of the security suite (see tests/security/plugin_parts.py)."""
from __future__ import annotations

from security_kit import _form
from security_matrix import EVERYONE, MISSING_ID, TEAM_X, Entry, sx

PLUGIN = "guestbook"
G = "plugins.guestbook.forms"


def build(app, w):
    from plugins.guestbook import models as gb

    for key, d in (("X", w.x), ("Y", w.y)):
        d.entry = gb.add_entry(d.shop, "Visitor", f"Nice shoes from {key}", 5)
        # Deleting uses an entry up: the matrix deletes this one, never the shared one.
        d.extra["gb_doomed"] = gb.add_entry(d.shop, "Spammer", f"Buy followers {key}")


def _gb(path_fn):
    return lambda w: f"{sx(w)}/guestbook{path_fn(w)}"


def _team(own, wrong, **kwargs):
    return Entry("role", TEAM_X, _gb(own), wrong=tuple(_gb(x) for x in wrong), plugin=PLUGIN, **kwargs)


MATRIX = {
    "guestbook.index": Entry("public", EVERYONE, _gb(lambda w: "/"), plugin=PLUGIN),
    "guestbook.post": Entry("public", EVERYONE, _gb(lambda w: "/"), plugin=PLUGIN),
    "guestbook.entry": Entry("public", EVERYONE, _gb(lambda w: f"/{w.x.entry.id}"),
                             wrong=(_gb(lambda w: f"/{w.y.entry.id}"), _gb(lambda w: f"/{MISSING_ID}")), plugin=PLUGIN),
    "guestbook.queue": Entry("role", TEAM_X, _gb(lambda w: "/manage/"), plugin=PLUGIN),
    "guestbook.hide": _team(lambda w: f"/{w.x.entry.id}/hide", (lambda w: f"/{w.y.entry.id}/hide",)),
    "guestbook.show": _team(lambda w: f"/{w.x.entry.id}/show", (lambda w: f"/{w.y.entry.id}/show",)),
    "guestbook.reply": _team(lambda w: f"/{w.x.entry.id}/reply",
                             (lambda w: f"/{w.y.entry.id}/reply", lambda w: f"/{MISSING_ID}/reply")),
    "guestbook.confirm_delete": _team(lambda w: f"/{w.x.extra['gb_doomed'].id}/delete",
                                      (lambda w: f"/{w.y.extra['gb_doomed'].id}/delete",)),
    "guestbook.delete": _team(lambda w: f"/{w.x.extra['gb_doomed'].id}/delete",
                              (lambda w: f"/{w.y.extra['gb_doomed'].id}/delete", lambda w: f"/{MISSING_ID}/delete"),
                              consumes=True),
}

FORMS = {
    "guestbook.post": ("anonymous", _form(G, "EntryForm", prefix="gb")),
    "guestbook.hide": ("staff_x", _form(G, "ModerationForm")),
    "guestbook.show": ("staff_x", _form(G, "ModerationForm")),
    "guestbook.reply": ("staff_x", _form(G, "ReplyForm", prefix="reply")),
    # Core's settings endpoint, fuzzed through the guestbook's settings form.
    "manage.save_settings": ("owner_x", _form(G, "GuestbookSettingsForm", prefix="settings-guestbook")),
}

CSRF_ONLY = {"guestbook.delete"}
