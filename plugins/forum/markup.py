"""Forum posts are Markdown: rendered with markdown-it (raw HTML off), then cleaned by nh3 with an allow-list.

Two locks on one door: markdown-it escapes any HTML typed into a post and refuses
``javascript:``/``data:`` links itself; nh3 then keeps only the tags, attributes and
URL schemes listed below, whatever the renderer produced. So no ``<script>``, no
``on*`` or ``hx-*`` attribute, no image and no ``javascript:`` link survives.
"""
from __future__ import annotations

import re
import warnings

import nh3
from markupsafe import Markup

with warnings.catch_warnings():
    # markdown-it probes for the optional linkify-it package; once pygal (analytics) has put its
    # old-style import hook on sys.meta_path, that failed probe raises an ImportWarning, which
    # the test suite turns into an error. Nothing is wrong: we do not use linkify.
    warnings.simplefilter("ignore", ImportWarning)
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "h3", "h4", "h5", "h6",
}
# "*": nothing on every tag (ammonia would otherwise keep ``lang`` and ``title``).
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
# Only absolute links leave a post: a relative "jav%09ascript:" or "/manage/..." is dropped too.
_ABSOLUTE_LINK = re.compile(r"(?i)^(?:https?://|mailto:)")

# Bidirectional embedding/override/isolate controls re-order the text around them
# (a "‮" can make a link's text read backwards); they have no place in a post.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What counts as "nothing written": spaces and invisible format characters.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u202a-\u202e\u2066-\u2069]+")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Pictures would load from anywhere (tracking, mixed content): links only.
    md.disable("image")
    return md


_MD = _parser()


def _demote_headings(tokens):
    # A post's "# Title" must not outrank the page's own headings: h1 -> h3 ... h4+ -> h6.
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


def clean_text(value: str) -> str:
    """Normalise what a user typed: one newline style, no bidi controls, no NUL, trimmed."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _BIDI_CONTROLS.sub("", value).strip()


def is_blank(value: str | None) -> bool:
    return not value or not _INVISIBLE.sub("", value)


def render(source: str) -> Markup:
    """Markdown → safe HTML for a post body."""
    env: dict = {}
    tokens = _MD.parse(source or "", env)
    _demote_headings(tokens)
    html = _MD.renderer.render(tokens, _MD.options, env)
    return Markup(sanitise(html))


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_keep_attribute,
    )


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href" and not _ABSOLUTE_LINK.match(value):
        return None
    if tag == "ol" and attribute == "start" and not value.isdigit():
        return None
    return value


def excerpt(source: str, length: int = 140) -> str:
    """Plain text for lists, queues and mails (escaped wherever it is shown)."""
    flat = " ".join((source or "").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
