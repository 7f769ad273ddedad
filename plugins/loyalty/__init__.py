"""Built-in plugin 'loyalty' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "loyalty"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="loyalty", version="0.1.0", description="loyalty")
