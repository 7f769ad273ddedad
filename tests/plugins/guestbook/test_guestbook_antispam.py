"""The guestbook's spam rules, each on its own: honeypot, minimum time to submit, links, rate limit.

No test waits: the clock the time check reads (``antispam.now``) is set by hand.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from guestbook_kit import entry_data, shown_token
from itsdangerous import URLSafeSerializer

from plugins.guestbook import antispam
from plugins.guestbook.models import GuestbookEntry
from portal.core.models import ShopModule

INDEX = "/s/workshop/guestbook/"
HX = {"HX-Request": "true"}
CSS = Path(__file__).resolve().parents[3] / "static" / "css" / "plugins.css"


def text(response) -> str:
    return response.get_data(as_text=True)


def settings(shop, **values):
    ShopModule.create(shop=shop, plugin="guestbook", enabled=True, settings={"require_approval": False, **values})


@pytest.fixture
def max_links(portal_app):
    """``max_links(n)`` sets the installation's ``GUESTBOOK_MAX_LINKS`` for this test."""
    had = "GUESTBOOK_MAX_LINKS" in portal_app.config
    old = portal_app.config.get("GUESTBOOK_MAX_LINKS")

    def set_to(n):
        portal_app.config["GUESTBOOK_MAX_LINKS"] = n

    yield set_to
    if had:
        portal_app.config["GUESTBOOK_MAX_LINKS"] = old
    else:
        portal_app.config.pop("GUESTBOOK_MAX_LINKS", None)


class Clock:
    def __init__(self, monkeypatch, start=1_800_000_000.0):
        self.t = start
        monkeypatch.setattr(antispam, "now", lambda: self.t)

    def advance(self, seconds):
        self.t += seconds


# ---------------------------------------------------------------------------
# honeypot
# ---------------------------------------------------------------------------


def test_the_honeypot_is_in_the_form_but_hidden_from_people(client, shop):
    page = text(client.get(INDEX))
    trap = page[page.index('<div class="gb-trap" aria-hidden="true">'):]
    trap = trap[:trap.index("</div>")]
    assert 'name="gb-website"' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    # Hidden by the stylesheet (no style= attribute: the CSP forbids those).
    css = CSS.read_text()
    rule = css[css.index(".gb-trap {"):]
    assert "left: -10000px" in rule[:rule.index("}")]
    assert "style=" not in page


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_filled_honeypot_is_dropped_but_looks_accepted(client, shop, headers):
    answer = client.post(INDEX, data=entry_data(**{"gb-website": "http://spam.example"}), headers=headers)
    if headers:
        assert answer.status_code == 200
        assert "Thank you! Your message is in the guestbook." in text(answer)
        assert "hx-swap-oob" not in text(answer)
    else:
        assert answer.status_code == 303 and answer.headers["Location"] == INDEX
        assert "Thank you! Your message is in the guestbook." in text(client.get(INDEX))
    assert GuestbookEntry.select().count() == 0


def test_filled_honeypot_under_approval_gets_the_approval_notice(client, shop):
    settings(shop, require_approval=True)
    answer = client.post(INDEX, data=entry_data(**{"gb-website": "x"}), headers=HX)
    assert "will appear once the shop has approved it" in text(answer)
    assert GuestbookEntry.select().count() == 0


def test_a_robot_that_also_skips_the_timer_is_still_told_thank_you(client, shop):
    answer = client.post(INDEX, data=entry_data(**{"gb-website": "x", "gb-shown": ""}), headers=HX)
    assert "Thank you!" in text(answer) and GuestbookEntry.select().count() == 0


def test_empty_honeypot_is_a_person(client, shop):
    client.post(INDEX, data=entry_data(**{"gb-website": "  "}))
    assert GuestbookEntry.select().count() == 1


# ---------------------------------------------------------------------------
# minimum time to submit
# ---------------------------------------------------------------------------


def _shown_value(page: str) -> str:
    start = page.index('name="gb-shown"')
    tag = page[page.rindex("<input", 0, start):page.index(">", start)]
    return tag.split('value="')[1].split('"')[0]


def test_the_form_carries_a_signed_time_it_was_shown(client, shop, monkeypatch):
    clock = Clock(monkeypatch)
    token = _shown_value(text(client.get(INDEX)))
    assert token and antispam.check(token) == "fast"
    clock.advance(antispam.DEFAULT_MIN_SECONDS)
    assert antispam.check(token) is None


def test_a_cached_profile_page_carries_a_stamp_made_for_each_request(portal_app, shop, monkeypatch):
    """The shop profile (with the guestbook form) is in the page cache: a copy kept from a
    minute ago must not hand a robot a stamp old enough to post at once."""
    from portal.testing import make_client, until_hit

    clock = Clock(monkeypatch)
    settings(shop)
    first = make_client(portal_app).get("/s/workshop/profile")
    assert first.headers["X-Page-Cache"] == "miss"
    clock.advance(60)
    served = until_hit(lambda: make_client(portal_app).get("/s/workshop/profile"))
    token = _shown_value(text(served))
    assert token != _shown_value(text(first))
    assert antispam.check(token) == "fast"  # shown just now, not a minute ago
    assert "__portal_csrf_" not in text(served)
    clock.advance(antispam.DEFAULT_MIN_SECONDS)
    assert antispam.check(token) is None


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_too_fast_gets_a_polite_error_and_a_fresh_form(client, shop, monkeypatch, headers):
    clock = Clock(monkeypatch)
    token = antispam.issue()
    clock.advance(1)
    answer = client.post(INDEX, data=entry_data(**{"gb-shown": token}), headers=headers)
    assert answer.status_code == 200
    body = text(answer)
    assert '<p class="form-errors" role="alert">That was quick! Please read your message once more and send it again.</p>' in body
    # What was typed is kept, with a new stamp, so a second press (a moment later) goes through.
    assert "Sepatu pesanan saya pas sekali." in body
    fresh = _shown_value(body)
    assert fresh != token
    assert GuestbookEntry.select().count() == 0
    clock.advance(antispam.DEFAULT_MIN_SECONDS)
    client.post(INDEX, data=entry_data(**{"gb-shown": fresh}), headers=headers)
    assert GuestbookEntry.select().count() == 1


