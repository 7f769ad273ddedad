"""Racing customers over real HTTP: a browser with its own cookies and CSRF token, and a starting gun.

Shared by core's race tests and any plugin's (a voucher's last use, say).
"""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from tests.core.orders_testkit import checkout_data

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
FIELD_RE = r'name="{}" type="hidden" value="([^"]*)"'

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One customer's browser: cookies, the CSRF token of its session, no automatic redirects."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.csrf = None

    def request(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Accept-Language": "en"})
        if data is not None:
            req.add_header("X-CSRFToken", self.csrf)
        try:
            with self.opener.open(req, timeout=60) as response:
                status, html, headers = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as err:
            status, html, headers = err.code, err.read().decode(), err.headers
        match = CSRF_RE.search(html)
        if match:
            self.csrf = match.group(1)
        return status, html, headers

    def ready_to_check_out(self, shop, product, quantity=1) -> dict:
        """Put ``product`` in the cart and open checkout; returns the form the customer would submit."""
        self.request(f"/s/{shop.slug}/p/{product.slug}")
        status, _, _ = self.request(f"/s/{shop.slug}/cart/add/{product.id}", {"quantity": str(quantity)})
        assert status == 303
        status, html, _ = self.request(f"/s/{shop.slug}/checkout/")
        assert status == 200
        key = re.search(FIELD_RE.format("idempotency_key"), html).group(1)
        seen = re.search(FIELD_RE.format("seen_subtotal"), html).group(1)
        return {**checkout_data(key), "seen_subtotal": seen}


def all_at_once(jobs):
    """Run every ``job`` in its own thread, released together; returns their results in order."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - a crash must fail the test, not hang it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results
