"""``portal plugins new NAME``: write a new, installable plugin package from ``scaffold_template/``.

The package is what a third party starts from: its own ``setup.cfg`` with the
``portal.plugins`` entry point, a plugin module with ``portal_register_plugin``,
one slot hook and a blueprint, a template, a migration creating one table, a
README and a test using the ``portal.testing`` fixtures. It installs with
``pip install -e`` and shows on the Modules page once the admin allows it.
"""
from __future__ import annotations

import re
from pathlib import Path
from string import Template

TEMPLATE_DIR = Path(__file__).resolve().parent / "scaffold_template"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class ScaffoldError(ValueError):
    """A name or target the scaffold refuses; the message says why."""


def installed_plugin_names() -> set[str]:
    from portal.core.plugins import discover_entry_points

    return {ep.name for ep in discover_entry_points()}


def validate_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise ScaffoldError(
            f"invalid plugin name {name!r}: use 2 to 31 characters, lower-case letters, digits and "
            "underscores, starting with a letter (it becomes a URL segment and a table prefix)"
        )
    if name in installed_plugin_names():
        raise ScaffoldError(f"a plugin named {name!r} is already installed; choose another name")
    return name


def _context(name: str) -> dict[str, str]:
    words = name.split("_")
    return {
        "name": name,
        "camel": "".join(w.capitalize() for w in words),
        "label": " ".join(words).capitalize(),
    }


def _target_path(relative: Path, name: str) -> Path:
    parts = ["portal_" + name if p == "package" else name if p == "NAME" else p for p in relative.parts]
    parts[-1] = parts[-1].removesuffix(".tmpl").replace("NAME", name)
    return Path(*parts)


def create_plugin(name: str, directory: str | Path = ".") -> Path:
    """Write ``portal-NAME/`` under ``directory`` and return its path.

    :raises ScaffoldError: bad or taken name, or the folder exists already.
    """
    validate_name(name)
    root = Path(directory) / f"portal-{name}"
    if root.exists():
        raise ScaffoldError(f"{root} exists already; remove it or pick another --dir")
    context = _context(name)
    for source in sorted(TEMPLATE_DIR.rglob("*.tmpl")):
        target = root / _target_path(source.relative_to(TEMPLATE_DIR), name)
        target.parent.mkdir(parents=True, exist_ok=True)
        # ``substitute`` (not ``safe_``): a placeholder left unfilled is a bug here.
        target.write_text(Template(source.read_text()).substitute(context))
    return root
