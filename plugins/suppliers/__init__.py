"""Built-in plugin 'suppliers' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "suppliers"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="suppliers", version="0.1.0", description="suppliers")
