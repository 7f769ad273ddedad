"""Every htmx-specific helper lives here, so the htmx library can be swapped in one place.

Views ask ``is_htmx()`` / ``wants_fragment()`` and build responses with
``render_page``, ``hx_redirect``, ``hx_trigger`` and ``hx_retarget``; nothing else
in the code reads or writes ``HX-*`` headers.
"""
from __future__ import annotations

import json

from flask import make_response, render_template, request
from htmx_flask import Htmx

htmx = Htmx()

# htmx-flask 0.1.0 validates HX-Reswap against a list with a missing comma
# ("beforebegin" "afterbegin" became one string), so we set that header ourselves.
_SWAPS = {"innerHTML", "outerHTML", "beforebegin", "afterbegin", "beforeend", "afterend", "delete", "none"}


def init_app(app):
    htmx.init_app(app)


def is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


def wants_fragment() -> bool:
    """An htmx request that is not a boosted navigation nor a history restore."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page(page: str, fragment: str, /, **context):
    """Render the full page, or only its fragment for an htmx request.

    The page template ``{% include %}``s the fragment, so both come from one
    source; ``Vary: HX-Request`` keeps caches from mixing them up.
    """
    template = fragment if wants_fragment() else page
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str, response=None):
    """Send the browser to ``url``: a full navigation for htmx, a 303 otherwise."""
    from flask import redirect

    if is_htmx():
        response = response or make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def hx_trigger(response, event: str | dict, after: str | None = None):
    """Fire client-side event(s) after the swap (``after`` = "settle" or "swap")."""
    header = {"settle": "HX-Trigger-After-Settle", "swap": "HX-Trigger-After-Swap"}.get(after, "HX-Trigger")
    response.headers[header] = event if isinstance(event, str) else json.dumps(event)
    return response


def hx_retarget(response, selector: str, swap: str | None = None):
    response.headers["HX-Retarget"] = selector
    if swap:
        return hx_reswap(response, swap)
    return response


def hx_reswap(response, swap: str):
    if swap.split()[0] not in _SWAPS:
        raise ValueError(f"unknown swap style {swap!r}")
    response.headers["HX-Reswap"] = swap
    return response
