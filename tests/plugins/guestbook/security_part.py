"""The guestbook's part of the security suite (see tests/security/plugin_parts.py)."""
from __future__ import annotations

from security_kit import _form
from security_matrix import EVERYONE, TEAM_X, Entry, sx

PLUGIN = "guestbook"
G = "plugins.guestbook.forms"


def build(app, w):
    from plugins.guestbook import models as gb

    for key, d in (("X", w.x), ("Y", w.y)):
        d.entry = gb.add_entry(d.shop, "Visitor", f"Nice shoes from {key}", 5)


MATRIX = {
    "guestbook.index": Entry("public", EVERYONE, lambda w: f"{sx(w)}/guestbook/", plugin=PLUGIN),
    "guestbook.post": Entry("public", EVERYONE, lambda w: f"{sx(w)}/guestbook/", plugin=PLUGIN),
    "guestbook.hide": Entry("role", TEAM_X, lambda w: f"{sx(w)}/guestbook/{w.x.entry.id}/hide",
                            wrong=(lambda w: f"{sx(w)}/guestbook/{w.y.entry.id}/hide",), plugin=PLUGIN),
    "guestbook.show": Entry("role", TEAM_X, lambda w: f"{sx(w)}/guestbook/{w.x.entry.id}/show",
                            wrong=(lambda w: f"{sx(w)}/guestbook/{w.y.entry.id}/show",), plugin=PLUGIN),
}

FORMS = {
    "guestbook.post": ("anonymous", _form(G, "EntryForm", prefix="gb")),
    "guestbook.hide": ("staff_x", _form(G, "ModerationForm")),
    "guestbook.show": ("staff_x", _form(G, "ModerationForm")),
    # Core's settings endpoint, fuzzed through the guestbook's settings form.
    "manage.save_settings": ("owner_x", _form(G, "GuestbookSettingsForm", prefix="settings-guestbook")),
}
