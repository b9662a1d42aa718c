"""Markdown (CommonMark) to HTML that is safe to show: rendered, then sanitised by an allow-list.

Raw HTML in the source is escaped by the renderer and whatever it produces is
filtered again by nh3, so neither scripts nor event handlers nor javascript:
links survive, whoever wrote the text.
"""
from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
                "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "img"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render(source: str) -> str:
    """Sanitised HTML for ``source``."""
    html = _renderer().render(source or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")