def test_the_minimum_is_a_setting_of_the_installation(portal_app, client, shop, monkeypatch):
    clock = Clock(monkeypatch)
    token = antispam.issue()
    clock.advance(5)
    portal_app.config["GUESTBOOK_MIN_SECONDS"] = 10
    try:
        assert "That was quick!" in text(client.post(INDEX, data=entry_data(**{"gb-shown": token}), headers=HX))
        clock.advance(5)
        client.post(INDEX, data=entry_data(**{"gb-shown": token}), headers=HX)
    finally:
        del portal_app.config["GUESTBOOK_MIN_SECONDS"]
    assert GuestbookEntry.select().count() == 1


def test_a_day_old_form_is_refused(client, shop):
    answer = client.post(INDEX, data=entry_data(**{"gb-shown": shown_token(seconds_ago=2 * 24 * 3600)}), headers=HX)
    assert "This form was open for a long time. Please send your message again." in text(answer)
    assert GuestbookEntry.select().count() == 0


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "1700000000",
     URLSafeSerializer("someone-elses-secret", salt=antispam.SALT).dumps(1_000),
     "__tampered__"],
    ids=["missing", "garbage", "bare-number", "forged", "tampered"],
)
def test_a_missing_or_forged_stamp_is_refused(client, shop, token):
    if token == "__tampered__":
        good = shown_token()
        token = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    answer = client.post(INDEX, data=entry_data(**{"gb-shown": token}), headers=HX)
    assert "Please send your message again from the guestbook form." in text(answer)
    assert GuestbookEntry.select().count() == 0


def test_a_stamp_holding_something_else_is_refused(client, shop, portal_app):
    token = URLSafeSerializer(portal_app.secret_key, salt=antispam.SALT).dumps("yesterday")
    answer = client.post(INDEX, data=entry_data(**{"gb-shown": token}), headers=HX)
    assert "Please send your message again" in text(answer) and GuestbookEntry.select().count() == 0


# ---------------------------------------------------------------------------
# links
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "links"),
    [
        ("Sepatunya bagus sekali", 0),
        ("Lihat https://example.com/x", 1),
        ("http://a.example dan https://b.example", 2),
        ("www.spam.example", 1),
        ("beli di bit.ly/abc atau promo.xyz", 2),
        ("HTTPS://EXAMPLE.COM", 1),
        ("ftp://files.example", 1),
        ("ukuran 42.5 dan harga Rp450.000", 0),
        ("email saya budi@mail.com", 1),
    ],
)
def test_counting_links(message, links):
    assert antispam.count_links(message) == links


def test_one_link_is_fine_by_default(client, shop):
    client.post(INDEX, data=entry_data(**{"gb-message": "Foto sepatunya: https://instagram.com/p/abc"}))
    assert GuestbookEntry.select().count() == 1


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_more_links_than_allowed_are_refused_with_a_clear_message(client, shop, headers):
    data = entry_data(**{"gb-message": "Promo! https://a.example https://b.example"})
    answer = client.post(INDEX, data=data, headers=headers)
    assert answer.status_code == 200
    assert ('<small id="gb-message-error" class="field-error">Please keep to at most 1 link in your message.</small>'
            in text(answer))
    assert GuestbookEntry.select().count() == 0


def test_links_in_the_name_count_too(client, shop):
    answer = client.post(INDEX, data=entry_data(**{"gb-name": "www.promo.example", "gb-message": "lihat https://x.example"}))
    assert "Please keep to at most 1 link" in text(answer) and GuestbookEntry.select().count() == 0


def test_links_may_be_forbidden(client, shop, max_links):
    max_links(0)
    answer = client.post(INDEX, data=entry_data(**{"gb-message": "lihat https://x.example"}), headers=HX)
    assert "Links are not allowed in the guestbook. Please remove them." in text(answer)
    assert GuestbookEntry.select().count() == 0


def test_more_links_may_be_allowed(client, shop, max_links):
    max_links(3)
    client.post(INDEX, data=entry_data(**{"gb-message": "https://a.example https://b.example https://c.example"}))
    assert GuestbookEntry.select().count() == 1
    answer = client.post(INDEX, data=entry_data(**{"gb-message": "https://a.example https://b.example www.c.example d.com"}))
    assert "Please keep to at most 3 links in your message." in text(answer)


# ---------------------------------------------------------------------------
# rate limit per address
# ---------------------------------------------------------------------------


def test_rate_limit_is_per_address(client, shop, portal_app):
    for _ in range(10):
        assert client.post(INDEX, data=entry_data(), environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 303
    assert client.post(INDEX, data=entry_data(), environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    # Another address is not held back by the first one's posts.
    assert client.post(INDEX, data=entry_data(), environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 303
    assert GuestbookEntry.select().count() == 11
