"""An order's timeline: core's status history merged with the lines plugins add.

Plugins answer ``portal_order_timeline``; a raising plugin is left out (and
reported on the Modules page) and a malformed answer is dropped, so a broken
courier plugin never takes the customer's order page down with it.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import NamedTuple

from flask import current_app

from portal.plugin_api import TimelineEntry

log = logging.getLogger(__name__)


class TimelineRow(NamedTuple):
    """One line to show: exactly one of ``event`` (core) and ``entry`` (a plugin) is set."""

    at: dt.datetime
    event: object | None
    entry: TimelineEntry | None


def _safe_link(url: str | None) -> str | None:
    # A plugin passes on what an owner typed (a tracking-link template); only
    # https and local paths become links, anything else is shown as nothing.
    if not url:
        return None
    if url.startswith("https://") or (url.startswith("/") and not url.startswith("//")):
        return url
    return None


def plugin_entries(shop, order, audience: str) -> list[TimelineEntry]:
    registry = current_app.extensions["portal"]
    entries = []
    for plugin, answer in registry.call_isolated("portal_order_timeline", shop, shop=shop, order=order, audience=audience):
        for entry in answer or ():
            if not isinstance(entry, TimelineEntry) or not isinstance(entry.at, dt.datetime):
                log.warning("plugin %s returned a malformed timeline entry: %r", plugin, entry)
                continue
            link = _safe_link(entry.link_url)
            if link != entry.link_url:
                entry = TimelineEntry(entry.at, entry.label, entry.note, link, entry.link_label, entry.kind)
            entries.append(entry)
    return entries


def merged(events, shop, order, audience: str) -> list[TimelineRow]:
    """Core's ``OrderEvent`` rows and the plugins' entries, oldest first (core first on a tie)."""
    rows = [TimelineRow(e.created_at, e, None) for e in events]
    rows += [TimelineRow(e.at, None, e) for e in plugin_entries(shop, order, audience)]
    # Stable sort: core's rows keep their own order, a plugin's line at the same instant follows them.
    rows.sort(key=lambda r: r.at)
    return rows
