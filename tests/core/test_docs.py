"""The generated plugin reference stays in step with portal/hookspecs.py."""
from portal.docs import DOCS, build_pages, hook_functions


def test_every_hook_has_a_reference_page():
    pages = build_pages()
    for name, _ in hook_functions():
        assert f"hooks/{name}.md" in pages
        assert f"({name}.md)" in pages["hooks/index.md"]


def test_committed_docs_are_up_to_date():
    stale = [rel for rel, text in build_pages().items()
             if not (DOCS / rel).exists() or (DOCS / rel).read_text() != text]
    assert not stale, f"run `portal docs build` (or `make docs`): {stale}"


def test_no_orphan_pages():
    wanted = set(build_pages())
    present = {f"hooks/{p.name}" for p in (DOCS / "hooks").glob("*.md")}
    assert present <= wanted, present - wanted
