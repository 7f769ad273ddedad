"""WTForms' built-in messages in the user's language, for every form (core's and plugins').

WTForms ships no Indonesian, so core carries a catalogue of its messages and of the
ones Flask-WTF passes to ``field.gettext`` (``portal/translations/id/LC_MESSAGES/wtforms.po``,
refreshed by ``tools/translations.py wtforms``). Every ``FlaskForm`` uses it in the
request's language: Indonesian by default, English when the user chose English.
"""
from __future__ import annotations

import contextlib
import html
import io
import re
import time
import types
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange

from portal import PluginInfo, hookimpl
from portal.core.models import Category, Product, Shop, ShopModule
from portal.i18n import TRANSLATIONS_DIR

WTFORMS_PO = TRANSLATIONS_DIR / "id" / "LC_MESSAGES" / "wtforms.po"
CATALOGUE = "/s/workshop/manage/catalogue"
# %(min)d, %(values)s, a bare %s, and Flask-WTF's {extensions}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def errors(response) -> dict[str, str]:
    """Field id -> the error text shown under it."""
    found = re.findall(r'<small id="([\w-]+)-error" class="field-error">([^<]*)</small>', response.get_data(as_text=True))
    return {field: html.unescape(text) for field, text in found}


def choose(client, lang: str):
    """The user picks a language with the switch in the footer (nothing to do for the default)."""
    if lang != "id":
        assert client.post("/lang", data={"lang": lang, "next": "/"}).status_code == 303


# ---------------------------------------------------------------------------
# the catalogue
# ---------------------------------------------------------------------------


def wtforms_msgids() -> list[str]:
    """Every msgid of the installed WTForms' catalogue template (a plural entry by its singular)."""
    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as fh:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id]


def flask_wtf_msgids() -> list[str]:
    """What the installed Flask-WTF's validators pass to ``field.gettext`` (FileRequired, FileAllowed)."""
    with contextlib.redirect_stderr(io.StringIO()):  # Babel notes FileSize's f-string, which it cannot extract
        found = extract_from_dir(Path(flask_wtf.__file__).parent, method_map=[("**.py", "python")],
                                 keywords={"gettext": None, "ngettext": (1, 2)})
        return [message if isinstance(message, str) else message[0] for _file, _line, message, *_ in found]


@pytest.fixture(scope="module")
def indonesian():
    with WTFORMS_PO.open("rb") as fh:
        return read_po(fh, locale="id", domain="wtforms")


def test_the_templates_are_read_from_the_installed_packages():
    # Guards the next test against passing on an empty list.
    assert "Not a valid choice." in wtforms_msgids() and len(wtforms_msgids()) >= 35
    assert "File does not have an approved extension." in flask_wtf_msgids()


def test_every_wtforms_and_flask_wtf_message_has_an_indonesian_translation(indonesian):
    # A WTForms or Flask-WTF upgrade that adds a message fails here: run
    # `python tools/translations.py wtforms`, translate what is new, `make translations`.
    wanted = dict.fromkeys(wtforms_msgids() + flask_wtf_msgids())
    problems = []
    for msgid in wanted:
        entry = indonesian.get(msgid)
        if entry is None or entry.fuzzy:
            problems.append(f"{msgid!r}: missing")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if isinstance(entry.id, tuple) and len(strings) != indonesian.num_plurals:
            problems.append(f"{msgid!r}: {len(strings)} plural forms")
        for string in strings:
            if not string.strip():
                problems.append(f"{msgid!r}: empty")
            elif sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(msgid)):
                problems.append(f"{msgid!r}: placeholders differ in {string!r}")
            elif string == msgid:
                problems.append(f"{msgid!r}: left in English")
    assert not problems, problems


def test_indonesian_has_one_plural_form(indonesian):
    assert indonesian.num_plurals == 1 and indonesian.plural_expr == "0"


# ---------------------------------------------------------------------------
# a core form
# ---------------------------------------------------------------------------

