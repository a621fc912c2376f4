"""A toy plugin with a misspelt hook name: check_pending must refuse it."""

from plugins import hookimpl

COOPNODE_HOOK_API = 1


@hookimpl
def coop_register_jurisdiction() -> list:  # missing the final "s"
    return []
