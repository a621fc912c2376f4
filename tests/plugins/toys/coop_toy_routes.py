"""A toy plugin that adds an API route and a CLI command."""

from __future__ import annotations

import argparse

from node.extensions import Command
from node.web.api import PUBLIC, Call, api_route
from plugins import hookimpl

COOPNODE_HOOK_API = 1
__version__ = "0.0.1"


@api_route(
    "GET",
    "/api/v1/x/toy/hello",
    summary="Say hello (toy plugin).",
    roles=PUBLIC,
    tag="toy",
    database="none",
)
def hello(call: Call) -> dict[str, str]:
    return {"hello": call.settings["node.name"]}


@hookimpl
def coop_register_routes() -> list:
    return [hello]


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("who")


def _run(args: argparse.Namespace) -> int:
    print(f"hello {args.who}")
    return 0


@hookimpl
def coop_register_commands(settings) -> list[Command]:  # type: ignore[no-untyped-def]
    return [Command("toy-hello", "Greet someone (toy plugin).", _configure, _run)]
