"""The chat's part of the security suite (see tests/security/plugin_parts.py).

Customer routes answer by identity: the widget, its launcher and the stream serve
anyone (a visitor without a conversation gets an empty widget / a 204 stream);
the polling endpoint is customer A's alone here (A has a conversation in shop X),
everybody else gets the same 404. Team routes are shop X's team's; shop Y's
conversation through shop X's URL is a 404.
"""
from __future__ import annotations

from security_kit import _form
from security_matrix import CUSTOMER_A, EVERYONE, TEAM_X, Entry, sx

PLUGIN = "chat"
F = "plugins.chat.forms"


def build(app, w):
    from plugins.chat import models
    from portal.core.models import User

    # Streams end at once so a GET in the matrix returns.
    app.config.update(CHAT_STREAM_LIFETIME=0.2, CHAT_HEARTBEAT=0.1)
    customer_a = User.get(User.email == "customer@example.test")
    for key, d in (("X", w.x), ("Y", w.y)):
        conv = models.start_conversation(d.shop, name="Customer A", email=customer_a.email, user=customer_a)
        models.add_message(conv, models.CUSTOMER, f"Halo toko {key}", author=customer_a, author_name="Customer A")
        d.extra["chat"] = conv


def _conv(key):
    return lambda w: w.data(key).extra["chat"].id


def _team(path):
    return Entry("role", TEAM_X, lambda w: f"{sx(w)}/chat/manage/{_conv('X')(w)}{path}",
                 wrong=(lambda w: f"{sx(w)}/chat/manage/{_conv('Y')(w)}{path}",), plugin=PLUGIN)


MATRIX = {
    "chat.panel": Entry("public", EVERYONE, lambda w: f"{sx(w)}/chat/", plugin=PLUGIN),
    "chat.send": Entry("public", EVERYONE, lambda w: f"{sx(w)}/chat/", plugin=PLUGIN),
    "chat.launcher": Entry("public", EVERYONE, lambda w: f"{sx(w)}/chat/launcher", plugin=PLUGIN),
    "chat.stream": Entry("public", EVERYONE, lambda w: f"{sx(w)}/chat/stream", plugin=PLUGIN),
    "chat.static": Entry("public", EVERYONE, lambda w: f"{sx(w)}/chat/static/chat.js", plugin=PLUGIN),
    "chat.read": Entry("hidden", CUSTOMER_A, lambda w: f"{sx(w)}/chat/read", plugin=PLUGIN),
    "chat.team_read": _team("/read"),
    "chat.messages": Entry("hidden", CUSTOMER_A, lambda w: f"{sx(w)}/chat/messages?since=0", plugin=PLUGIN),
    "chat.inbox": Entry("role", TEAM_X, lambda w: f"{sx(w)}/chat/manage/", plugin=PLUGIN),
    "chat.inbox_stream": Entry("role", TEAM_X, lambda w: f"{sx(w)}/chat/manage/stream", plugin=PLUGIN),
    "chat.available": Entry("role", TEAM_X, lambda w: f"{sx(w)}/chat/manage/available", plugin=PLUGIN),
    "chat.away": Entry("role", TEAM_X, lambda w: f"{sx(w)}/chat/manage/away", plugin=PLUGIN),
    "chat.conversation": _team(""),
    "chat.staff_messages": _team("/messages"),
    "chat.reply": _team("/reply"),
    "chat.assign": _team("/assign"),
    "chat.close": _team("/close"),
    "chat.reopen": _team("/reopen"),
}

FORMS = {
    "chat.send": ("anonymous", _form(F, "StartForm", prefix="chat")),
    "chat.reply": ("staff_x", _form(F, "ReplyForm", prefix="chat")),
    "chat.assign": ("staff_x", _form(F, "AssignForm", prefix="assign")),
    "manage.save_settings": ("owner_x", _form(F, "ChatSettingsForm", prefix="settings-chat")),
}

CSRF_ONLY = {"chat.close", "chat.reopen", "chat.available", "chat.away", "chat.read", "chat.team_read"}
