"""Logging in and out in a real browser, written once for every browser test.

Both helpers wait for the navigation they cause to *finish* before returning.
Waiting for "networkidle" right after a click is not enough: the page is still
idle when the click's request has not started yet, so the next ``goto`` can race
the logout and land on ``/login`` while still logged in (which redirects home).
"""
from __future__ import annotations

import re
from urllib.parse import quote

from portal.testing import TEST_PASSWORD


def log_in(page, base_url: str, email: str, next_path: str | None = None) -> None:
    """Log in through the form and wait until the browser has left the login page.

    ``next_path`` may be a path or a full URL under ``base_url``; without it the
    portal sends the user to their own start page.
    """
    if next_path and next_path.startswith(base_url):
        next_path = next_path[len(base_url):]
    url = f"{base_url}/login" + (f"?next={quote(next_path, safe='/')}" if next_path else "")
    page.goto(url)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    if next_path:
        page.wait_for_url(f"{base_url}{next_path}")
    else:
        page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("load")


def log_out(page) -> None:
    """Press the header's log-out button and wait until the logged-out page has loaded."""
    with page.expect_navigation():
        page.locator("header form button", has_text=re.compile("Log out|Keluar")).click()
    page.wait_for_load_state("load")
