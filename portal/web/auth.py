"""Accounts: register, log in and out, the account page, password change and reset, invitations.

Log-in is rate limited twice: per client address (a flood from one place) and
per e-mail address (guessing one account's password from many places). Error
messages never say whether an account exists. The limits can be tuned with
the config keys ``LOGIN_RATE_LIMIT``, ``LOGIN_FAILURE_LIMIT``,
``REGISTER_RATE_LIMIT``, ``RESET_RATE_LIMIT`` and ``RESET_EMAIL_LIMIT``.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from portal.core import accounts, invitations
from portal.core.models import STAFF_ROLES
from portal.core.permissions import login_required
from portal.core.ratelimit import limiter
from portal.forms import EmailAddress, IndonesianPhone, NoControlChars
from portal.i18n import LANGUAGES, current_language, remember_language
from portal.web.safety import safe_next

bp = Blueprint("auth", __name__)

LOGIN_ERROR = _l("Wrong e-mail or password.")
EMAIL_UNUSABLE = _l("This e-mail cannot be used; if it is yours, log in or reset your password.")
RESET_SENT = _l("If an account uses this address, we have sent it a link to choose a new password. "
                "The link works for two hours.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class StrongPassword:
    """The account password rules of ``accounts.password_problems``, next to the field."""

    def __call__(self, form, field):
        email = getattr(getattr(form, "email", None), "data", None) or getattr(form, "user_email", "")
        name = getattr(getattr(form, "name", None), "data", None) or getattr(form, "user_name", "")
        problems = accounts.password_problems(field.data or "", email=email or "", name=name or "")
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


def _confirm_field():
    return PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120), NoControlChars()])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])
    phone = TelField(_l("Phone (optional)"), filters=[_strip],
                     validators=[Optional(), Length(max=30), IndonesianPhone()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), StrongPassword()])
    confirm = _confirm_field()


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120), NoControlChars()])
    phone = TelField(_l("Phone (optional)"), filters=[_strip],
                     validators=[Optional(), Length(max=30), IndonesianPhone()])
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in LANGUAGES.items()])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()])
    confirm = _confirm_field()


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), EmailAddress()])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()])
    confirm = _confirm_field()


class AcceptForm(FlaskForm):
    """Only the CSRF token: accepting changes who may enter a shop, so it is a POST."""


# ---------------------------------------------------------------------------
# rate-limit keys and values (read at request time so tests and operators can tune them)
# ---------------------------------------------------------------------------


def _config_limit(key: str, default: str):
    return lambda: current_app.config.get(key, default)


def _form_email_key(prefix: str):
    return lambda: f"{prefix}:{accounts.normalise_email(request.form.get('email', ''))[:254]}"


def _failed_login(response) -> bool:
    return bool(g.get("login_failed"))


def _password_change_key() -> str:
    return f"pwchange:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _after_login_url() -> str:
    return safe_next(request.args.get("next")) or url_for("platform.home")


# ---------------------------------------------------------------------------
# log in, log out, register
# ---------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_config_limit("LOGIN_RATE_LIMIT", "10/minute"), methods=["POST"])
@limiter.limit(_config_limit("LOGIN_FAILURE_LIMIT", "5/15 minutes"), methods=["POST"],
               key_func=_form_email_key("login"), deduct_when=_failed_login)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_after_login_url(), code=303)
    form = LoginForm(email=request.args.get("email", "")[:254])
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            accounts.record_login(user)
            return redirect(_after_login_url(), code=303)
        g.login_failed = True
        error = LOGIN_ERROR
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # A new token ends this session everywhere, even if the cookie was copied.
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(safe_next(request.form.get("next")) or url_for("platform.home"), code=303)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_config_limit("REGISTER_RATE_LIMIT", "20/hour"), methods=["POST"])
def register():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_after_login_url(), code=303)
    form = RegisterForm(email=request.args.get("email", "")[:254])
    if form.validate_on_submit():
        try:
            user = accounts.register_user(form.email.data, form.name.data, form.password.data,
                                          phone=form.phone.data or "", locale=current_language())
        except accounts.AccountError:
            form.email.errors.append(EMAIL_UNUSABLE)
        else:
            login_user(user)
            accounts.record_login(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            return redirect(_after_login_url(), code=303)
    return render_template("auth/register.html", form=form)


# ---------------------------------------------------------------------------
# the account page
# ---------------------------------------------------------------------------


def _account_page(profile=None, password=None):
    user = current_user._get_current_object()
    profile = profile or ProfileForm(prefix="profile", data={
        "name": user.name, "phone": user.phone, "locale": user.locale or current_language()})
    password = password or PasswordChangeForm(prefix="pw")
    return render_template("auth/account.html", profile=profile, password=password,
                           memberships=list(accounts.memberships_of(user)),
                           role_labels=invitations.ROLE_LABELS, staff_roles=STAFF_ROLES)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    if request.method == "GET":
        return _account_page()
    form = ProfileForm(prefix="profile")
    if not form.validate_on_submit():
        return _account_page(profile=form)
    accounts.update_profile(current_user._get_current_object(), form.name.data, form.phone.data or "",
                            form.locale.data)
    remember_language(form.locale.data)
    flash(_("Your details are saved."), "success")
    return redirect(url_for("auth.account"), code=303)


@bp.post("/account/password")
@login_required
@limiter.limit(_config_limit("PASSWORD_CHANGE_LIMIT", "10/hour"), key_func=_password_change_key)
def change_password():
    form = PasswordChangeForm(prefix="pw")
    user = current_user._get_current_object()
    form.user_email, form.user_name = user.email, user.name
    if not form.validate_on_submit():
        return _account_page(password=form)
    if not accounts.change_password(user, form.current.data, form.password.data):
        form.current.errors.append(_("The current password is not right."))
        return _account_page(password=form)
    # Every other session is over (new token); this browser carries on with the new one.
    login_user(user)
    flash(_("Your password is changed. Other devices have been logged out."), "success")
    return redirect(url_for("auth.account"), code=303)


# ---------------------------------------------------------------------------
# password reset
# ---------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_config_limit("RESET_RATE_LIMIT", "10/hour"), methods=["POST"])
@limiter.limit(_config_limit("RESET_EMAIL_LIMIT", "3/hour"), methods=["POST"], key_func=_form_email_key("reset"))
def forgot_password():
    form = ForgotForm(email=request.args.get("email", "")[:254])
    if form.validate_on_submit():
        accounts.send_password_reset(form.email.data, lang=current_language())
        # The same answer whether or not the address has an account.
        return render_template("auth/forgot.html", form=form, sent=True)
    return render_template("auth/forgot.html", form=form, sent=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_config_limit("RESET_RATE_LIMIT", "10/hour"), methods=["POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("auth/link_invalid.html", kind="reset"), 404
    form = ResetForm()
    form.user_email, form.user_name = user.email, user.name
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data)  # also used up: the token's fingerprint changed
        login_user(user)
        accounts.record_login(user)
        flash(_("Your new password is set and you are logged in."), "success")
        return redirect(url_for("auth.account"), code=303)
    return render_template("auth/reset.html", form=form, token=token)


# ---------------------------------------------------------------------------
# invitations
# ---------------------------------------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    invite = invitations.find_valid(token)
    if invite is None:
        return render_template("auth/link_invalid.html", kind="invitation"), 404
    here = url_for("auth.invitation", token=token)
    context = {"invite": invite, "token": token, "role_label": invitations.ROLE_LABELS[invite.role],
               "login_url": url_for("auth.login", next=here, email=invite.email),
               "register_url": url_for("auth.register", next=here, email=invite.email)}
    if not current_user.is_authenticated:
        return render_template("auth/invitation.html", state="anonymous", **context)
    if not invitations.is_for(invite, current_user):
        return render_template("auth/invitation.html", state="wrong_user", **context), 403
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            membership = invitations.accept(invite, current_user._get_current_object())
        except invitations.InvitationError:  # used up by a parallel click in the meantime
            return render_template("auth/link_invalid.html", kind="invitation"), 404
        flash(_("Welcome to %(shop)s!", shop=invite.shop.name), "success")
        endpoint = "manage.dashboard" if membership.role in STAFF_ROLES else "storefront.home"
        return redirect(url_for(endpoint, shop_slug=invite.shop.slug), code=303)
    return render_template("auth/invitation.html", state="ready", form=form, **context)
