"""Who may do what: roles per shop and the decorators views use to say so.

Anonymous visitors are sent to log in; a logged-in user without the role gets a
403; objects of another shop are never looked up through this shop (404).
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.core.models import STAFF_ROLES, Membership


def role_in(shop, user=None) -> str | None:
    """The user's role in ``shop`` (``owner``, ``staff``, ``supplier``, ``courier``) or ``None``."""
    user = current_user if user is None else user
    if shop is None or not getattr(user, "is_authenticated", False):
        return None
    key = f"_role_{shop.id}_{user.id}"
    if key not in g:
        m = Membership.get_or_none(Membership.shop == shop, Membership.user == user.id)
        setattr(g, key, m.role if m else None)
    return getattr(g, key)


def is_staff(shop, user=None) -> bool:
    return role_in(shop, user) in STAFF_ROLES


def is_owner(shop, user=None) -> bool:
    return role_in(shop, user) == "owner"


def _login_redirect():
    from portal.htmx import hx_redirect

    return hx_redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles):
    """The current shop (``g.shop``) must give the user one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _login_redirect()
            if role_in(g.get("shop")) not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(*STAFF_ROLES)
owner_required = roles_required("owner")


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _login_redirect()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
