"""Every route × every role × GET/POST, plain and htmx: the expected answer, and nothing changed on a refusal.

The routes come from the app's URL map; ``security_matrix.MATRIX`` says who may
use each one. A route added without an entry fails ``test_every_route_has_an_entry``.
"""
from __future__ import annotations

import re

import pytest
from security_kit import EN, ROLES, diff, fingerprint, outbox_count
from security_matrix import (
    ALLOW,
    FORBIDDEN,
    LOGIN,
    NOOP,
    NOT_FOUND,
    UNCHECKED,
    VIEW,
    applicable,
)

MATRIX = applicable()

CHECKED_METHODS = ("GET", "POST")


def is_login_redirect(response) -> bool:
    if response.status_code in (301, 302, 303):
        return "/login" in response.headers.get("Location", "")
    return response.status_code in (200, 204) and "/login" in response.headers.get("HX-Redirect", "")


def send(world, role: str, method: str, url: str, htmx: bool):
    client = world.client(role)
    headers = {**EN}
    if htmx:
        headers["HX-Request"] = "true"
    if method == "GET":
        response = client.get(url, headers=headers)
    else:
        headers["X-CSRFToken"] = world.csrf(role)
        response = client.post(url, headers=headers, data={})
    response.close()  # files are streamed; close them as a browser would
    return response


def check(outcome: str, response) -> str | None:
    """What is wrong with ``response`` for ``outcome``, or ``None``."""
    status = response.status_code
    if outcome == LOGIN:
        return None if is_login_redirect(response) else f"expected a log-in redirect, got {status}"
    if outcome in (FORBIDDEN, NOT_FOUND):
        return None if status == int(outcome) else f"expected {outcome}, got {status}"
    if outcome == NOOP:
        return None if status < 500 else f"expected no error, got {status}"
    if is_login_redirect(response):
        return "sent to log in although allowed"
    if outcome == VIEW or response.request.method == "GET":
        return None if status < 400 else f"expected 2xx/3xx, got {status}"
    # An allowed POST with an empty form may answer 400/422 (the form's errors), never a refusal.
    return None if status < 500 and status not in (401, 403, 404, 405) else f"expected to be let in, got {status}"


def methods_of(app, endpoint: str) -> list[str]:
    methods = set()
    for rule in app.url_map.iter_rules(endpoint):
        methods |= rule.methods
    return [m for m in CHECKED_METHODS if m in methods]


def missing_entries(app) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()} - UNCHECKED - MATRIX.keys())


def test_every_route_has_an_entry(portal_app):
    missing = missing_entries(portal_app)
    assert not missing, f"routes without an entry in tests/security/security_matrix.py: {missing}"
    endpoints = {rule.endpoint for rule in portal_app.url_map.iter_rules()} - UNCHECKED
    stale = sorted(MATRIX.keys() - endpoints)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_a_route_added_without_an_entry_is_caught(portal_app):
    portal_app.add_url_rule("/s/<shop_slug>/sneaky", "sneaky_export", lambda: "every customer's address")
    assert missing_entries(portal_app) == ["sneaky_export"]


def test_every_method_of_every_route_is_checked(portal_app):
    for rule in portal_app.url_map.iter_rules():
        if rule.endpoint in UNCHECKED:
            continue
        unchecked = rule.methods - {"HEAD", "OPTIONS", *CHECKED_METHODS}
        assert not unchecked, f"{rule.endpoint} accepts {unchecked}: add them to the matrix"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route(world, endpoint):
    entry = MATRIX[endpoint]
    methods = methods_of(world.app, endpoint)
    assert methods, f"{endpoint} is not in the URL map"
    variants = [("own", entry.own), *((f"wrong #{i + 1}", fn) for i, fn in enumerate(entry.wrong))]
    failures, allowed = [], []
    before, mails = fingerprint(), outbox_count()
    for variant, build in variants:
        url = build(world)
        for role in ROLES:
            outcome = entry.expect(role, variant)
            for method in methods:
                for htmx in (False, True):
                    label = f"{role} {'HX-' if htmx else ''}{method} {url} ({variant})"
                    if outcome == ALLOW:
                        allowed.append((role, method, htmx, url, label))
                        continue
                    response = send(world, role, method, url, htmx)
                    problem = check(outcome, response)
                    if problem:
                        failures.append(f"{label}: {problem}")
                    after = fingerprint()
                    if after != before:
                        failures.append(f"{label}: refused ({outcome}) but changed {diff(before, after)}")
                        before = after
                    if outbox_count() != mails:
                        failures.append(f"{label}: refused ({outcome}) but queued mail")
                        mails = outbox_count()
    # The allowed requests come last: they may change things the refusals relied on.
    allowed.sort(key=lambda item: item[1] != "GET")
    posted = False
    for role, method, htmx, url, label in allowed:
        if method == "POST" and entry.consumes:
            if posted:
                continue
            posted = True
        problem = check(ALLOW, send(world, role, method, url, htmx))
        if problem:
            failures.append(f"{label}: {problem}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# one 404 for every order a visitor may not see
# ---------------------------------------------------------------------------


MAIN_RE = re.compile(r"<main\b[^>]*>(.*?)</main>", re.DOTALL)


def main_text(response) -> str:
    match = MAIN_RE.search(response.get_data(as_text=True))
    assert match, "no <main> element"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize("suffix", ["", "/status"])
def test_unseen_orders_all_give_the_same_404(world, suffix):
    client = world.client("customer_a")
    shop = f"/s/{world.x.shop.slug}/orders"
    urls = {
        "another customer's order": f"{shop}/{world.x.order_b.number}{suffix}",
        "a non-existent order": f"{shop}/{world.x.shop.order_prefix}-20990101-9999{suffix}",
        "a guest order with a wrong token": f"{shop}/{world.x.guest_order.number}{suffix}?t=wrong-token",
        "a guest order with another order's token": (
            f"{shop}/{world.x.guest_order.number}{suffix}?t={world.x.order_b.access_token}"),
        "my order in another shop's address": f"{shop}/{world.y.order_a.number}{suffix}",
    }
    before = fingerprint()
    answers = {}
    for what, url in urls.items():
        response = client.get(url, headers=EN)
        assert response.status_code == 404, what
        answers[what] = main_text(response)
    assert len(set(answers.values())) == 1, answers
    assert fingerprint() == before
    # The guest link still works afterwards: the wrong tokens granted nothing, the right one does.
    assert world.client("anonymous").get(
        f"{shop}/{world.x.guest_order.number}{suffix}?t={world.x.guest_order.access_token}", headers=EN,
    ).status_code == 200
