"""In a real browser: browse the shop, log in as the owner, switch the guestbook off and on.

The switch must work with one click and no page reload (a ``window`` marker set
before the click survives it), and the profile's guestbook fragment must vanish
and come back with its old entries.
"""
from __future__ import annotations

import re

import pytest

from plugins.guestbook.models import GuestbookEntry, add_entry
from portal.core.models import ShopModule
from portal.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

OLD_MESSAGE = "Sepatunya nyaman dipakai seharian."


@pytest.fixture
def portal_config():
    # Playwright fills the form faster than any person, so the guestbook's minimum time
    # to submit (tested in tests/plugins/guestbook/test_guestbook_antispam.py) is off here.
    return {"GUESTBOOK_MIN_SECONDS": 0}


def set_marker(page):
    page.evaluate("window.__marker = 1")


def marker_survived(page) -> bool:
    return page.evaluate("window.__marker") == 1


@pytest.fixture
def guestbook_shop(shop):
    add_entry(shop, "Siti Rahma", OLD_MESSAGE, rating=5)
    add_entry(shop, "Agus", "Pengiriman cepat, jahitannya rapi.", rating=4)
    return shop


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_owner_switches_the_guestbook_off_and_on(live_server, guestbook_shop, open_tab, viewport):
    tab = open_tab(viewport, "guestbook")
    page = tab.page
    base = f"{live_server.url}/s/{guestbook_shop.slug}"

    # A visitor browses the shop home and its profile, guestbook included.
    page.goto(f"{base}/")
    assert page.locator("h1").first.inner_text().strip() == guestbook_shop.name
    tab.shot("1-home")
    page.locator("a", has_text="About us").first.click()
    page.wait_for_url(f"{base}/profile")
    guestbook = page.locator("#guestbook")
    guestbook.scroll_into_view_if_needed()
    assert guestbook.is_visible()
    assert OLD_MESSAGE in guestbook.inner_text()
    tab.shot("2-profile")

    # The owner logs in through the form and comes back to the profile.
    page.locator("a", has_text="Log in").first.click()
    page.wait_for_url(re.compile(r"/login"))
    page.locator("input[name=email]").fill("owner@shop.test")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    tab.shot("3-login")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/profile")

    # Modules: one click switches the guestbook off, in place.
    page.locator("a", has_text="Manage").first.click()
    page.wait_for_url(f"{base}/manage/")
    tab.shot("4-dashboard")
    page.locator(".backoffice-menu a", has_text="Modules").click()
    page.wait_for_url(f"{base}/manage/modules")
    switch = page.locator("#switch-guestbook-enabled")
    assert switch.is_checked()
    tab.shot("5-modules-on")
    set_marker(page)
    switch.click()
    status = page.locator("#switch-status-guestbook")
    status.filter(has_text="Guestbook is off").wait_for()
    assert marker_survived(page), "the switch reloaded the page"
    assert not page.locator("#switch-guestbook-enabled").is_checked()
    assert ShopModule.get(shop=guestbook_shop, plugin="guestbook").enabled is False
    tab.shot("6-modules-off")

    # The profile no longer has the guestbook, and its page is gone.
    page.goto(f"{base}/profile")
    assert page.locator("#guestbook").count() == 0
    assert OLD_MESSAGE not in page.content()
    tab.shot("7-profile-without-guestbook")
    tab.expect_404 = True
    assert page.goto(f"{base}/guestbook/").status == 404
    tab.expect_404 = False

    # Switched on again: back, with the old entries.
    page.goto(f"{base}/manage/modules")
    set_marker(page)
    page.locator("#switch-guestbook-enabled").click()
    page.locator("#switch-status-guestbook").filter(has_text="Guestbook is on").wait_for()
    assert marker_survived(page), "the switch reloaded the page"
    assert page.locator("#switch-guestbook-enabled").is_checked()
    page.goto(f"{base}/profile")
    guestbook = page.locator("#guestbook")
    assert guestbook.is_visible() and OLD_MESSAGE in guestbook.inner_text()
    tab.shot("8-profile-guestbook-back")
    assert tab.errors == [], tab.errors


def test_visitor_posts_and_owner_hides_in_place(live_server, guestbook_shop, open_tab):
    tab = open_tab("mobile", "guestbook-post")
    page = tab.page
    base = f"{live_server.url}/s/{guestbook_shop.slug}"
    page.goto(f"{base}/profile")
    set_marker(page)
    form = page.locator("form.guestbook-form")
    form.locator("input[name=gb-name]").fill("Dewi")
    form.locator("textarea[name=gb-message]").fill("Pelayanannya ramah sekali.")
    form.locator("select[name=gb-rating]").select_option("5")
    form.locator("button[type=submit]").click()
    page.locator(".guestbook-form .flash", has_text="Thank you!").wait_for()
    first = page.locator("#guestbook-entries > li.entry").first
    assert "Pelayanannya ramah sekali." in first.inner_text()
    assert marker_survived(page), "posting reloaded the page"
    assert page.locator("textarea[name=gb-message]").input_value() == ""
    assert GuestbookEntry.select().where(GuestbookEntry.name == "Dewi").count() == 1
    tab.shot("1-posted")

    # The owner hides it from the same kind of page, in place.
    page.goto(f"{live_server.url}/login?next=/s/{guestbook_shop.slug}/guestbook/")
    page.locator("input[name=email]").fill("owner@shop.test")
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/guestbook/")
    set_marker(page)
    entry = page.locator("#guestbook-entries > li.entry", has_text="Dewi")
    entry.locator("button", has_text="Hide").click()
    hidden = page.locator("#guestbook-entries > li.entry-hidden", has_text="Dewi")
    hidden.locator(".status-text", has_text="Hidden from the public.").wait_for()
    assert marker_survived(page)
    assert GuestbookEntry.get(GuestbookEntry.name == "Dewi").is_hidden is True
    tab.shot("2-hidden")
    assert tab.errors == [], tab.errors
