"""Accounts: register, log in and out, password change and reset, invitations."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from portal.forms import EmailAddress

from portal.core import accounts
from portal.core.permissions import login_required
from portal.web.safety import safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            accounts.record_login(user)
            return redirect(safe_next(request.args.get("next")) or url_for("platform.home"), code=303)
        error = _l("Wrong e-mail or password.")
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("platform.home"), code=303)


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.get("/register")
def register():
    return render_template("auth/login.html", form=LoginForm(), error=None)
