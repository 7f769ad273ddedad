"""Invitations: how an owner brings staff, suppliers and couriers into a shop.

An invitation is an e-mailed link ``/invite/<token>``. Only a SHA-256 hash of the
random token is stored, so a leaked database cannot be used to join a shop. The
link works once, for seven days, and only for an account with the invited
e-mail address (the person proves the address by holding the mailed link).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.core.db import atomic_write, db, utcnow
from portal.core.models import (
    ROLE_COURIER,
    ROLE_OWNER,
    ROLE_STAFF,
    ROLE_SUPPLIER,
    Invitation,
    Membership,
    Shop,
    User,
)

INVITATION_DAYS = 7
# What an owner may invite from the team page; owners come from the platform admin.
TEAM_ROLES = (ROLE_STAFF, ROLE_SUPPLIER, ROLE_COURIER)
ROLE_LABELS = {
    ROLE_OWNER: _l("Owner"),
    ROLE_STAFF: _l("Staff"),
    ROLE_SUPPLIER: _l("Supplier"),
    ROLE_COURIER: _l("Courier"),
}


class InvitationError(ValueError):
    """An invitation that cannot be made or accepted; ``str()`` is a user-facing message."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return url_for("auth.invitation", token=token, _external=True)


def _email(value: str) -> str:
    return (value or "").strip().lower()


def create_invitation(shop: Shop, email: str, role: str, invited_by: User | None = None) -> tuple[Invitation, str]:
    """Store an invitation and return it with its clear token (never stored).

    An earlier pending invitation of the same address to this shop is replaced,
    so only the newest link works.
    """
    email = _email(email)
    if role not in ROLE_LABELS:
        raise ValueError(f"unknown role {role!r}")
    member = (Membership.select().join(User)
              .where((Membership.shop == shop) & (User.email == email)).first())
    if member is not None:
        raise InvitationError(_l("This person is already a member of the shop."))
    token = secrets.token_urlsafe(32)
    with db.atomic():
        Invitation.delete().where((Invitation.shop == shop) & (Invitation.email == email)
                                  & Invitation.accepted_at.is_null()).execute()
        invitation = Invitation.create(shop=shop, email=email, role=role, token_hash=hash_token(token),
                                       invited_by=invited_by,
                                       expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS))
    return invitation, token


def send_invitation(invitation: Invitation, token: str, name: str = "", lang: str | None = None) -> str:
    """Queue the invitation mail (sent after the request commits); returns the link.

    The mail goes out in the invitee's language when they already have an
    account, otherwise in ``lang`` (the inviter's).
    """
    from portal.core.mail import queue_mail

    link = invitation_link(token)
    existing = User.get_or_none(User.email == invitation.email)
    shop = invitation.shop
    queue_mail(invitation.email, _l("Invitation to join %(shop)s", shop=shop.name), "invitation",
               lang=(existing.locale if existing and existing.locale else lang), shop=shop,
               invitation=invitation, link=link, name=name or (existing.name if existing else ""),
               role_label=ROLE_LABELS[invitation.role],
               inviter=invitation.invited_by.name if invitation.invited_by_id else "")
    return link


def invite(shop: Shop, email: str, role: str, invited_by: User | None = None, name: str = "",
           lang: str | None = None) -> tuple[Invitation, str]:
    """Create an invitation and mail it; returns ``(invitation, link)``."""
    invitation, token = create_invitation(shop, email, role, invited_by)
    return invitation, send_invitation(invitation, token, name=name, lang=lang)


def find_valid(token: str) -> Invitation | None:
    """The pending, unexpired invitation of an active shop for ``token``, else ``None``.

    Unknown, used, cancelled and expired links all look the same to the visitor.
    """
    if not token or len(token) > 200:
        return None
    invitation = (Invitation.select(Invitation, Shop).join(Shop)
                  .where(Invitation.token_hash == hash_token(token)).first())
    if (invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow()
            or not invitation.shop.is_active):
        return None
    return invitation


def is_for(invitation: Invitation, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and _email(user.email) == invitation.email


def accept(invitation: Invitation, user: User) -> Membership:
    """Make ``user`` a member with the invited role; the invitation is used up.

    An owner accepting a lesser role keeps being owner (a stray link must not
    demote the person who runs the shop).
    """
    if not is_for(invitation, user):
        raise InvitationError(_l("This invitation was sent to another e-mail address."))
    with atomic_write():
        # The conditional update makes a double click or a replayed link a no-op.
        used = (Invitation.update(accepted_at=utcnow())
                .where((Invitation.id == invitation.id) & Invitation.accepted_at.is_null()
                       & (Invitation.expires_at > utcnow()))
                .execute())
        if not used:
            raise InvitationError(_l("This invitation is no longer valid."))
        membership = Membership.get_or_none(Membership.shop == invitation.shop_id, Membership.user == user.id)
        if membership is None:
            membership = Membership.create(shop=invitation.shop_id, user=user.id, role=invitation.role)
        elif membership.role != ROLE_OWNER:
            membership.role = invitation.role
            membership.save(only=[Membership.role])
    return membership


def pending(shop: Shop):
    """Invitations of ``shop`` still waiting for an answer (expired ones included, marked by the page)."""
    return (Invitation.select().where((Invitation.shop == shop) & Invitation.accepted_at.is_null())
            .order_by(Invitation.created_at.desc()))


def cancel(shop: Shop, invitation_id: int) -> bool:
    """Withdraw a pending invitation of ``shop``; its link then looks unknown."""
    return bool(Invitation.delete().where((Invitation.id == invitation_id) & (Invitation.shop == shop)
                                          & Invitation.accepted_at.is_null()).execute())
