"""The visitor's form (an e-mail address), the owner's settings and the "notify" button."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired, Length

from portal.forms import EmailAddress


#region alert_form
class AlertForm(FlaskForm):
    email = EmailField(
        _l("Your e-mail"),
        validators=[DataRequired(), Length(max=254), EmailAddress()],
    )
#endregion


#region settings_form
class BackInStockSettingsForm(FlaskForm):
    auto_notify = BooleanField(
        _l("E-mail waiting customers when a cancelled order returns stock"),
        default=True,
    )
#endregion


class NotifyForm(FlaskForm):
    """Only the CSRF token: the button carries no other data."""
