"""Refresh the message catalogues: extract strings, merge them into id and en.

English msgids are the source text, so the English catalogue is filled with the
msgid itself (a complete catalogue, not a fallback); Indonesian entries that are
new or changed are left empty for a translator — the translation test lists them.

    python tools/translations.py
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "portal" / "translations"


def run(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


def main():
    pot = CATALOGS / "messages.pot"
    run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--sort-by-file", "-o", str(pot), ".")
    for lang in ("id", "en"):
        po = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            run("update", "-i", str(pot), "-d", str(CATALOGS), "-l", lang, "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            run("init", "-i", str(pot), "-d", str(CATALOGS), "-l", lang)
    en = CATALOGS / "en" / "LC_MESSAGES" / "messages.po"
    with en.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        # Plural entries hold a tuple of forms: ("", "") is empty too.
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not all(strings):
            message.string = message.id
    with en.open("wb") as fh:
        write_po(fh, catalog, width=100)
    with (CATALOGS / "id" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        missing = [m.id for m in read_po(fh, locale="id") if m.id and not m.string]
    print(f"{len(missing)} Indonesian strings to translate")


if __name__ == "__main__":
    main()
