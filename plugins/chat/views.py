"""The chat's pages: the customer's widget and stream, the team's inbox, conversation and stream.

Every route sits under ``/s/<shop_slug>/chat``, so core's guard answers 404 for a
shop that has the chat switched off. A visitor reaches only their own
conversation (by account, or by the guest's signed cookie); the team reaches
only its own shop's. Anything else answers 404, the same as a missing one.
"""
from __future__ import annotations

import secrets
import threading
import time
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from wtforms import SelectChoice

from plugins.chat import models
from plugins.chat import notify as chat_notify
from plugins.chat.fanout import STOPPING, broker_for, install_signal_handler
from plugins.chat.forms import (
    ActionForm,
    AssignForm,
    MessageForm,
    ReplyForm,
    SearchForm,
    StartForm,
)
from portal.core.db import db
from portal.core.order_flow import status_label
from portal.core.orders import Order
from portal.core.permissions import staff_required
from portal.core.ratelimit import limiter
from portal.htmx import hx_redirect, hx_retarget, render_page, wants_fragment
from portal.i18n import current_language

bp = Blueprint("chat", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static", url_prefix="/s/<shop_slug>/chat")
bp.record_once(lambda state: install_signal_handler())

GUEST_COOKIE = "portal_chat"
GUEST_SALT = "portal-chat-guest"
ORDER_SALT = "portal-chat-order"
ORDER_LINK_MAX_AGE = 30 * 24 * 3600
PREFIX = "chat"

# Per sender (account, guest cookie or address) and per conversation (both sides together).
SENDER_LIMIT = "8 per 10 seconds;30 per minute;300 per hour"
CONVERSATION_LIMIT = "60 per minute"


# ---------------------------------------------------------------------------
# who is asking
# ---------------------------------------------------------------------------


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _guest_serializer():
    return URLSafeSerializer(current_app.secret_key, salt=GUEST_SALT)


def guest_key() -> str | None:
    """The guest's key from the signed cookie; a forged or foreign cookie counts as none."""
    raw = request.cookies.get(GUEST_COOKIE)
    if not raw:
        return None
    try:
        value = _guest_serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else None


def _set_guest_cookie(response, key: str):
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
    response.set_cookie(GUEST_COOKIE, _guest_serializer().dumps(key), max_age=365 * 24 * 3600,
                        httponly=True, samesite="Lax", secure=secure, path="/")
    return response


def current_conversation(shop=None):
    """The visitor's open conversation in the shop, cached for the request."""
    shop = shop or g.shop
    key = f"_chat_conv_{shop.id}"
    if key not in g:
        setattr(g, key, models.visitor_conversation(shop, _user(), guest_key()))
    return getattr(g, key)


def _sender_key() -> str:
    user = _user()
    if user is not None:
        return f"chat-user:{user.id}"
    gk = guest_key()
    return f"chat-guest:{gk}" if gk else f"chat-addr:{request.remote_addr}"


def _conversation_key() -> str:
    conv = current_conversation()
    return f"chat-conv:{conv.id}" if conv else _sender_key()


def _staff_conversation_key() -> str:
    return f"chat-conv:{request.view_args.get('conversation_id')}"


def order_link_token(order) -> str:
    return URLSafeTimedSerializer(current_app.secret_key, salt=ORDER_SALT).dumps(order.id)


def _order_from(token: str | None):
    """The order named by a signed link from its order page, if it is this shop's."""
    if not token:
        return None
    try:
        order_id = URLSafeTimedSerializer(current_app.secret_key, salt=ORDER_SALT).loads(
            token, max_age=ORDER_LINK_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(order_id, int):
        return None
    return Order.get_or_none((Order.id == order_id) & (Order.shop == g.shop))


def streaming_on() -> bool:
    return bool(current_app.config.get("CHAT_STREAMING", True))


# ---------------------------------------------------------------------------
# the customer's widget
# ---------------------------------------------------------------------------


def _start_form(formdata=None, order=None, offline=False) -> StartForm:
    user = _user()
    data = {"name": user.name, "email": user.email} if user is not None else {}
    if user is None and guest_key():
        # A guest whose last conversation was closed is not asked who they are again.
        last = models.latest_guest_conversation(g.shop, guest_key())
        if last is not None:
            data = {"name": last.name, "email": last.email}
    if order is not None:
        data["order_ref"] = order_link_token(order)
    form = StartForm(prefix=PREFIX, formdata=formdata, data=data)
    if offline and user is None:
        form.require_email()
    return form


def _panel_context(conversation=None, form=None, notice=None, order=None):
    shop = g.shop
    offline = not models.available_team(shop)
    messages, after = [], 0
    if conversation is not None:
        messages = models.history(conversation)
        after = messages[-1].id if messages else 0
        chat_notify.customer_seen(conversation)
        if form is None:
            form = MessageForm(prefix=PREFIX, formdata=None,
                               data={"order_ref": order_link_token(order)} if order is not None else None)
    elif form is None:
        form = _start_form(None, order=order, offline=offline)
    return dict(shop=shop, conversation=conversation, messages=messages, after=after, form=form,
                offline=offline, notice=notice, streaming=streaming_on(), viewer="customer",
                asked_order=order, guest=_user() is None)


@bp.get("/")
def panel():
    """The open widget (a page of its own without JavaScript)."""
    # Asked from an order page: the next message links the conversation to that order.
    order = _order_from(request.args.get("order"))
    conversation = current_conversation()
    response = render_page("chat/panel.html", "chat/_panel.html", **_panel_context(conversation, order=order))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/launcher")
def launcher():
    """The closed widget (the button), swapped back in when the panel is closed."""
    return render_template("chat/_launcher.html", shop=g.shop, unread=_customer_unread())


def _customer_unread() -> int:
    conv = current_conversation()
    return conv.unread_customer if conv else 0


@bp.post("/")
@limiter.limit(SENDER_LIMIT, key_func=_sender_key, methods=["POST"])
@limiter.shared_limit(CONVERSATION_LIMIT, scope="chat-conversation", key_func=_conversation_key, methods=["POST"])
def send():
    shop = g.shop
    conversation = current_conversation()
    user = _user()
    if conversation is None:
        return _start(shop, user)
    form = MessageForm(prefix=PREFIX)
    if not form.validate_on_submit():
        return _form_again(form, conversation)
    order = _order_from(form.order_ref.data)
    if order is not None and conversation.order_id != order.id:
        # From an order page: the team sees that order beside the chat from now on.
        models.link_order(conversation, order, _("About order %(number)s", number=order.number))
    message = models.add_message(conversation, models.CUSTOMER, form.body.data, author=user,
                                 author_name=conversation.name)
    models.mark_read_by_customer(conversation)
    chat_notify.customer_seen(conversation)
    chat_notify.published(shop, conversation, message)
    if not wants_fragment():
        return redirect(url_for("chat.panel"), code=303)
    return render_template("chat/_sent.html", shop=shop, conversation=conversation, message=message,
                           form=MessageForm(prefix=PREFIX, formdata=None), viewer="customer")


def _form_again(form, conversation, status=200, notice=None):
    if wants_fragment():
        response = make_response(render_template(
            "chat/_form.html", shop=g.shop, conversation=conversation, form=form, notice=notice,
            offline=not models.available_team(g.shop), guest=_user() is None), status)
        return hx_retarget(response, "#chat-form", swap="outerHTML")
    return render_page("chat/panel.html", "chat/_panel.html",
                       **_panel_context(conversation, form=form, notice=notice)), status


def _start(shop, user):
    offline = not models.available_team(shop)
    formdata = request.form
    if user is not None:
        # The account says who it is; only the message is asked for.
        formdata = request.form.copy()
        formdata[f"{PREFIX}-name"] = user.name[:80]
        formdata[f"{PREFIX}-email"] = user.email
    form = _start_form(formdata, offline=offline)
    if not form.validate_on_submit():
        return _form_again(form, None)
    order = _order_from(form.order_ref.data)
    key = None
    if user is None:
        key = guest_key() or models_new_guest_key()
    with db.atomic():
        conversation = models.start_conversation(
            shop, name=form.name.data if user is None else user.name,
            email=form.email.data or "" if user is None else user.email,
            user=user, guest_key=key, order=order, lang=current_language())
        message = models.add_message(conversation, models.CUSTOMER, form.body.data, author=user,
                                     author_name=conversation.name)
        if offline:
            models.add_message(conversation, models.SYSTEM,
                               _("Nobody is available right now; we will answer by e-mail."), author_name="")
    chat_notify.customer_seen(conversation)
    chat_notify.published(shop, conversation, message, new=True, offline=offline)
    g.pop(f"_chat_conv_{shop.id}", None)
    if wants_fragment():
        response = make_response(render_template("chat/_panel.html", **_panel_context(conversation)))
        response = hx_retarget(response, "#chat-widget", swap="outerHTML")
    else:
        response = redirect(url_for("chat.panel"), code=303)
    if key is not None:
        _set_guest_cookie(response, key)
    return response


def models_new_guest_key() -> str:
    return secrets.token_urlsafe(24)


@bp.get("/messages")
def messages():
    """Polling fallback: 204 when nothing is new since ``since``, else the recent log and a new poller."""
    conversation = current_conversation()
    if conversation is None:
        abort(404)
    since = request.args.get("since", 0, type=int) or 0
    last = models.last_message_id(conversation)
    chat_notify.customer_seen(conversation)
    if last <= since:
        return Response(status=204)
    return render_template("chat/_log_update.html", shop=g.shop, conversation=conversation,
                           messages=models.history(conversation), after=last, viewer="customer",
                           poll_url=url_for("chat.messages"), log_id="chat-log", poller_id="chat-poller")


@bp.post("/read")
def read():
    """The widget showed the conversation: the team's replies are read (posted by the page, never a GET)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    conversation = current_conversation()
    if conversation is None:
        abort(404)
    models.mark_read_by_customer(conversation)
    chat_notify.customer_seen(conversation)
    return Response(status=204)


@bp.errorhandler(429)
def too_many(error):
    notice = _("You are sending messages very quickly. Please wait a moment and try again.")
    if request.endpoint == "chat.reply":
        conversation = models.conversation_of(g.shop, request.view_args.get("conversation_id"))
        form = ReplyForm(prefix=PREFIX)
        response = make_response(render_template("chat/_reply_form.html", shop=g.shop, conversation=conversation,
                                                 form=form, notice=notice), 429)
        return hx_retarget(response, "#chat-reply-form", swap="outerHTML") if wants_fragment() else response
    conversation = current_conversation() if getattr(g, "shop", None) else None
    form = MessageForm(prefix=PREFIX) if conversation else _start_form(request.form)
    return _form_again(form, conversation, status=429, notice=notice)


# ---------------------------------------------------------------------------
# server-sent events
# ---------------------------------------------------------------------------


def _as_message(event: dict):
    """A message as the templates want it, from a fan-out event (no database needed)."""
    return SimpleNamespace(id=event["id"], sender=event["sender"], author_name=event["author_name"],
                           body=event["body"], created_at=_parse_time(event["at"]),
                           conversation_id=event["conv"])


def _parse_time(value):
    import datetime as dt

    return dt.datetime.fromisoformat(value)


def _sse(event: str, data: str, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


def _stream(channels, render_event, replay):
    """A text/event-stream answer: replayed messages, then live ones, a heartbeat, and an end.

    The database connection goes back before waiting, so open streams hold none.
    """
    app = current_app._get_current_object()
    cfg = app.config
    lifetime = float(cfg.get("CHAT_STREAM_LIFETIME", 120))
    heartbeat = float(cfg.get("CHAT_HEARTBEAT", 15))
    broker = broker_for(app)
    subscription = broker.subscribe(channels)
    try:
        backlog = replay()
    except Exception:
        subscription.__exit__(None, None, None)
        raise
    locale = current_language()

    # No request context while streaming: it ends (and hands the database connection
    # back) when the view returns. Each event is rendered in a short app context of its
    # own, in the visitor's language; no context stays pushed across a ``yield``, so the
    # stream may be read (or closed) from any thread or context.
    def rendered(event) -> list[str]:
        with app.app_context(), force_locale(locale):
            return [_sse(name, html, event_id) for name, html, event_id in render_event(event)]

    def generate():
        seen = 0
        try:
            # Reconnect soon after the server ends the stream (lifetime, restart).
            yield "retry: 1500\n\n"
            for event_name, html, event_id in backlog:
                seen = max(seen, event_id or 0)
                yield _sse(event_name, html, event_id)
            ends = time.monotonic() + lifetime
            while not STOPPING.is_set():
                left = ends - time.monotonic()
                if left <= 0:
                    break
                event = subscription.get(timeout=min(heartbeat, left))
                if event is None:
                    if STOPPING.is_set():
                        break
                    yield ": keep-alive\n\n"
                    continue
                if event.get("id") and event["id"] <= seen:
                    continue
                yield from rendered(event)
            yield ": bye\n\n"
        finally:
            subscription.__exit__(None, None, None)

    response = Response(generate(), mimetype="text/event-stream")
    # Also when the answer is never read (a HEAD, a dropped client before the first byte).
    response.call_on_close(lambda: subscription.__exit__(None, None, None))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _last_event_id(default: int = 0) -> int:
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or default
    try:
        return max(int(raw), 0)
    except (TypeError, ValueError):
        return 0


def _unavailable():
    """The stream cannot be held here: the widget falls back to polling."""
    response = Response(status=204 if not streaming_on() else 503)
    response.headers["Retry-After"] = "30"
    return response


@bp.get("/stream")
def stream():
    """The customer's stream: the team's replies to their conversation as they are written."""
    conversation = current_conversation()
    if conversation is None:
        return Response(status=204)
    if not streaming_on() or _too_many_streams():
        return _unavailable()
    after = _last_event_id()
    shop = g.shop

    def replay():
        if not after:
            return []
        return [("message", _render_message(m, "customer"), m.id)
                for m in models.history(conversation, after=after) if m.sender != models.CUSTOMER]

    def render_event(event):
        if event.get("type") != "message" or event.get("sender") == models.CUSTOMER:
            return []
        return [("message", _render_message(_as_message(event), "customer", shop), event["id"])]

    return _counted(_stream([chat_notify.conversation_channel(conversation.id)], render_event, replay))


def _render_message(message, viewer: str, shop=None) -> str:
    return render_template("chat/_message.html", m=message, viewer=viewer, shop=shop if shop is not None else g.shop)


_OPEN_STREAMS = {"n": 0}
_COUNT_LOCK = threading.Lock()


def _too_many_streams() -> bool:
    limit = current_app.config.get("CHAT_MAX_STREAMS")
    return bool(limit) and _OPEN_STREAMS["n"] >= int(limit)


def _counted(response):
    """Count open streams of this process (``CHAT_MAX_STREAMS`` keeps threads for ordinary pages)."""
    with _COUNT_LOCK:
        _OPEN_STREAMS["n"] += 1
    inner = response.response

    def wrapped():
        try:
            yield from inner
        finally:
            with _COUNT_LOCK:
                _OPEN_STREAMS["n"] -= 1

    response.response = wrapped()
    return response


# ---------------------------------------------------------------------------
# the team's inbox
# ---------------------------------------------------------------------------


def _inbox_context(selected=None, search_form=None):
    shop = g.shop
    if selected is None and request.args.get("selected", type=int):
        selected = models.conversation_of(shop, request.args.get("selected", type=int))
    search_form = search_form or SearchForm(request.args, prefix="")
    q, status = "", "open"
    if search_form.validate():
        q = search_form.q.data or ""
        status = search_form.status.data or "open"
    mine = request.args.get("mine") == "1"
    conversations = models.inbox(shop, status=status, search=q, mine_id=current_user.id if mine else None)
    return dict(shop=shop, conversations=conversations, search_form=search_form, q=q, status=status, mine=mine,
                selected=selected, available=models.is_available(shop, current_user),
                nobody_available=not models.available_team(shop), streaming=streaming_on(),
                unread=models.unread_for_team(shop))


@bp.get("/manage/")
@staff_required
def inbox():
    response = render_page("chat/inbox.html", "chat/_inbox_list.html", **_inbox_context())
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _conversation_or_404(conversation_id: int):
    conversation = models.conversation_of(g.shop, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


def _conversation_context(conversation, reply_form=None, notice=None):
    shop = g.shop
    messages = models.history(conversation)
    orders = []
    if conversation.customer_id:
        orders = list(Order.select().where((Order.shop == shop) & (Order.customer == conversation.customer_id))
                      .order_by(Order.created_at.desc()).limit(10))
    elif conversation.email:
        orders = list(Order.select().where((Order.shop == shop) & (Order.email == conversation.email))
                      .order_by(Order.created_at.desc()).limit(10))
    assign_form = AssignForm(prefix="assign", formdata=None,
                             data={"assignee": str(conversation.assigned_to_id or "")})
    assign_form.assignee.choices = _assign_choices(shop)
    return dict(shop=shop, conversation=conversation, messages=messages,
                after=messages[-1].id if messages else 0, reply_form=reply_form or ReplyForm(prefix=PREFIX,
                                                                                            formdata=None),
                assign_form=assign_form, orders=orders, earlier=models.earlier_conversations(conversation),
                linked_order=conversation.order if conversation.order_id else None, notice=notice,
                viewer="staff", streaming=streaming_on(), action_form=ActionForm(formdata=None),
                status_label=status_label)


def _assign_choices(shop):
    return [SelectChoice("", _("Nobody"))] + [SelectChoice(str(u.id), u.name) for u in models.team(shop)]


@bp.get("/manage/<int:conversation_id>")
@staff_required
def conversation(conversation_id: int):
    conv = _conversation_or_404(conversation_id)
    ctx = _conversation_context(conv)
    ctx.update(_inbox_context(selected=conv))
    response = render_page("chat/conversation.html", "chat/_conversation.html", **ctx)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/manage/<int:conversation_id>/reply")
@staff_required
@limiter.limit(SENDER_LIMIT, key_func=_sender_key, methods=["POST"])
@limiter.shared_limit(CONVERSATION_LIMIT, scope="chat-conversation", key_func=_staff_conversation_key,
                      methods=["POST"])
def reply(conversation_id: int):
    shop = g.shop
    conv = _conversation_or_404(conversation_id)
    form = ReplyForm(prefix=PREFIX)
    if not form.validate_on_submit():
        if wants_fragment():
            response = make_response(render_template("chat/_reply_form.html", shop=shop, conversation=conv,
                                                     form=form))
            return hx_retarget(response, "#chat-reply-form", swap="outerHTML")
        ctx = _conversation_context(conv, reply_form=form)
        ctx.update(_inbox_context(selected=conv))
        return render_page("chat/conversation.html", "chat/_conversation.html", **ctx)
    user = current_user._get_current_object()
    message = models.add_message(conv, models.STAFF, form.body.data, author=user, author_name=user.name)
    models.mark_read_by_team(conv)
    chat_notify.published(shop, conv, message)
    chat_notify.email_reply_if_away(shop, conv, message)
    if not wants_fragment():
        return redirect(url_for("chat.conversation", conversation_id=conv.id), code=303)
    return render_template("chat/_sent.html", shop=shop, conversation=conv, message=message,
                           form=ReplyForm(prefix=PREFIX, formdata=None), viewer="staff")


def _action_done(conv, notice):
    if wants_fragment():
        ctx = _conversation_context(conv, notice=notice)
        ctx.update(_inbox_context(selected=conv))
        return render_template("chat/_conversation.html", **ctx)
    return redirect(url_for("chat.conversation", conversation_id=conv.id), code=303)


@bp.post("/manage/<int:conversation_id>/assign")
@staff_required
def assign(conversation_id: int):
    conv = _conversation_or_404(conversation_id)
    form = AssignForm(prefix="assign")
    form.assignee.choices = _assign_choices(g.shop)
    if not form.validate_on_submit():
        abort(400)
    user_id = int(form.assignee.data) if form.assignee.data else None
    member = models.team_member(g.shop, user_id) if user_id else None
    if user_id and member is None:
        abort(400)
    models.assign(conv, member.id if member else None)
    notice = (_("Assigned to %(name)s.", name=member.name) if member else _("Nobody is assigned now."))
    chat_notify.inbox_changed(g.shop, conv)
    return _action_done(conv, notice)


def _set_status(conversation_id: int, status: str):
    conv = _conversation_or_404(conversation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    models.set_status(conv, status)
    chat_notify.inbox_changed(g.shop, conv)
    return _action_done(conv, _("Conversation closed.") if status == models.CLOSED else _("Conversation reopened."))


@bp.post("/manage/<int:conversation_id>/close")
@staff_required
def close(conversation_id: int):
    return _set_status(conversation_id, models.CLOSED)


@bp.post("/manage/<int:conversation_id>/reopen")
@staff_required
def reopen(conversation_id: int):
    return _set_status(conversation_id, models.OPEN)


def _presence(available: bool):
    if not ActionForm().validate_on_submit():
        abort(400)
    models.set_presence(g.shop, current_user._get_current_object(), available)
    if wants_fragment():
        return render_template("chat/_presence.html", shop=g.shop, available=available,
                               nobody_available=not models.available_team(g.shop),
                               notice=_("You are available for chat.") if available else _("You are away."))
    return hx_redirect(request.referrer if _same_site(request.referrer) else url_for("chat.inbox"))


def _same_site(url: str | None) -> bool:
    from urllib.parse import urlparse

    if not url:
        return False
    parts = urlparse(url)
    return parts.netloc == request.host and parts.path.startswith(f"/s/{g.shop.slug}/")


@bp.post("/manage/available")
@staff_required
def available():
    return _presence(True)


@bp.post("/manage/away")
@staff_required
def away():
    return _presence(False)


@bp.post("/manage/<int:conversation_id>/read")
@staff_required
def team_read(conversation_id: int):
    """The conversation was shown to a team member: its customer messages are read."""
    conv = _conversation_or_404(conversation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    models.mark_read_by_team(conv)
    return Response(status=204)


@bp.get("/manage/<int:conversation_id>/messages")
@staff_required
def staff_messages(conversation_id: int):
    """The team's polling fallback for one conversation."""
    conv = _conversation_or_404(conversation_id)
    since = request.args.get("since", 0, type=int) or 0
    last = models.last_message_id(conv)
    if last <= since:
        return Response(status=204)
    return render_template("chat/_log_update.html", shop=g.shop, conversation=conv,
                           messages=models.history(conv), after=last, viewer="staff",
                           poll_url=url_for("chat.staff_messages", conversation_id=conv.id),
                           log_id=f"chat-log-{conv.id}", poller_id=f"chat-poller-{conv.id}")


@bp.get("/manage/stream")
@staff_required
def inbox_stream():
    """The team's stream for the shop: every new message, and a nudge to refresh the inbox list."""
    if not streaming_on() or _too_many_streams():
        return _unavailable()
    shop = g.shop
    me = current_user.id
    watching = request.args.get("conversation", type=int)
    conv = models.conversation_of(shop, watching) if watching else None
    after = _last_event_id()

    def replay():
        if not (conv and after):
            return []
        return [(f"msg-{conv.id}", _render_message(m, "staff"), m.id)
                for m in models.history(conv, after=after) if m.author_id != me or m.sender != models.STAFF]

    def render_event(event):
        out = [("inbox", str(event.get("conv", "")), None)]
        if event.get("type") == "message" and not (event.get("sender") == models.STAFF
                                                   and event.get("author_id") == me):
            out.append((f"msg-{event['conv']}", _render_message(_as_message(event), "staff", shop), event["id"]))
        return out

    return _counted(_stream([chat_notify.shop_channel(shop.id)], render_event, replay))

