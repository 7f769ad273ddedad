"""A per-process cache of rendered pages: one shared copy for anonymous visitors, one per person for the logged in.

Most storefront traffic is anonymous people reading the same few pages, and
logged-in people reading their own few pages again and again with nothing
changed in between (a customer's order page polling its status, an owner
refreshing the queue). Rendering a page costs ~10 ms of Python (queries, slots,
macros); serving it from here well under one. A view opts in with
``@cache_page``. What keeps it correct:

* **Fresh data**: entries are filed under ``portal.core.changes.generation()``,
  read before the page is rendered, so any commit by any process since then
  makes the entry a miss. A shop's page (``g.shop``) is filed under that shop's
  generation: another shop's orders and chat leave it alone, while a global write
  (a user's name, an admin's switch, a job) still reaches it. Entries also expire after ``PAGE_CACHE_SECONDS``
  (default 60), for what changes with the clock rather than the data (dates
  like "ready by", time-limited offers).
* **Only what is the same for everyone who asks the same thing**: GET, no
  flashed message waiting, no cookie but the session's and the remember-me
  cookie; the key holds who is logged in (nobody: one copy for every anonymous
  visitor), the full URL, the language, the htmx headers that change the
  answer and the whole session except its CSRF secret (so a visitor's cart
  shows in their badge). A response is stored only if it is a plain 200 HTML
  page, set no cookie, left the session as it found it, and nothing was
  written to the database while it was rendered (a view with side effects is
  never skipped).
* **The CSRF token**, the one per-visitor thing on such a page, is stored as a
  placeholder and filled in with the asking visitor's own token. Other values that
  must be made afresh for each request (the guestbook form's signed "shown at"
  time) are marked with ``fresh_value`` and made again on every hit.
* **Access is still checked on every request**: put ``@cache_page`` *under*
  ``@login_required``/``@staff_required``, so only the view's own work is
  skipped. What a view decides from the data (this order is this customer's)
  cannot change without a write, and a write changes the generation.
"""
from __future__ import annotations

import functools
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, has_request_context, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.core import changes

EXTENSION = "portal_page_cache"
# htmx request headers that can change what a view answers (fragment or page, which part).
_HX_HEADERS = ("HX-Request", "HX-Boosted", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-History-Restore-Request")
# Response headers a cached copy must not repeat: the cookie is the first visitor's,
# the length is recomputed once the token is filled in.
_DROPPED_HEADERS = {"set-cookie", "content-length"}


@dataclass
class _Entry:
    generation: tuple
    stored_at: float
    status: int
    headers: list
    body: str
    uses_token: bool
    fresh: list  # (marker in body, function making the value anew)

    @property
    def size(self) -> int:
        return len(self.body)


class PageCache:
    """A bounded LRU of rendered pages (by total size), shared by a process's threads."""

    def __init__(self, max_bytes: int, max_age: float):
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Never a valid token: a random marker per process, so page text cannot forge it.
        self.placeholder = f"__portal_csrf_{secrets.token_hex(8)}__"

    def get(self, key: tuple, generation: tuple) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.generation != generation or time.monotonic() - entry.stored_at > self.max_age:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        if entry.size > self.max_bytes // 8:
            return  # one huge page must not flush everything else
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app) -> None:
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 60))
    if seconds > 0:
        megabytes = float(app.config.get("PAGE_CACHE_MEGABYTES", 16))
        app.extensions[EXTENSION] = PageCache(int(megabytes * 1024 * 1024), seconds)


def _session_fingerprint() -> tuple:
    token_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return tuple(sorted((k, repr(v)) for k, v in session.items() if k not in (token_field, "_fresh")))


def _applies() -> bool:
    if request.method != "GET" or "_flashes" in session:
        return False
    allowed = {current_app.config.get("SESSION_COOKIE_NAME", "session"),
               current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")}
    return all(name in allowed for name in request.cookies)


def _key() -> tuple:
    return (
        # Whose copy (the session holds it too, but this is the user Flask-Login
        # resolved for this request, after session protection); None: anonymous.
        current_user.get_id() if current_user.is_authenticated else None,
        request.url,
        str(get_locale()),
        tuple(request.headers.get(h, "") for h in _HX_HEADERS),
        _session_fingerprint(),
    )


def fresh_value(value: str, remake: Callable[[], str]) -> str:
    """Return ``value``, noting that a cached copy of this page must show ``remake()`` instead.

    For what a page holds that is made for the moment it is shown, like a signed "form
    shown at" time: a copy served from the cache gets a new one for each request.
    ``remake`` is called with no arguments inside the later request.
    """
    if has_request_context() and value:
        g.setdefault("_page_cache_fresh", []).append((value, remake))
    return value


def _from_entry(cache: PageCache, entry: _Entry):
    body = entry.body
    for marker, remake in entry.fresh:
        body = body.replace(marker, remake())
    if entry.uses_token:
        body = body.replace(cache.placeholder, generate_csrf())
    response = current_app.response_class(body, status=entry.status)
    response.headers.clear()
    for name, value in entry.headers:
        response.headers.add(name, value)
    return response


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
    )


def cache_page(view):
    """Serve ``view``'s page from the page cache when nothing changed (see the module docstring).

    Goes under the decorators that check who may see the page: they still run on every request.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache: PageCache | None = current_app.extensions.get(EXTENSION)
        if cache is None or not _applies():
            return view(*args, **kwargs)
        # A shop's page counts only the writes that may change that shop (and global ones).
        shop = g.get("shop")
        generation = changes.generation(shop=shop)
        key = _key()
        entry = cache.get(key, generation)
        if entry is not None:
            response = _from_entry(cache, entry)
            response.headers["X-Page-Cache"] = "hit"
            return response
        session_before = _session_fingerprint()
        response = make_response(view(*args, **kwargs))
        # Store only if nothing moved while rendering: no write by this or another
        # thread (the page may hold half of it), the session as it was.
        if (_storable(response) and changes.generation(shop=shop) == generation
                and _session_fingerprint() == session_before):
            body = response.get_data(as_text=True)
            token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
            uses_token = bool(token) and token in body
            if uses_token:
                body = body.replace(token, cache.placeholder)
            fresh = []
            for number, (value, remake) in enumerate(g.get("_page_cache_fresh", ())):
                if value in body:
                    marker = f"{cache.placeholder[:-2]}_fresh{number}__"
                    body = body.replace(value, marker)
                    fresh.append((marker, remake))
            headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS]
            cache.put(key, _Entry(generation, time.monotonic(), response.status_code, headers, body, uses_token,
                                  fresh))
        response.headers["X-Page-Cache"] = "miss"
        return response

    return wrapper
