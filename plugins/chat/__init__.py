"""Built-in plugin 'chat' (being written: see its issue)."""
from __future__ import annotations

from portal import PluginInfo, hookimpl

NAME = "chat"


@hookimpl
def portal_register_plugin():
    return PluginInfo(name=NAME, label="chat", version="0.1.0", description="chat")
