"""Each built-in plugin brings its own part of the security suite.

A plugin's tests folder may hold ``security_part.py`` (``tests/plugins/<name>/``)
with:

- ``PLUGIN``: the entry-point name; the part applies only where it is installed;
- ``build(app, w)``: add the plugin's objects of shop X and shop Y to
  ``w.x.extra`` / ``w.y.extra`` (called once both shops are built);
- ``MATRIX``: endpoint -> :class:`security_matrix.Entry` (set ``plugin=PLUGIN``);
- ``FORMS``: endpoint -> (role, fields builder) for the form fuzzer;
- ``CSRF_ONLY``: POST endpoints whose form is only the CSRF token;
- ``TOKEN_AUTHORISED``: POST endpoints authorised by a signed token in their URL
  instead of a session, so without a CSRF check (a mail program's one-click
  unsubscribe, RFC 8058); the CSRF test checks their forged URLs are refused instead.

Keeping a plugin's entries beside its tests means adding a plugin never edits
the shared matrix, and removing it takes its entries with it.
"""
from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

PLUGIN_TESTS = Path(__file__).resolve().parent.parent / "plugins"


@cache
def parts() -> tuple:
    found = []
    for path in sorted(PLUGIN_TESTS.glob("*/security_part.py")):
        spec = importlib.util.spec_from_file_location(f"security_part_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(module)
    return tuple(found)


def installed_parts() -> tuple:
    from security_matrix import installed_plugins

    installed = installed_plugins()
    return tuple(p for p in parts() if p.PLUGIN in installed)
