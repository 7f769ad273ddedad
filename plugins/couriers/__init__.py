"""Built-in plugin 'couriers' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "couriers"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="couriers", version="0.1.0", description="couriers")
