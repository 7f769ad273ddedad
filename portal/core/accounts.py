"""People: creating accounts, checking passwords, ending sessions, reset tokens.

Passwords are hashed with scrypt (Werkzeug). A reset token is signed and carries
a fingerprint of the current password hash, so it stops working the moment it
has been used (the hash changes) and after ``RESET_MAX_AGE`` seconds.

Every way out of an account's sessions (log-out, password change or reset, an
admin disabling the account) rotates ``User.auth_token``, which every session
cookie carries, so old cookies are refused everywhere at once.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import peewee
from flask import current_app, has_app_context, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from portal.core.db import db, utcnow
from portal.core.models import Membership, Shop, User, new_token

RESET_MAX_AGE = 2 * 60 * 60
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
USERS_PER_PAGE = 25
# Compared against when the account does not exist, so a failed log-in takes the
# same time whether or not the e-mail is registered.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")

# Passwords that appear at the top of every leaked-password list (and their
# Indonesian favourites); only those of 8+ characters matter, shorter ones fail
# the length rule anyway. Compared case-insensitively.
COMMON_PASSWORDS = frozenset((
    "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
    "pass1234", "qwerty123", "qwertyui", "qwertyuiop", "qwerty12", "1q2w3e4r", "1q2w3e4r5t",
    "q1w2e3r4", "zaq12wsx", "1qaz2wsx", "asdfghjk", "asdfghjkl", "zxcvbnm1", "abc12345", "abcd1234",
    "abcdefgh", "iloveyou", "iloveyou1", "sunshine", "princess", "football", "baseball", "welcome1",
    "welcome123", "letmein1", "trustno1", "superman", "starwars", "whatever", "dragon12",
    "monkey12", "master12", "shadow12", "michael1", "computer", "internet", "administrator",
    "admin123", "admin1234", "changeme", "changeme1", "secret12", "default1", "11111111a",
    "aaaaaaaa", "asdf1234", "test1234", "indonesia", "indonesia1", "jakarta1", "bismillah",
    "bismillah1", "sayangku", "sayang123", "cintaku1", "rahasia1", "rahasia123", "katasandi",
    "passwordku", "doraemon1", "alhamdulillah",
))


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    # PASSWORD_HASH_METHOD exists so the test suite can use cheaper scrypt
    # parameters; production keeps Werkzeug's default cost.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def password_problems(password: str, email: str = "", name: str = "") -> list:
    """Why ``password`` is too weak (translatable messages); empty when it is fine."""
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_l("Use at most %(n)s characters.", n=MAX_PASSWORD_LENGTH))
    if password.isdigit():
        problems.append(_l("Use more than digits only."))
    lowered = password.lower()
    personal = {normalise_email(email), normalise_email(email).split("@")[0], (name or "").strip().lower()}
    if lowered in COMMON_PASSWORDS or (len(set(lowered)) <= 2 and password):
        problems.append(_l("This password is too common; choose another."))
    elif lowered in {p for p in personal if p}:
        problems.append(_l("Do not use your name or e-mail address as the password."))
    return problems


def create_user(email: str, name: str, password: str, **fields) -> User:
    email = normalise_email(email)
    if User.select().where(User.email == email).exists():
        raise AccountError("email taken")
    try:
        with db.atomic():
            return User.create(email=email, name=name.strip(), password_hash=hash_password(password), **fields)
    except peewee.IntegrityError as exc:  # a concurrent registration won the race
        raise AccountError("email taken") from exc


def register_user(email: str, name: str, password: str, phone: str = "", locale: str | None = None) -> User:
    """A new self-registered account, welcomed by e-mail (after the request commits)."""
    user = create_user(email, name, password, phone=phone or "", locale=locale)
    from portal.core.mail import queue_mail

    queue_mail(user.email, _l("Welcome to Portal"), "welcome", lang=user.locale, user=user,
               account_url=url_for("auth.account", _external=True))
    return user


def authenticate(email: str, password: str) -> User | None:
    user = User.get_or_none(User.email == normalise_email(email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    return user


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password or "")


def end_sessions(user: User):
    """Invalidate every session cookie of ``user`` (log-out, password change, disable)."""
    user.auth_token = new_token()
    user.save(only=[User.auth_token])


def set_password(user: User, password: str):
    user.password_hash = hash_password(password)
    user.auth_token = new_token()
    user.save(only=[User.password_hash, User.auth_token])


def change_password(user: User, current: str, new: str) -> bool:
    """Set ``new`` if ``current`` is right; every session (this one too) then needs the new token."""
    if not check_password(user, current):
        return False
    set_password(user, new)
    return True


def update_profile(user: User, name: str, phone: str, locale: str | None):
    user.name = name.strip()
    user.phone = phone or ""
    user.locale = locale or None
    user.save(only=[User.name, User.phone, User.locale])


def record_login(user: User):
    user.last_login_at = utcnow()
    user.save(only=[User.last_login_at])


def set_active(user: User, active: bool):
    """Disable or re-enable an account; disabling also ends its sessions."""
    with db.atomic():
        user.is_active_flag = active
        user.save(only=[User.is_active_flag])
        if not active:
            end_sessions(user)


def search_users(query: str = "", page: int = 1, per_page: int = USERS_PER_PAGE):
    """One page of users matching ``query`` in e-mail or name; returns ``(users, has_next)``."""
    select = User.select().order_by(User.created_at.desc(), User.id.desc())
    query = (query or "").strip()
    if query:
        select = select.where(User.email.contains(query.lower()) | User.name.contains(query))
    # One extra row tells whether a next page exists without a COUNT query.
    rows = list(select.limit(per_page + 1).offset((max(page, 1) - 1) * per_page))
    return rows[:per_page], len(rows) > per_page


def memberships_of(user: User):
    """The user's shop roles, active shops only, for the account page."""
    return (Membership.select(Membership, Shop).join(Shop)
            .where((Membership.user == user) & (Shop.is_active == True))
            .order_by(Shop.name))


# ---------------------------------------------------------------------------
# password reset
# ---------------------------------------------------------------------------


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
    if not isinstance(data, dict):
        return None
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or not user.is_active or data.get("f") != _fingerprint(user):
        return None
    return user


def reset_link(user: User) -> str:
    return url_for("auth.reset_password", token=make_reset_token(user), _external=True)


def send_password_reset(email: str, lang: str | None = None) -> bool:
    """Mail a reset link if an active account has ``email``; the caller says the same either way.

    :param lang: the language of the request, used when the user never chose one.
    :return: whether a mail was queued (for logs and tests only, never for the page).
    """
    user = User.get_or_none(User.email == normalise_email(email))
    if user is None or not user.is_active:
        return False
    from portal.core.mail import queue_mail

    expires_at = utcnow() + dt.timedelta(seconds=RESET_MAX_AGE)
    queue_mail(user.email, _l("Reset your Portal password"), "password_reset", lang=user.locale or lang,
               user=user, link=reset_link(user), expires_at=expires_at)
    return True
