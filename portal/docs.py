"""Build the plugin reference from the hookspec docstrings (``portal docs build``).

One Markdown page per hook under ``docs/hooks/`` plus an index; the pages are
committed, and a test fails when they are out of date with ``portal/hookspecs.py``.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

from portal import hookspecs
from portal.plugin_api import PLUGIN_API_VERSION

DOCS = Path(__file__).resolve().parent.parent / "docs"

KINDS = [
    ("portal_register_", "Setup hooks", "Called once when the app is made, for every installed and allowed plugin."),
    ("portal_slot_", "Template slots", "HTML fragments joined into core pages; only the current shop's enabled plugins are asked."),
    ("portal_order_", "Order events", "Told about, or asked before, a change of an order's status."),
    ("portal_checkout_", "Checkout", "Contributions to the checkout form."),
    ("portal_", "Menus and shop events", "Menu links and shop-level events."),
]


def hook_functions():
    return sorted(
        (name, fn) for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("portal_")
    )


def kind_of(name: str) -> str:
    for prefix, title, _ in KINDS:
        if name.startswith(prefix):
            return title
    return "Other"


def render_hook(name: str, fn) -> str:
    doc = inspect.getdoc(fn) or ""
    opts = getattr(fn, "portal_spec", None) or {}
    firstresult = bool(opts.get("firstresult"))
    signature = f"{name}{inspect.signature(fn)}"
    summary, _, body = doc.partition("\n")
    lines = [
        f"# `{name}`",
        "",
        f"*{kind_of(name)}* · plugin API {PLUGIN_API_VERSION}",
        "",
        _inline(summary.strip()),
        "",
        "```python",
        "@hookimpl",
        f"def {signature}:",
        "    ...",
        "```",
        "",
        "**Results:** " + ("the first non-`None` result wins (`firstresult`)." if firstresult
                          else "every enabled plugin is called; the results are collected in a list."),
        "",
    ]
    body = body.strip()
    if body:
        lines += [_rst_to_md(body), ""]
    return "\n".join(lines).rstrip() + "\n"


_ROLE = re.compile(r":(?:class|func|meth|mod):`([^`]+)`")


def _inline(line: str) -> str:
    return _ROLE.sub(r"`\1`", line).replace("``", "`")


def _rst_to_md(text: str) -> str:
    out = []
    in_code = False
    skip_blank = False
    for line in text.splitlines():
        if line.rstrip().endswith("::") and not in_code:
            head = line.rstrip()[:-2].rstrip()
            if head:
                out.append(head + ":")
            out.append("")
            out.append("```python")
            in_code = True
            skip_blank = True
            continue
        if in_code:
            if skip_blank and not line.strip():
                continue
            skip_blank = False
            if line.strip() and not line.startswith("    "):
                out.append("```")
                in_code = False
            else:
                out.append(line[4:] if line.startswith("    ") else line)
                continue
        line = _inline(line)
        if line.startswith("    ") and out and not line.strip().startswith("-"):
            # continuation of the previous field's text
            out[-1] = out[-1] + " " + line.strip()
            continue
        if line.startswith(":param "):
            param, _, rest = line[len(":param "):].partition(":")
            line = f"- **`{param.strip()}`** — {rest.strip()}"
        elif line.startswith(":return:"):
            line = f"\n**Returns:** {line[len(':return:'):].strip()}"
        elif line.startswith(":raises"):
            line = f"\n**Raises:** {line.split(':', 2)[-1].strip()}"
        out.append(line)
    while in_code and out and not out[-1].strip():
        out.pop()
    if in_code:
        out.append("```")
    return "\n".join(out)


def render_index() -> str:
    lines = [
        "# Hook reference",
        "",
        f"Plugin API version **{PLUGIN_API_VERSION}**. Generated from `portal/hookspecs.py` by "
        "`portal docs build`; do not edit by hand.",
        "",
        "Implement a hook with `from portal import hookimpl`; an implementation may take fewer "
        "arguments than the spec lists.",
        "",
    ]
    for _prefix, title, blurb in KINDS:
        names = [n for n, _ in hook_functions() if kind_of(n) == title]
        if not names:
            continue
        lines += [f"## {title}", "", blurb, ""]
        for name in names:
            summary = (inspect.getdoc(getattr(hookspecs, name)) or "").partition("\n")[0]
            lines.append(f"- [`{name}`]({name}.md) — {_inline(summary)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def build_pages() -> dict[str, str]:
    pages = {"hooks/index.md": render_index()}
    for name, fn in hook_functions():
        pages[f"hooks/{name}.md"] = render_hook(name, fn)
    return pages


def write(root: Path = DOCS) -> list[Path]:
    written = []
    hooks_dir = root / "hooks"
    hooks_dir.mkdir(parents=True, exist_ok=True)
    wanted = build_pages()
    for old in hooks_dir.glob("*.md"):
        if f"hooks/{old.name}" not in wanted:
            old.unlink()
    for rel, text in wanted.items():
        path = root / rel
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written
