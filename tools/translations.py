"""Refresh the message catalogues: extract strings, merge them into id and en.

Core (``portal/``, ``templates/``) has its catalogue in ``portal/translations``;
each built-in plugin carries its own in ``plugins/<name>/translations``, exactly
as a third party's package would, and registers it with
``portal_register_translations``.

English msgids are the source text, so the English catalogue is filled with the
msgid itself (a complete catalogue, not a fallback); Indonesian entries that are
new or changed are left empty for a translator — the translation test lists them.

    python tools/translations.py            # core and every built-in plugin
    python tools/translations.py forum      # one catalogue: "core" or a plugin name
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_CFG = ROOT / "plugins" / "babel.cfg"


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


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or list(catalogues())
    for name in names:
        refresh(name)


if __name__ == "__main__":
    main()
