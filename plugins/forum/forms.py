"""The forum's forms: threads, replies, reports, moderation, categories and the owner's settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from plugins.forum.markup import clean_text, is_blank
from portal.forms import NoControlChars

TITLE_MAX = 120
BODY_MAX = 8000
REASON_DETAILS_MAX = 500


class Visible:
    """Refuses text made only of spaces and invisible characters (zero-width, bidi controls)."""

    def __call__(self, form, field):
        if is_blank(field.data):
            raise ValidationError(_l("Please write something."))


class MessageText:
    """Free text that may span lines, but carries no other control characters."""

    def __call__(self, form, field):
        if field.data and any(ord(c) < 32 and c not in "\t\n" for c in field.data):
            raise ValidationError(_l("Control characters are not allowed here."))


def _one_line(value):
    return clean_text(value) if isinstance(value, str) else value


class ThreadForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_one_line],
                        validators=[DataRequired(), Length(max=TITLE_MAX), NoControlChars(), Visible()])
    body = TextAreaField(_l("Message"), filters=[clean_text],
                         validators=[DataRequired(), Length(max=BODY_MAX), MessageText(), Visible()])
    # Opt-in: unticked unless the author ticks it.
    subscribe = BooleanField(_l("E-mail me when someone replies"), default=False)


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), filters=[clean_text],
                         validators=[DataRequired(), Length(max=BODY_MAX), MessageText(), Visible()])


class EditPostForm(FlaskForm):
    """The author changes the text of their own post (same rules as writing it)."""

    body = TextAreaField(_l("Message"), filters=[clean_text],
                         validators=[DataRequired(), Length(max=BODY_MAX), MessageText(), Visible()])


REASON_CHOICES = [
    SelectChoice("spam", _l("Spam or advertising")),
    SelectChoice("rude", _l("Rude or offensive")),
    SelectChoice("off_topic", _l("Off topic")),
    SelectChoice("other", _l("Something else")),
]


class ReportForm(FlaskForm):
    reason = SelectField(_l("Why are you reporting this post?"), choices=REASON_CHOICES, validators=[InputRequired()])
    details = TextAreaField(_l("Details (optional)"), filters=[clean_text],
                            validators=[Optional(), Length(max=REASON_DETAILS_MAX), MessageText()])


class ModerationForm(FlaskForm):
    """Only the CSRF token: hide, show, lock, pin and approve carry no other data."""


class MoveThreadForm(FlaskForm):
    category = SelectField(_l("Move to"), coerce=str, validators=[InputRequired()])


RESOLVE_CHOICES = [
    SelectChoice("hide", _l("Hide the post")),
    SelectChoice("dismiss", _l("Keep the post")),
]


class ResolveReportForm(FlaskForm):
    outcome = SelectField(_l("Decision"), choices=RESOLVE_CHOICES, validators=[InputRequired()])


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_one_line],
                       validators=[DataRequired(), Length(max=80), NoControlChars(), Visible()])
    description = TextAreaField(_l("Description"), filters=[clean_text],
                                validators=[Optional(), Length(max=500), MessageText()])


DIRECTION_CHOICES = [SelectChoice("up", _l("Move up")), SelectChoice("down", _l("Move down"))]


class CategoryMoveForm(FlaskForm):
    direction = SelectField(_l("Direction"), choices=DIRECTION_CHOICES, validators=[InputRequired()])


class CategoryDeleteForm(FlaskForm):
    move_to = SelectField(_l("Move its threads to"), coerce=str, validators=[Optional()])


class ForumSettingsForm(FlaskForm):
    hold_first_posts = BooleanField(
        _l("Hold a new member's first post until the team approves it"),
        default=False,
        description=_l("Their later posts appear at once; you find held posts in the forum's queue."),
    )


class UnsubscribeForm(FlaskForm):
    """Only the CSRF token: the link's token says which subscription."""
