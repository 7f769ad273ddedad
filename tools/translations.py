"""Refresh the message catalogues: extract strings, merge them into id and en.

Core (``portal/``, ``templates/``) has its catalogue in ``portal/translations``;
each built-in plugin carries its own in ``plugins/<name>/translations``, exactly
as a third party's package would, and registers it with
``portal_register_translations``.

English msgids are the source text, so the English catalogue is filled with the
msgid itself (a complete catalogue, not a fallback); Indonesian entries that are
new or changed are left empty for a translator — the translation test lists them.

WTForms ships no Indonesian catalogue for its built-in messages; core carries one,
``portal/translations/id/LC_MESSAGES/wtforms.po`` (domain ``wtforms``). Its template is
not extracted from our source but taken from the installed packages: WTForms' own
``wtforms.pot`` and what Flask-WTF's validators pass to ``field.gettext``. Refresh it
after upgrading either package and translate what is new.

    python tools/translations.py            # core, every built-in plugin, and wtforms
    python tools/translations.py forum      # one catalogue: "core", "wtforms" or a plugin name
"""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_CFG = ROOT / "plugins" / "babel.cfg"
WTFORMS_PO = ROOT / "portal" / "translations" / "id" / "LC_MESSAGES" / "wtforms.po"


def catalogues() -> dict[str, tuple[Path, Path, Path]]:
    """name -> (folder scanned, mapping file, translations folder)."""
    found = {"core": (ROOT, ROOT / "babel.cfg", ROOT / "portal" / "translations")}
    for folder in sorted((ROOT / "plugins").iterdir()):
        if folder.is_dir() and (folder / "__init__.py").exists():
            found[folder.name] = (folder, PLUGIN_CFG, folder / "translations")
    return found


def extract(source: Path, mapping: Path, pot: Path):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(mapping),
                    "-k", "_l", "-k", "lazy_gettext", "--sort-by-file", "-o", str(pot), "."],
                   cwd=source, check=True, capture_output=True)


def refresh(name: str) -> int:
    source, mapping, folder = catalogues()[name]
    folder.mkdir(parents=True, exist_ok=True)
    pot = folder / "messages.pot"
    extract(source, mapping, pot)
    run = lambda *args: subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args],  # noqa: E731
                                       cwd=ROOT, check=True, capture_output=True)
    for lang in ("id", "en"):
        po = folder / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            run("update", "-i", str(pot), "-d", str(folder), "-l", lang, "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            run("init", "-i", str(pot), "-d", str(folder), "-l", lang)
    en = folder / "en" / "LC_MESSAGES" / "messages.po"
    with en.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        # Plural entries hold a tuple of forms: ("", "") is empty too.
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not all(strings):
            message.string = message.id
    with en.open("wb") as fh:
        write_po(fh, catalog, width=100)
    with (folder / "id" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        missing = [m.id for m in read_po(fh, locale="id") if m.id and not m.string]
    print(f"{name}: {len(missing)} Indonesian strings to translate")
    return len(missing)


def wtforms_template() -> Catalog:
    """WTForms' built-in messages, as the installed WTForms and Flask-WTF translate them."""
    import flask_wtf
    import wtforms

    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as fh:
        template = read_po(fh)
    source = Path(flask_wtf.__file__).parent
    # Babel notes on stderr the one f-string it cannot extract (FileSize's message).
    with contextlib.redirect_stderr(io.StringIO()):
        found = list(extract_from_dir(source, method_map=[("**.py", "python")],
                                      keywords={"gettext": None, "ngettext": (1, 2)}))
    for filename, lineno, message, _comments, context in found:
        old = template.get(message, context)
        locations = [(f"flask_wtf/{filename}", lineno)]
        if old is not None:
            old.locations.extend(locations)
        else:
            template.add(message, locations=locations, context=context)
    return template


def refresh_wtforms() -> int:
    template = wtforms_template()
    if WTFORMS_PO.exists():
        with WTFORMS_PO.open("rb") as fh:
            catalog = read_po(fh, locale="id", domain="wtforms")
    else:
        catalog = Catalog(locale="id", domain="wtforms", project="Portal", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    with WTFORMS_PO.open("wb") as fh:
        write_po(fh, catalog, width=100, ignore_obsolete=True)
    missing = [m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    print(f"wtforms: {len(missing)} Indonesian strings to translate")
    return len(missing)


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or [*catalogues(), "wtforms"]
    for name in names:
        refresh_wtforms() if name == "wtforms" else refresh(name)


if __name__ == "__main__":
    main()
