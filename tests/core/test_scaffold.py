"""``portal plugins new``: the generated package installs with pip, is found, shows up and passes its own tests.

The package is installed into the running virtual environment for this module
only (``pip install -e``; uninstalled afterwards). An editable install is
activated by a ``.pth`` file at interpreter start, so this process also puts
the package's folder on ``sys.path`` by hand; the subprocess needs no help.
"""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from portal.cli import main
from portal.core.shops import set_platform_plugin_allowed
from portal.scaffold import ScaffoldError, create_plugin, validate_name

NAME = "scaffold_probe"
LABEL = "Scaffold probe"


def pip(*args):
    return subprocess.run([sys.executable, "-m", "pip", *args], check=False, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = create_plugin(NAME, tmp_path_factory.mktemp("scaffold"))
    done = pip("install", "--quiet", "--no-deps", "-e", str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield root
    finally:
        pip("uninstall", "--quiet", "--yes", f"portal-{NAME}")
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m == f"portal_{NAME}" or m.startswith(f"portal_{NAME}.")]:
            del sys.modules[module]
        importlib.invalidate_caches()


@pytest.mark.parametrize("bad", ["", "x", "9lives", "Shop", "gift-wrap", "a" * 32, "guestbook"])
def test_bad_or_taken_names_are_refused(bad):
    with pytest.raises(ScaffoldError):
        validate_name(bad)


def test_an_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "portal-giftwrap").mkdir()
    with pytest.raises(ScaffoldError, match="exists already"):
        create_plugin("giftwrap", tmp_path)


def test_the_command_writes_the_whole_package(tmp_path):
    result = CliRunner().invoke(main, ["plugins", "new", "gift_wrap", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "portal-gift_wrap"
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == {
        "README.md", "pyproject.toml", "setup.cfg",
        "portal_gift_wrap/__init__.py", "portal_gift_wrap/models.py", "portal_gift_wrap/views.py",
        "portal_gift_wrap/templates/gift_wrap/_fragment.html", "portal_gift_wrap/templates/gift_wrap/index.html",
        "tests/conftest.py", "tests/test_gift_wrap.py",
    }
    assert "portal.plugins =\n    gift_wrap = portal_gift_wrap" in (root / "setup.cfg").read_text()
    module = (root / "portal_gift_wrap/__init__.py").read_text()
    for hook in ("portal_register_plugin", "portal_register_migrations", "portal_register_blueprints", "portal_slot_"):
        assert f"def {hook}" in module
    assert "class GiftWrapNote(Model)" in (root / "portal_gift_wrap/models.py").read_text()
    refused = CliRunner().invoke(main, ["plugins", "new", "Bad-Name", "--dir", str(tmp_path)])
    assert refused.exit_code != 0 and "invalid plugin name" in refused.output


def test_installed_package_is_found_allowed_listed_and_rendered(installed, portal_app, shop, owner_client,
                                                                client, enable_plugin):
    registry = portal_app.extensions["portal"]
    assert NAME not in registry.refused, registry.refused.get(NAME)
    assert registry.plugins[NAME].distribution == f"portal-{NAME}"
    # A third party's plugin waits for the platform admin.
    assert registry.platform_allowed()[NAME] is False
    assert LABEL not in owner_client.get("/s/workshop/manage/modules").get_data(as_text=True)

    set_platform_plugin_allowed(NAME, True)
    assert LABEL in owner_client.get("/s/workshop/manage/modules").get_data(as_text=True)
    enable_plugin(shop, NAME)
    assert f'id="{NAME}"' in client.get("/s/workshop/").get_data(as_text=True)
    assert client.get(f"/s/workshop/{NAME}/").status_code == 200


def test_generated_package_passes_its_own_tests(installed):
    run = subprocess.run([sys.executable, "-m", "pytest", "-q"], check=False, cwd=installed,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "4 passed" in run.stdout
