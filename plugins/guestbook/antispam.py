"""The guestbook's spam traps: a signed "form shown at" time, a honeypot field and a link count.

Robots post the instant they load a page and fill every field they find; people
take a few seconds and never see a field hidden from them. The time travels in
the form, signed with the app's secret, so a robot cannot fake an older one.
"""
from __future__ import annotations

import re
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.web import page_cache

SALT = "guestbook-form-shown"
# A form older than this has been open a whole day; ask for a fresh one.
MAX_AGE = 24 * 60 * 60
DEFAULT_MIN_SECONDS = 3

# Anything a reader could follow: a scheme, "www.", or a bare domain with a usual ending.
_LINK = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S*"  # a scheme: the whole address, so its domain is not counted again
    r"|\bwww\.\S*"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|id|co|io|me|xyz|ru|cn|top|ly|site|online|shop|link)\b\S*",
    re.IGNORECASE,
)


def now() -> float:
    """The clock (tests replace it rather than wait)."""
    return time.time()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def issue(at: float | None = None) -> str:
    """A signed token saying when the form was shown.

    Marked for the page cache: a cached page with the form (the shop profile) gets a
    new token on every request, or a robot could post at once with a stale one.
    """
    token = _serializer().dumps(int(at if at is not None else now()))
    return token if at is not None else page_cache.fresh_value(token, issue)


def min_seconds() -> float:
    return float(current_app.config.get("GUESTBOOK_MIN_SECONDS", DEFAULT_MIN_SECONDS))


def check(token: str | None) -> str | None:
    """``None`` when the form was shown long enough ago; otherwise ``"invalid"``, ``"expired"`` or ``"fast"``."""
    try:
        shown = _serializer().loads(token or "")
    except BadSignature:
        return "invalid"
    if not isinstance(shown, int):
        return "invalid"
    age = now() - shown
    if age > MAX_AGE:
        return "expired"
    if age < min_seconds():
        return "fast"
    return None


def count_links(*texts: str) -> int:
    return sum(len(_LINK.findall(t or "")) for t in texts)
