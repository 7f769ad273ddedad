"""Every user-facing string has an Indonesian and an English translation.

Each catalogue — core's and every built-in plugin's own — is extracted afresh
from the source (as ``make extract-messages`` does), so a string added without
a translation fails here.
"""
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from translations import catalogues, extract  # noqa: E402

NAMES = sorted(catalogues())


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    found = {}
    for name, (source, mapping, _folder) in catalogues().items():
        pot = tmp_path_factory.mktemp("pot") / "messages.pot"
        extract(source, mapping, pot)
        with pot.open("rb") as fh:
            found[name] = read_po(fh)
    return found


def _catalog(name, lang):
    folder = catalogues()[name][2]
    with (folder / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_built_in_plugins_carry_their_own_catalogue():
    assert "guestbook" in NAMES
    for name in NAMES:
        for lang in ("id", "en"):
            assert (catalogues()[name][2] / lang / "LC_MESSAGES" / "messages.po").exists(), (name, lang)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_string_is_translated(extracted, name, lang):
    catalog = _catalog(name, lang)
    missing = []
    for message in extracted[name]:
        if not message.id:
            continue
        entry = catalog.get(message.id, message.context)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{name}: {len(missing)} strings lack a {lang} translation, e.g. {missing[:10]}"


@pytest.mark.parametrize("name", NAMES)
def test_indonesian_is_not_just_english(name):
    catalog = _catalog(name, "id")
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id and len(m.id) > 12]
    # Brand names and formats may stay; whole sentences must not.
    assert len(same) <= 5, same[:10]
