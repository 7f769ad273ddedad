"""Built-in plugin 'analytics' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "analytics"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="analytics", version="0.1.0", description="analytics")
