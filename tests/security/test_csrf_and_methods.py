"""CSRF on every state-changing request, forms and htmx alike; no route changes anything on GET.

Both checks walk the whole URL map through the matrix, as the users allowed to
use each route (so a refusal for a missing role cannot hide a missing check).
"""
from __future__ import annotations

from plugin_parts import parts
from security_kit import EN, diff, fingerprint, outbox_count
from security_matrix import applicable
from werkzeug.exceptions import MethodNotAllowed

MATRIX = applicable()
# Authorised by a signed token in the URL, not by a session: no CSRF token to ask for (see plugin_parts).
TOKEN_AUTHORISED = {e for part in parts() for e in getattr(part, "TOKEN_AUTHORISED", ())}


def _routes(app, method: str) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if method in rule.methods and rule.endpoint in MATRIX})


def _users_of(entry) -> list[str]:
    # Signed-in users first: an anonymous visitor's refusal could come from a login check instead.
    return sorted(entry.allow | set(entry.overrides), key=lambda role: role == "anonymous")


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world):
    endpoints = _routes(world.app, "POST")
    assert len(endpoints) > 30, endpoints
    failures = []
    before, mails = fingerprint(), outbox_count()
    for endpoint in endpoints:
        entry = MATRIX[endpoint]
        url = entry.own(world)
        role = _users_of(entry)[0]
        if endpoint in TOKEN_AUTHORISED:
            # Without a CSRF token, a forged or another shop's token in the URL still reaches nothing.
            assert entry.wrong, endpoint
            url = entry.wrong[-1](world)
        client = world.client(role)
        other_token = world.csrf("customer_b" if role != "customer_b" else "customer_a")
        attempts = {
            "no token": {"headers": EN},
            "no token, htmx": {"headers": {**EN, "HX-Request": "true"}},
            "another session's token": {"headers": {**EN, "X-CSRFToken": other_token}},
            "another session's token in the form": {"headers": EN, "data": {"csrf_token": other_token}},
            "a forged token, htmx": {"headers": {**EN, "HX-Request": "true", "X-CSRFToken": "forged.token.value"}},
        }
        for what, kwargs in attempts.items():
            response = client.post(url, csrf=False, **kwargs)
            if response.status_code != (404 if endpoint in TOKEN_AUTHORISED else 400):
                failures.append(f"{endpoint} as {role}, {what}: {response.status_code}")
            after = fingerprint()
            if after != before or outbox_count() != mails:
                failures.append(f"{endpoint} as {role}, {what}: changed {diff(before, after)}")
                before, mails = after, outbox_count()
    assert not failures, "\n".join(failures)


def test_the_csrf_refusal_is_the_400_page_not_a_crash(world):
    response = world.client("owner_x").post(f"/s/{world.x.shop.slug}/manage/team/invite", csrf=False,
                                            data={"email": "x@example.test", "role": "staff"}, headers=EN)
    assert response.status_code == 400
    assert "<main" in response.get_data(as_text=True)


def test_no_route_changes_the_database_on_get(world):
    endpoints = _routes(world.app, "GET")
    assert len(endpoints) > 30, endpoints
    failures = []
    before, mails = fingerprint(), outbox_count()
    for endpoint in endpoints:
        entry = MATRIX[endpoint]
        urls = [entry.own(world), *(build(world) for build in entry.wrong)]
        for role in _users_of(entry):
            for url in urls:
                for headers in (EN, {**EN, "HX-Request": "true"}):
                    response = world.client(role).get(url, headers=headers)
                    response.close()  # files are streamed; close them as a browser would
                    if response.status_code >= 500:
                        failures.append(f"{endpoint} GET {url} as {role}: {response.status_code}")
                    after = fingerprint()
                    if after != before or outbox_count() != mails:
                        failures.append(f"{endpoint} GET {url} as {role}: changed {diff(before, after)}")
                        before, mails = after, outbox_count()
    assert not failures, "\n".join(failures)


def test_get_on_a_post_only_route_changes_nothing(world):
    """A link or an image tag pointing at an action (log-out, revoke, approve) must not do it."""
    adapter = world.app.url_map.bind("localhost")
    post_only = []
    for endpoint in _routes(world.app, "POST"):
        url = MATRIX[endpoint].own(world).split("?")[0]
        try:
            adapter.match(url, method="GET")
        except MethodNotAllowed:
            post_only.append((endpoint, url))
    assert {"auth.logout", "payments.approve", "team.revoke"} <= {e for e, _ in post_only}
    before = fingerprint()
    for endpoint, url in post_only:
        role = _users_of(MATRIX[endpoint])[0]
        response = world.client(role).get(url, headers=EN)
        assert response.status_code == 405, (endpoint, response.status_code)
    assert fingerprint() == before
    # Still logged in: the GET on /logout did not log anyone out.
    assert world.client("owner_x").get(f"/s/{world.x.shop.slug}/manage/", headers=EN).status_code == 200
