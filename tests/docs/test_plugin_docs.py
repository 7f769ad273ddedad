"""The hand-written plugin docs keep up with the code: every slot and every test fixture is described."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from portal import hookspecs, testing

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("index", "tutorial", "lifecycle", "services", "slots", "htmx", "testing")


def fixtures_of(module) -> list[str]:
    # pytest marks fixture functions; their names are what tests ask for.
    return sorted(
        name for name, obj in vars(module).items()
        if type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")
    )


def test_fixture_discovery_sees_the_fixtures():
    assert {"portal_app", "client", "shop", "enable_plugin", "live_server"} <= set(fixtures_of(testing))


@pytest.mark.parametrize("hook", [n for n, _ in inspect.getmembers(hookspecs, inspect.isfunction)
                                  if n.startswith("portal_slot_")])
def test_every_slot_is_in_slots_md(hook):
    text = (DOCS / "plugins" / "slots.md").read_text()
    assert re.search(rf"^## `{hook}\(", text, re.MULTILINE), f"{hook} has no section in docs/plugins/slots.md"


@pytest.mark.parametrize("fixture", fixtures_of(testing))
def test_every_fixture_is_in_testing_md(fixture):
    assert f"`{fixture}`" in (DOCS / "plugins" / "testing.md").read_text(), \
        f"fixture {fixture} is not described in docs/plugins/testing.md"


def test_index_links_every_page_and_the_hook_reference():
    index = (DOCS / "plugins" / "index.md").read_text()
    for page in PAGES[1:]:
        assert f"]({page}.md)" in index
    assert "](../hooks/index.md)" in index


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page):
    path = DOCS / "plugins" / f"{page}.md"
    for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", path.read_text()):
        assert (path.parent / target).exists(), f"{path.name} links to missing {target}"
