"""Every user-facing string has an Indonesian and an English translation.

The catalogue is extracted afresh from the source (the same command as
``make extract-messages``), so a string added without a translation fails here.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        return read_po(fh)


def _catalog(lang):
    with (ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_string_is_translated(extracted, lang):
    catalog = _catalog(lang)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        entry = catalog.get(message.id, message.context)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{len(missing)} strings lack a {lang} translation, e.g. {missing[:10]}"


def test_indonesian_is_not_just_english(extracted):
    catalog = _catalog("id")
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id and len(m.id) > 12]
    # Brand names and formats may stay; whole sentences must not.
    assert len(same) <= 5, same[:10]
