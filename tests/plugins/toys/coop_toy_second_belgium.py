"""A toy plugin that claims Belgium too: the node must refuse to start with two Belgiums."""

from plugins import be, hookimpl

COOPNODE_HOOK_API = [1, 2]


@hookimpl
def coop_register_jurisdictions() -> list:
    return be.coop_register_jurisdictions()
