"""A toy plugin whose command name clashes with a built-in command."""

from node.extensions import Command
from plugins import hookimpl

COOPNODE_HOOK_API = 1


@hookimpl
def coop_register_commands() -> list[Command]:
    return [Command("migrate", "Clash.", lambda parser: None, lambda args: 0)]
