"""The loyalty plugin's part of the security suite (see tests/security/plugin_parts.py)."""
from __future__ import annotations

from security_kit import _form
from security_matrix import EVERYONE, LOGGED_IN, MISSING_ID, TEAM_X, Entry, sx

PLUGIN = "loyalty"
L = "plugins.loyalty.forms"


def build(app, w):
    from plugins.loyalty import campaigns, rewards
    from plugins.loyalty import models as m

    customer_a = w.users["customer_a"]
    for key, d in (("X", w.x), ("Y", w.y)):
        d.extra["voucher"] = rewards.create_voucher(d.shop, f"PROMO{key}", m.PERCENT, 10, max_uses=5)
        d.extra["campaign"] = m.LoyaltyCampaign.create(shop=d.shop, name=f"Campaign {key}", subject="Hi {name}",
                                                       body="Hello {name}", customer_ids=[customer_a.id])
        with app.test_request_context():
            d.extra["unsubscribe"] = campaigns.unsubscribe_token(d.shop, customer_a.email)


def _m(path):
    return lambda w: f"{sx(w)}/loyalty/manage{path}"


def _team(path, wrong=()):
    return Entry("role", TEAM_X, _m(path), wrong=wrong, plugin=PLUGIN)


def _v(suffix=""):
    return (lambda w: f"{sx(w)}/loyalty/manage/vouchers/{w.x.extra['voucher'].id}{suffix}",
            (lambda w: f"{sx(w)}/loyalty/manage/vouchers/{w.y.extra['voucher'].id}{suffix}",
             lambda w: f"{sx(w)}/loyalty/manage/vouchers/{MISSING_ID}{suffix}"))


def _c(suffix=""):
    return (lambda w: f"{sx(w)}/loyalty/manage/campaigns/{w.x.extra['campaign'].id}{suffix}",
            (lambda w: f"{sx(w)}/loyalty/manage/campaigns/{w.y.extra['campaign'].id}{suffix}",
             lambda w: f"{sx(w)}/loyalty/manage/campaigns/{MISSING_ID}{suffix}"))


def _entry(pair):
    own, wrong = pair
    return Entry("role", TEAM_X, own, wrong=wrong, plugin=PLUGIN)


MATRIX = {
    "loyalty.manage": _team("/"),
    "loyalty.voucher_new": _team("/vouchers/new"),
    "loyalty.voucher_edit": _entry(_v()),
    "loyalty.voucher_toggle": _entry(_v("/toggle")),
    "loyalty.points_list": _team("/points"),
    # Customer A ordered from shop X; shop Y's owner never did (not X's customer); a missing id.
    "loyalty.points_customer": Entry(
        "role", TEAM_X, lambda w: f"{sx(w)}/loyalty/manage/points/{w.users['customer_a'].id}",
        wrong=(lambda w: f"{sx(w)}/loyalty/manage/points/{w.users['owner_y'].id}",
               lambda w: f"{sx(w)}/loyalty/manage/points/{MISSING_ID}"), plugin=PLUGIN),
    "loyalty.campaigns": _team("/campaigns"),
    "loyalty.campaign_new": _team("/campaigns/new"),
    "loyalty.campaign": _entry(_c()),
    "loyalty.campaign_test": _entry(_c("/test")),
    "loyalty.campaign_schedule": _entry(_c("/schedule")),
    "loyalty.campaign_cancel": _entry(_c("/cancel")),
    # Anyone logged in sees their own points in the shop (nobody else's).
    "loyalty.my_points": Entry("role", LOGGED_IN, lambda w: f"{sx(w)}/loyalty/points", plugin=PLUGIN),
    # The signed link from a campaign e-mail: shop Y's link, or a forged one, reaches nothing on shop X.
    "loyalty.unsubscribe": Entry(
        "public", EVERYONE, lambda w: f"{sx(w)}/loyalty/unsubscribe/{w.x.extra['unsubscribe']}",
        wrong=(lambda w: f"{sx(w)}/loyalty/unsubscribe/{w.y.extra['unsubscribe']}",
               lambda w: f"{sx(w)}/loyalty/unsubscribe/forged.token"), plugin=PLUGIN),
}

FORMS = {
    "loyalty.voucher_new": ("staff_x", _form(L, "VoucherForm")),
    "loyalty.voucher_edit": ("staff_x", _form(L, "VoucherForm")),
    "loyalty.points_customer": ("staff_x", _form(L, "AdjustPointsForm")),
    "loyalty.campaign_new": ("owner_x", _form(L, "CampaignForm")),
    "loyalty.campaign": ("owner_x", _form(L, "CampaignForm")),
    "loyalty.campaign_schedule": ("owner_x", _form(L, "ScheduleForm")),
}

CSRF_ONLY = {"loyalty.voucher_toggle", "loyalty.campaign_test", "loyalty.campaign_cancel", "loyalty.unsubscribe"}
# The unsubscribe link's signed token is its authorisation: a mail program's one-click POST (RFC 8058) has no
# session and no CSRF token.
TOKEN_AUTHORISED = {"loyalty.unsubscribe"}
