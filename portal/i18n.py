"""Languages, money and time: Indonesian first, English second, Rupiah, Asia/Jakarta.

The browser's ``Accept-Language`` picks the language until the user chooses one;
the choice is then kept in the session (and on the account when logged in).
"""
from __future__ import annotations

import datetime as dt
import gettext
from pathlib import Path
from zoneinfo import ZoneInfo

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
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language


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
