"""Languages, money and time: Indonesian first, English second, Rupiah, Asia/Jakarta.

The browser's ``Accept-Language`` picks the language until the user chooses one;
the choice is then kept in the session (and on the account when logged in).

WTForms' and Flask-WTF's own messages ("This field is required.", "Not a valid
choice.") come from core's ``wtforms`` catalogue in the same language, for every
form of core's and of any plugin's (see ``WTFORMS_MESSAGES``).
"""
from __future__ import annotations

import datetime as dt
import gettext
from pathlib import Path
from zoneinfo import ZoneInfo

import wtforms.i18n
from babel import support
from flask import g, has_request_context, request, session
from flask_babel import Babel, Domain, format_date, format_datetime, get_locale
from flask_babel import _get_current_context as flask_babel_context
from flask_babel import gettext as _  # noqa: F401  (re-exported for convenience)
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_login import current_user

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LOCALE = "id"
JAKARTA = ZoneInfo("Asia/Jakarta")
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    if not has_request_context():
        # CLI commands and jobs render in the default unless they force a locale.
        return DEFAULT_LOCALE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LOCALE)


class _CorePluralDomain(Domain):
    """Core's catalogue merged with the plugins', keeping core's plural rule.

    Flask-Babel takes the plural rule of the *last* folder it merges; a plugin
    with no Indonesian catalogue contributes gettext's English rule, and then
    every Indonesian plural (one form) would come out in English for n != 1.
    """

    def get_translations(self):
        # Pages ask this once per translated string (a hundred times and more); Flask-Babel
        # rebuilds the locale's name and looks up its cache each time. Keep the answer on the
        # request's Babel context for as long as its locale object stays the same one
        # (``force_locale``, used for mails in the recipient's language, swaps that object).
        ctx = flask_babel_context()
        locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
        if locale is not None:
            kept = getattr(ctx, "portal_translations", None)
            if kept is not None and kept[0] is locale and kept[1] is self:
                return kept[2]
        translations = self._merged_translations()
        if ctx is not None:
            ctx.portal_translations = (getattr(ctx, "babel_locale", None), self, translations)
        return translations

    def _merged_translations(self):
        translations = super().get_translations()
        if isinstance(translations, support.Translations) and not getattr(translations, "_portal_plural", False):
            core = support.Translations.load(self.translation_directories[0], [get_locale()], "messages")
            if isinstance(core, gettext.GNUTranslations):
                translations.plural = core.plural
            translations._portal_plural = True
        return translations


def init_app(app, extra_translation_dirs=()):
    dirs = [str(TRANSLATIONS_DIR), *extra_translation_dirs]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)
    # One Babel per app: Flask-Babel caches loaded catalogues on its Domain by
    # locale only, so a shared instance would serve one app's (plugins') strings to another.
    babel = Babel(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Jakarta")
    babel.domain_instance = _CorePluralDomain(domain="messages")
    _init_wtforms_messages(app)
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language


class _WTFormsMessages:
    """WTForms' built-in messages in the request's language, for Flask-WTF's forms.

    WTForms ships no Indonesian catalogue, so core carries one
    (``translations/id/LC_MESSAGES/wtforms.po``: every msgid of WTForms' template and
    the messages Flask-WTF's file validators translate); WTForms' own catalogues answer
    for anything it lacks. The language is looked up at each call, so a form follows
    ``force_locale`` and a language chosen earlier in the same request.
    """

    def __init__(self):
        self._loaded: dict[str, support.NullTranslations] = {}

    def _translations(self) -> support.NullTranslations:
        locale = get_locale()
        if locale is None:  # no app context: WTForms' English
            return support.NullTranslations()
        found = self._loaded.get(str(locale))
        if found is None:
            # A fallback, not a merge: each catalogue keeps its own plural rule (Indonesian
            # has one form), and a language core has no catalogue for gets WTForms' own.
            found = support.Translations.load(str(TRANSLATIONS_DIR), [locale], "wtforms")
            found.add_fallback(support.Translations.load(wtforms.i18n.messages_path(), [locale], "wtforms"))
            self._loaded[str(locale)] = found
        return found

    def ugettext(self, string):
        return self._translations().ugettext(string)

    def ungettext(self, singular, plural, n):
        return self._translations().ungettext(singular, plural, n)

    # WTForms calls a translations object's gettext/ngettext; Flask-WTF the u-variants.
    gettext, ngettext = ugettext, ungettext


WTFORMS_MESSAGES = _WTFormsMessages()


def _init_wtforms_messages(app):
    # Flask-WTF's FlaskForm asks ``request.wtforms_translations`` for the catalogue of its
    # built-in messages and, when there is none, loads WTForms' own (no Indonesian) and
    # keeps it there for the request. Answering from the app's request class puts core's
    # catalogue behind every FlaskForm -- core's, built-in plugins', a third party's --
    # with nothing for a form to declare; ``WTF_I18N_ENABLED = False`` still turns it off.
    # Plain ``wtforms.Form`` subforms get it through ``portal.forms.SubForm``.
    app.request_class = type("PortalRequest", (app.request_class,), {"wtforms_translations": WTFORMS_MESSAGES})


def current_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else DEFAULT_LOCALE


def rupiah(amount) -> str:
    """Integer Rupiah as Indonesians write it: ``Rp1.250.000`` (no decimals, dot groups)."""
    if amount is None:
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def to_jakarta(value: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as a Jakarta wall-clock time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(JAKARTA)


def remember_language(lang: str):
    session["lang"] = lang
    g.pop("_flask_babel", None)
