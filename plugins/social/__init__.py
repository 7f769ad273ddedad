"""Built-in plugin 'social' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "social"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="social", version="0.1.0", description="social")
