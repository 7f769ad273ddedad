"""Who may do what: roles per shop and the decorators views use to say so.

Anonymous visitors are sent to log in; a logged-in user without the role gets a
403; objects of another shop are never looked up through this shop (404).
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, request, url_for
from flask_login import current_user

from portal.core import changes
from portal.core.models import STAFF_ROLES, Membership

# Asked on nearly every page (menus, guards); kept per process until a global write
# (memberships count as global: portal.core.changes).
_roles = changes.GenerationCache(max_entries=4096, scope=changes.GLOBAL)


def role_in(shop, user=None) -> str | None:
    """The user's role in ``shop`` (``owner``, ``staff``, ``supplier``, ``courier``) or ``None``."""
    user = current_user if user is None else user
    if shop is None or not getattr(user, "is_authenticated", False):
        return None
    key = f"_role_{shop.id}_{user.id}"
    if key not in g:
        setattr(g, key, _roles.get((shop.id, user.id), lambda: Membership.select(Membership.role).where(
            (Membership.shop == shop.id) & (Membership.user == user.id)).scalar()))
    return getattr(g, key)


def roles_anywhere(user) -> frozenset[str]:
    """Every role ``user`` holds in any shop (empty for most customers), kept until anything is written.

    Account menus ask it on every page to decide whether to ask anything more.
    """
    if user is None or not getattr(user, "is_authenticated", True):
        return frozenset()
    return _roles.get(("anywhere", user.id), lambda: frozenset(
        Membership.select(Membership.role).where(Membership.user == user.id).distinct().scalars()))


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
