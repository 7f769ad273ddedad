"""Built-in plugin 'forum' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "forum"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="forum", version="0.1.0", description="forum")
