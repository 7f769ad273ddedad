"""The sanitiser: Markdown in, only the allow-listed tags, attributes and URL schemes out."""
from __future__ import annotations

import re

import pytest

from plugins.forum.markup import clean_text, excerpt, is_blank, render

# (what a user types, what must not survive in any tag or attribute of the HTML; as visible text it is harmless)
HOSTILE = [
    ("<script>alert(1)</script>", "<script"),
    ("<b onmouseover=alert(1)>x</b>", "<b"),
    ('<a href="https://ok.example" onclick="alert(1)">x</a>', "<a "),
    ("[x](javascript:alert(1))", "javascript:"),
    ("[x](JaVaScRiPt:alert(1))", 'href="JaVaScRiPt'),
    ("[x](&#106;avascript:alert(1))", "href"),
    ("[x](&#x6A;avascript:alert(1))", "href"),
    ("[x](jav&#x09;ascript:alert(1))", "href"),
    ("[x](%6Aavascript:alert(1))", "href"),
    ("<javascript:alert(1)>", "href"),
    ('<div hx-get="/s/workshop/manage/" hx-trigger="load">x</div>', "<div"),
    ('[x](https://ok.example "title" hx-get="/x")', "hx-get="),
    ("<img src=x onerror=alert(1)>", "<img"),
    ("![pic](https://ok.example/a.png)", "<img"),
    ("![pic](javascript:alert(1))", "javascript:"),
    ("[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data:"),
    ("![d](data:image/svg+xml;base64,PHN2Zz4=)", "data:"),
    ("[v](vbscript:msgbox(1))", "vbscript:"),
    ("[rel](/s/workshop/manage/)", 'href="/s/'),
    ("<iframe src=https://evil.example></iframe>", "<iframe"),
    ("<style>body{display:none}</style>", "<style"),
    ("<!-- secret --><p>x</p>", "<!--"),
    ('<svg onload="alert(1)"></svg>', "<svg"),
    ("<form action=/logout><button>x</button></form>", "<form"),
]


@pytest.mark.parametrize(("source", "forbidden"), HOSTILE)
def test_hostile_markdown_is_inert(source, forbidden):
    html = str(render(source))
    markup_only = " ".join(re.findall(r"<[^>]*>", html)).lower()
    assert forbidden.lower() not in markup_only, html
    # Whatever survived: no event handler, no htmx attribute, no style, only plain http(s)/mailto links.
    assert not re.search(r"<[^>]+\son\w+\s*=", html, re.I), html
    assert not re.search(r"<[^>]+\s(?:hx|data-hx)-", html, re.I), html
    assert "style=" not in html.lower()
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://", "mailto:")), html


@pytest.mark.parametrize(("source", "expected"), [
    ("**bold** and *it*", "<p><strong>bold</strong> and <em>it</em></p>"),
    ("`code <b>`", "<p><code>code &lt;b&gt;</code></p>"),
    ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
    ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
    ("3. a\n4. b", '<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>'),
    ("```\nx < y\n```", "<pre><code>x &lt; y\n</code></pre>"),
    ("# Big", "<h3>Big</h3>"),
    ("### Small", "<h5>Small</h5>"),
    ("line one  \nline two", "<p>line one<br>\nline two</p>"),
])
def test_allowed_markdown_renders(source, expected):
    assert str(render(source)).strip() == expected


@pytest.mark.parametrize("link", ["https://example.com/x?a=1&b=2", "http://example.com", "mailto:toko@example.com"])
def test_good_links_get_nofollow_ugc_noopener(link):
    html = str(render(f"[here]({link})"))
    assert 'rel="nofollow ugc noopener"' in html
    assert re.search(r'<a href="(?:https?://|mailto:)[^"]+" rel="nofollow ugc noopener">here</a>', html), html
    assert "title=" not in str(render(f'[here]({link} "a title")'))


def test_autolinks_work_and_keep_rel():
    html = str(render("see <https://example.com/care>"))
    assert '<a href="https://example.com/care" rel="nofollow ugc noopener">https://example.com/care</a>' in html


def test_raw_html_is_shown_as_text_not_dropped():
    # A reader sees what was typed (escaped), rather than a silently emptied post.
    html = str(render("I typed <b>bold</b>"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_clean_text_drops_bidi_controls_and_nul_but_keeps_emoji_joiners():
    assert clean_text("\u202eabc\u202c\x00  ") == "abc"
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert clean_text(f" {family}\r\n") == family


@pytest.mark.parametrize("value", ["", "   ", "\u200b\u200c\u200d\ufeff", "\u202e\u202d", " \u00ad \n"])
def test_blank_text_is_recognised(value):
    assert is_blank(value)


def test_excerpt_is_short_and_flat():
    assert excerpt("a\n\nb   c") == "a b c"
    long = excerpt("x" * 500, 140)
    assert len(long) == 140 and long.endswith("…")
