"""Built-in plugin 'comments' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "comments"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="comments", version="0.1.0", description="comments")
