"""Indonesian first: language choice, Rupiah formatting, Jakarta times."""
import datetime as dt

from portal.i18n import rupiah, to_jakarta


def test_rupiah_uses_dot_groups_and_no_decimals():
    assert rupiah(1250000) == "Rp1.250.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(999) == "Rp999"
    assert rupiah(-15000) == "-Rp15.000"
    assert rupiah(None) == ""


def test_jakarta_time_is_utc_plus_seven():
    assert to_jakarta(dt.datetime(2026, 11, 27, 20, 30)).strftime("%Y-%m-%d %H:%M") == "2026-11-28 03:30"


def test_indonesian_is_the_default(client, shop):
    page = client.get("/", headers={"Accept-Language": ""})
    assert '<html lang="id">' in page.get_data(as_text=True)


def test_browser_language_decides_until_the_user_chooses(client, shop):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    response = client.post("/lang", data={"lang": "id", "next": "/s/workshop/"}, headers={"Accept-Language": "en"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/s/workshop/")
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="id">' in page.get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client, shop):
    response = client.post("/lang", data={"lang": "en", "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_language_choice_is_kept_on_the_account(customer_client, customer):
    from portal.core.models import User

    customer_client.post("/lang", data={"lang": "en", "next": "/"})
    assert User.get_by_id(customer.id).locale == "en"


def test_unknown_language_changes_nothing(client, shop):
    client.post("/lang", data={"lang": "xx", "next": "/"})
    page = client.get("/", headers={"Accept-Language": "id"})
    assert '<html lang="id">' in page.get_data(as_text=True)


def test_language_switch_needs_csrf(client, shop):
    response = client.post("/lang", data={"lang": "en"}, csrf=False)
    assert response.status_code == 400


def test_a_plugin_catalogue_with_another_plural_rule_keeps_indonesian_plurals(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from flask import Flask
    from flask_babel import force_locale, gettext, ngettext

    from portal import i18n

    # A plugin whose Indonesian catalogue carries the English plural rule (nplurals=2),
    # as a catalogue made without Plural-Forms (or copied from English) does.
    folder = tmp_path / "translations"
    (folder / "id" / "LC_MESSAGES").mkdir(parents=True)
    catalog = Catalog(locale="en")
    catalog.add("Plugin hello", "Halo dari plugin")
    with (folder / "id" / "LC_MESSAGES" / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    app = Flask(__name__)
    i18n.init_app(app, [str(folder)])  # merged last, as a plugin's catalogue is
    with app.test_request_context(), force_locale("id"):
        assert ngettext("%(num)d left", "%(num)d left", 1) == "Sisa 1"
        assert ngettext("%(num)d left", "%(num)d left", 3) == "Sisa 3"
        assert gettext("Plugin hello") == "Halo dari plugin"
