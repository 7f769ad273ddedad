"""Every code block in docs/plugins/tutorial.md is a copy of a file the test suite runs.

A block is preceded by ``<!-- include: PATH -->`` (the whole file) or
``<!-- include: PATH#NAME -->`` (the lines between ``#region NAME`` and the next
``#endregion`` in that file, dedented). Region marker lines never show in the
docs. Edit the example, then run ``python tests/docs/test_tutorial.py`` to copy
the new code into the tutorial.
"""
from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "plugins" / "tutorial.md"
INCLUDE = re.compile(r"^<!-- include: (?P<path>[^#\s]+)(?:#(?P<region>[\w-]+))? -->$")
REGION = re.compile(r"#\s*region\s+(?P<name>[\w-]+)")
ENDREGION = re.compile(r"#\s*endregion\b")
FENCE = re.compile(r"^```")
# Only the example plugin, whose own tests run in CI (`make test-examples`).
INCLUDABLE = ROOT / "examples" / "backinstock"


def source_text(path: str, region: str | None) -> str:
    lines = (ROOT / path).read_text().splitlines()
    if region is None:
        return "\n".join(line for line in lines if not (REGION.search(line) or ENDREGION.search(line)))
    start = next((i for i, line in enumerate(lines) if (m := REGION.search(line)) and m["name"] == region), None)
    assert start is not None, f"{path} has no `#region {region}`"
    end = next((i for i in range(start + 1, len(lines)) if ENDREGION.search(lines[i])), None)
    assert end is not None, f"{path}: `#region {region}` has no `#endregion`"
    return textwrap.dedent("\n".join(lines[start + 1:end]))


def blocks(text: str):
    """``(line number, include match or None, block body)`` for every fenced block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            start = i
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            before = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
            yield start + 1, INCLUDE.match(before.strip()), "\n".join(lines[start + 1:j])
            i = j + 1
        else:
            i += 1


def test_every_block_names_its_source():
    missing = [line for line, include, _ in blocks(TUTORIAL.read_text()) if include is None]
    assert not missing, f"code blocks without an include marker at tutorial.md lines {missing}"


def test_every_block_matches_its_source():
    stale = []
    for line, include, body in blocks(TUTORIAL.read_text()):
        if include is None:
            continue
        path = (ROOT / include["path"]).resolve()
        assert path.is_relative_to(INCLUDABLE), f"line {line}: {include['path']} is not in the tested example"
        assert path.is_file(), f"line {line}: {include['path']} does not exist"
        if body != source_text(include["path"], include["region"]):
            stale.append(f"line {line}: {include['path']}#{include['region'] or ''}")
    assert not stale, "tutorial blocks differ from the code (run python tests/docs/test_tutorial.py): " + ", ".join(stale)


def test_every_marker_is_followed_by_a_block():
    lines = TUTORIAL.read_text().splitlines()
    for n, line in enumerate(lines):
        if INCLUDE.match(line.strip()):
            after = next((x for x in lines[n + 1:] if x.strip()), "")
            assert FENCE.match(after), f"tutorial.md line {n + 1}: include marker without a code block"


def refresh(path: Path = TUTORIAL):
    """Rewrite each included block from its source (the tests above then pass)."""
    lines = path.read_text().splitlines()
    out = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        include = INCLUDE.match(lines[i].strip())
        if include and i + 1 < len(lines) and FENCE.match(lines[i + 1]):
            out.append(lines[i + 1])
            j = i + 2
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            out.extend(source_text(include["path"], include["region"]).splitlines())
            out.append(lines[j] if j < len(lines) else "```")
            i = j + 1
            continue
        i += 1
    path.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    refresh(Path(sys.argv[1]) if len(sys.argv) > 1 else TUTORIAL)
