"""Live chat: customers and the shop talk in real time, tied to their orders, with a written record.

A built-in plugin, registered in ``setup.cfg`` under ``portal.plugins``. The widget
sits at the end of every storefront page; the team answers from the inbox in the
back office. Messages reach open pages over server-sent events (fan-out in
process, or through Redis across processes), with polling when a stream cannot
be held. Switching the plugin off hides the widget and the pages; every
conversation is kept.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from plugins.chat import demo, models, views
from plugins.chat.forms import ChatSettingsForm
from portal import NavItem, PluginInfo, hookimpl

NAME = "chat"


@hookimpl
def portal_register_plugin():
    return PluginInfo(
        name=NAME,
        label=_l("Live chat"),
        version="1.0.0",
        description=_l("Customers chat with your shop in real time, also about their orders; "
                       "your team answers from one inbox."),
        roles=("customer", "owner", "staff"),
        settings_form=ChatSettingsForm,
    )


@hookimpl
def portal_register_models():
    return [models.ChatConversation, models.ChatMessage, models.ChatPresence]


@hookimpl
def portal_register_migrations():
    return list(models.MIGRATIONS)


@hookimpl
def portal_register_translations():
    return str(Path(__file__).parent / "translations")


@hookimpl
def portal_register_blueprints():
    return [views.bp]


@hookimpl
def portal_register_demo_data(shop):
    demo.load(shop)


@hookimpl
def portal_owner_nav_items(shop):
    return [NavItem(_l("Chat"), url_for("chat.inbox", shop_slug=shop.slug),
                    badge=models.unread_for_team(shop) or None, order=30)]


def _in_back_office() -> bool:
    endpoint = request.endpoint or ""
    return endpoint.startswith("chat.") or request.blueprint in ("manage",) or "/manage" in request.path


@hookimpl
def portal_slot_page_end(shop, user):
    # Not on the chat's own pages (the panel is the page there) nor in the back office.
    if _in_back_office():
        return None
    conversation = views.current_conversation(shop)
    return render_template("chat/_widget.html", shop=shop,
                           unread=conversation.unread_customer if conversation else 0)


@hookimpl
def portal_slot_order_customer(shop, order, user):
    return render_template("chat/_order_link.html", shop=shop, order=order,
                           token=views.order_link_token(order))


@hookimpl
def portal_slot_order_sidebar(shop, order, user):
    conversations = list(models.ChatConversation.select()
                         .where((models.ChatConversation.shop == shop) & (models.ChatConversation.order == order))
                         .order_by(models.ChatConversation.last_message_at.desc()).limit(5))
    if not conversations:
        return None
    return render_template("chat/_order_sidebar.html", shop=shop, conversations=conversations)


@hookimpl
def portal_slot_customer_profile(shop, customer, user):
    conversations = models.customer_conversations(shop, customer)
    return render_template("chat/_customer.html", shop=shop, customer=customer, conversations=conversations)


@hookimpl
def portal_slot_dashboard_cards(shop, user):
    open_count = (models.ChatConversation.select()
                  .where((models.ChatConversation.shop == shop) & (models.ChatConversation.status == models.OPEN))
                  .count())
    return render_template("chat/_card.html", shop=shop, open_count=open_count,
                           unread=models.unread_for_team(shop), available=bool(models.available_team(shop)))