PRODUCT_MESSAGES = {
    "id": {
        "name": "Kolom ini wajib diisi.",
        "category": "Pilihan tidak valid.",
        "weight_grams": "Bukan bilangan bulat yang valid. Angka harus antara 1 dan 100000.",
    },
    "en": {
        "name": "This field is required.",
        "category": "Not a valid choice.",
        "weight_grams": "Not a valid integer value. Number must be between 1 and 100000.",
    },
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_tampered_core_form_answers_in_the_users_language(owner_client, shop, lang):
    Category.create(shop=shop, name="Boots", slug="boots")
    choose(owner_client, lang)
    # No message of core's own on these validators: an empty name, a category that is not
    # in the list, and words where the weight's number goes.
    response = owner_client.post(f"{CATALOGUE}/products/new", data={
        "name": "", "slug": "", "category": "999", "description": "", "price": "150.000",
        "availability": "stock", "stock": "3", "lead_time_days": "", "weight_grams": "seribu"})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    assert errors(response) == PRODUCT_MESSAGES[lang]
    assert not Product.select().where(Product.shop == shop).exists()


@pytest.mark.parametrize("lang, message", [
    ("id", "Isi kolom ini maksimal 60 karakter."),
    ("en", "Field cannot be longer than 60 characters."),
])
def test_a_row_inside_a_core_form_answers_in_the_users_language(owner_client, shop, lang, message):
    # Bank accounts are rows of their own (FormField of a SubForm) inside the profile form.
    choose(owner_client, lang)
    response = owner_client.post(f"{CATALOGUE}/profile", data={
        "name": "Toko Sepatu", "order_prefix": "TSP",
        "bank_accounts-0-bank": "B" * 61, "bank_accounts-0-number": "4370218856", "bank_accounts-0-holder": "CV SKC"})
    assert response.status_code == 200
    assert errors(response) == {"bank_accounts-0-bank": message}
    assert Shop.get_by_id(shop.id).name == "Test Workshop"


def test_flask_wtf_csrf_reasons_never_reach_the_page(owner_client, shop):
    # CSRFProtect refuses a post without a token before any form sees it, with core's own
    # 400 page; its English reason ("The CSRF token is missing.") only goes to the log.
    response = owner_client.post(f"{CATALOGUE}/products/new", data={"name": "Boots"}, csrf=False)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Permintaan tidak dapat dipahami." in body
    assert "The CSRF" not in body and "CSRF validation failed" not in body


# ---------------------------------------------------------------------------
# plugins' forms: nothing to do for them
# ---------------------------------------------------------------------------

GUESTBOOK_MESSAGES = {
    "id": {"gb-name": "Kolom ini wajib diisi.", "gb-message": "Isi kolom ini maksimal 2000 karakter.",
           "gb-rating": "Pilihan tidak valid."},
    "en": {"gb-name": "This field is required.", "gb-message": "Field cannot be longer than 2000 characters.",
           "gb-rating": "Not a valid choice."},
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_built_in_plugins_form_answers_in_the_users_language(client, shop, enable_plugin, lang):
    from plugins.guestbook import antispam

    enable_plugin(shop, "guestbook")
    choose(client, lang)
    response = client.post("/s/workshop/guestbook/", data={
        "gb-name": "", "gb-message": "x" * 2001, "gb-rating": "6", "gb-shown": antispam.issue(at=time.time() - 60)})
    assert response.status_code == 200
    assert errors(response) == GUESTBOOK_MESSAGES[lang]


class TallySettings(FlaskForm):
    """A third party's settings form: plain WTForms validators, no messages, no catalogue."""

    per_page = IntegerField("Per page", default=10, validators=[NumberRange(min=1, max=50)])
    order = SelectField("Order", choices=[SelectChoice("new", "Newest first"), SelectChoice("old", "Oldest first")])


def _tally_plugin():
    module = types.ModuleType("tally")

    @hookimpl
    def portal_register_plugin():
        return PluginInfo(name="tally", label="Tally", version="1.0", description="Counts things.",
                          roles=("owner",), settings_form=TallySettings)

    module.portal_register_plugin = portal_register_plugin
    return module


@pytest.fixture
def portal_plugins():
    return [_tally_plugin()]


@pytest.mark.parametrize("lang, expected", [
    ("id", {"settings-tally-per_page": "Bukan bilangan bulat yang valid. Angka harus antara 1 dan 50.",
            "settings-tally-order": "Pilihan tidak valid."}),
    ("en", {"settings-tally-per_page": "Not a valid integer value. Number must be between 1 and 50.",
            "settings-tally-order": "Not a valid choice."}),
])
def test_a_third_party_plugins_form_answers_in_the_users_language(owner_client, shop, lang, expected):
    choose(owner_client, lang)
    response = owner_client.post("/s/workshop/manage/modules/tally/settings",
                                 data={"settings-tally-per_page": "lima", "settings-tally-order": "random"})
    assert response.status_code == 200
    assert errors(response) == expected
    assert ShopModule.get_or_none(shop=shop, plugin="tally") is None
