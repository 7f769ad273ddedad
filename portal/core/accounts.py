"""People: creating accounts, checking passwords, ending sessions, reset tokens.

Passwords are hashed with scrypt (Werkzeug). A reset token is signed and carries
a fingerprint of the current password hash, so it stops working the moment it
has been used (the hash changes) and after ``RESET_MAX_AGE`` seconds.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from portal.core.db import utcnow
from portal.core.models import User, new_token

RESET_MAX_AGE = 2 * 60 * 60
MIN_PASSWORD_LENGTH = 8
# Compared against when the account does not exist, so a failed log-in takes the
# same time whether or not the e-mail is registered.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(email: str, name: str, password: str, **fields) -> User:
    email = normalise_email(email)
    if User.select().where(User.email == email).exists():
        raise AccountError("email taken")
    return User.create(email=email, name=name.strip(), password_hash=hash_password(password), **fields)


def authenticate(email: str, password: str) -> User | None:
    user = User.get_or_none(User.email == normalise_email(email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    return user


def end_sessions(user: User):
    """Invalidate every session cookie of ``user`` (log-out, password change, disable)."""
    user.auth_token = new_token()
    user.save(only=[User.auth_token])


def set_password(user: User, password: str):
    user.password_hash = hash_password(password)
    user.auth_token = new_token()
    user.save(only=[User.password_hash, User.auth_token])


def record_login(user: User):
    user.last_login_at = utcnow()
    user.save(only=[User.last_login_at])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or not user.is_active or data.get("f") != _fingerprint(user):
        return None
    return user
