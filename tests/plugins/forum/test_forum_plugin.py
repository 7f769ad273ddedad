"""The forum as a plugin: metadata, migration, menu links, the customer-profile section, demo data, on/off."""
from __future__ import annotations

import re

from plugins.forum import models
from plugins.forum.forms import ForumSettingsForm
from plugins.forum.models import ForumCategory, ForumPost, ForumReport, ForumSubscription, ForumThread
from portal.core.db import db
from portal.core.models import Migration, User
from portal.core.plugins import plugin_settings
from tests.plugins.forum.conftest import text

F = "/s/workshop/forum"


def nav_links(page: str) -> list[str]:
    return re.findall(rf'<a href="{F}/">Forum', page)


def test_declares_its_metadata(portal_app):
    info = portal_app.extensions["portal"].plugins["forum"].info
    assert info.name == "forum" and info.version == "1.0.0"
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(info.label) == "Forum" and "threads" in str(info.description)
    assert info.roles == ("customer", "owner", "staff")
    assert info.settings_form is ForumSettingsForm and info.default_enabled is True


def test_its_migration_made_the_tables(portal_app):
    tables = set(db.get_tables())
    assert {"forum_category", "forum_thread", "forum_post", "forum_report", "forum_subscription"} <= tables
    assert Migration.select().where((Migration.app == "forum") & (Migration.name == "0001_initial")).exists()


def test_settings_default_to_no_holding(portal_app, shop):
    assert plugin_settings(shop, "forum") == {"hold_first_posts": False}


def test_owner_saves_the_setting_on_the_modules_page(owner_client, shop):
    response = owner_client.post("/s/workshop/manage/modules/forum/settings",
                                 data={"settings-forum-hold_first_posts": "y"})
    assert response.status_code in (200, 303)
    assert plugin_settings(shop, "forum") == {"hold_first_posts": True}


def test_enabled_shows_exactly_one_forum_link_in_each_menu(client, owner_client, shop):
    assert len(nav_links(text(client.get("/s/workshop/")))) == 1
    dashboard = text(owner_client.get("/s/workshop/manage/"))
    assert len(re.findall(rf'<a href="{F}/manage/"[^>]*>Forum', dashboard)) == 1


def test_disabled_forum_answers_404_hides_links_and_keeps_data(portal_app, client, customer_client, owner_client,
                                                              shop, forum,
                                                              make_thread, customer, other_customer, add_replies,
                                                              disable_plugin, enable_plugin):
    thread = make_thread(forum.care, customer, subscribe=True)
    [post] = add_replies(thread, other_customer, 1)
    models.add_report(post, customer, "spam", "")
    before = {m.__name__: m.select().count() for m in models.MODELS}
    disable_plugin(shop, "forum")
    token = ForumSubscription.get().token
    urls = [f"{F}/", f"{F}/c/{forum.care.id}", f"{F}/t/{thread.id}", f"{F}/search?q=x", f"{F}/p/{post.id}",
            f"{F}/unsubscribe/{token}", f"{F}/manage/", f"{F}/manage/categories"]
    for c in (client, customer_client, owner_client):
        for url in urls:
            assert c.get(url).status_code == 404, url
    assert customer_client.post(f"{F}/t/{thread.id}/reply", data={"fr-body": "x"}).status_code == 404
    assert customer_client.post(f"{F}/p/{post.id}/report", data={"rp-reason": "spam"}).status_code == 404
    assert owner_client.post(f"{F}/manage/threads/{thread.id}/hide").status_code == 404
    assert nav_links(text(client.get("/s/workshop/"))) == []
    assert f"{F}/manage/" not in text(owner_client.get("/s/workshop/manage/"))
    owner = User.get(User.email == "owner@shop.test")
    registry = portal_app.extensions["portal"]
    with portal_app.test_request_context("/s/workshop/manage/"):
        assert not [n for n, _ in registry.call_isolated("portal_slot_customer_profile", shop, shop=shop,
                                                         customer=customer, user=owner) if n == "forum"]
    assert {m.__name__: m.select().count() for m in models.MODELS} == before
    enable_plugin(shop, "forum")
    page = text(client.get(f"{F}/t/{thread.id}"))
    assert "How do I polish" in page and "Reply number 1" in page
    assert ForumReport.select().count() == 1 and ForumSubscription.get().is_active


def test_owner_badge_counts_held_posts_and_open_reports(owner_client, shop, forum, make_thread, customer,
                                                       other_customer, add_replies):
    thread = make_thread(forum.care, customer)
    add_replies(thread, other_customer, 2, is_held=True)
    post = ForumPost.get(ForumPost.thread == thread)
    models.add_report(post, other_customer, "rude", "")
    dashboard = text(owner_client.get("/s/workshop/manage/"))
    assert re.search(rf'<a href="{F}/manage/"[^>]*>Forum <mark>3</mark>', dashboard)


def test_customer_profile_slot_lists_the_customers_posts_for_the_team(portal_app, shop, other_shop, forum,
                                                                     make_thread, customer, other_customer,
                                                                     add_replies):
    thread = make_thread(forum.care, customer, title="Tali sepatu")
    add_replies(thread, customer, 2, body="Balasan <b>saya</b> {i}")
    add_replies(thread, other_customer, 1, body="Bukan milik A")
    make_thread(models.add_category(other_shop, "Theirs"), customer, title="Di toko lain")
    owner = User.get(User.email == "owner@shop.test")
    registry = portal_app.extensions["portal"]
    with portal_app.test_request_context("/s/workshop/manage/", headers={"Accept-Language": "en"}):
        [(name, html)] = [r for r in registry.call_isolated("portal_slot_customer_profile", shop, shop=shop,
                                                            customer=customer, user=owner) if r[0] == "forum"]
        assert name == "forum"
        assert html.count("<section") == 1 and "<h2" in html
        assert "1 thread started" in html and "3 posts" in html
        assert "Tali sepatu" in html and "Balasan &lt;b&gt;saya&lt;/b&gt; 2" in html
        assert "Bukan milik A" not in html and "Di toko lain" not in html
        nobody = User.create(email="quiet@example.test", name="Quiet", password_hash="x")
        assert not [r for r in registry.call_isolated("portal_slot_customer_profile", shop, shop=shop,
                                                      customer=nobody, user=owner) if r[0] == "forum"]


def test_demo_data_is_indonesian_and_idempotent(portal_app, shop, other_shop):
    from plugins.forum import demo
    from portal.core.shops import add_member
    from portal.testing import make_shop, make_user

    # The demo team as core's loader makes it (the 50 bulk customers are optional: demo falls back).
    cibaduyut = make_shop("cibaduyut", owner=make_user("owner@demo.test", "Asep Suryana"))
    add_member(cibaduyut, make_user("staff@demo.test", "Rina Marlina"), "staff")
    make_user("customer@demo.test", "Dewi Lestari")
    registry = portal_app.extensions["portal"]
    [result] = [r for name, r in registry.call_each("portal_register_demo_data", shop=cibaduyut) if name == "forum"]
    assert result == {"forum threads": 13}
    counts = {m.__name__: m.select().count() for m in models.MODELS}
    names = [c.name for c in ForumCategory.select().order_by(ForumCategory.position)]
    assert names == ["Perawatan sepatu", "Ukuran & pemesanan", "Pamer sepatumu"]
    replies = ForumPost.select().where(ForumPost.is_first == False)  # noqa: E712
    assert replies.count() >= 12 and replies.where(ForumPost.by_staff == True).exists()  # noqa: E712
    assert ForumThread.select().where(ForumThread.is_pinned == True).count() == 2  # noqa: E712
    assert models.queue_counts(cibaduyut) == {"held": 1, "reports": 1, "total": 2}
    assert demo.load(cibaduyut) == {"forum threads": 13}
    assert {m.__name__: m.select().count() for m in models.MODELS} == counts
    # A shop without the demo team (the batik shop, or any real shop) gets nothing.
    assert demo.load(other_shop) is None and demo.load(shop) is None
    assert {m.__name__: m.select().count() for m in models.MODELS} == counts


def test_demo_threads_render(portal_app, client):
    from plugins.forum import demo
    from portal.core.shops import add_member
    from portal.testing import make_shop, make_user

    cibaduyut = make_shop("cibaduyut", owner=make_user("owner@demo.test", "Asep Suryana"))
    add_member(cibaduyut, make_user("staff@demo.test", "Rina Marlina"), "staff")
    make_user("customer@demo.test", "Dewi Lestari")
    demo.load(cibaduyut)
    thread = ForumThread.get(ForumThread.title == "Cara menyemir pantofel kulit hitam?")
    page = text(client.get(f"/s/cibaduyut/forum/t/{thread.id}"))
    assert "<strong>10 menit</strong>" in page and '<span class="badge badge-ok">Staff</span>' in page
