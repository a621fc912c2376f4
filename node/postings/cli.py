"""``coopnode postings``: members posted abroad, and this node as a host.

::

    coopnode postings [list] [--member ID]     one line per posting: state, host, dates, warnings
    coopnode postings show ID                  one posting as JSON (the host's answer included)
    coopnode postings declare --member ID --host NODE_ID --a1 REF --start D --end D \\
        --client-name N --client-country CC --address A --city C [--postal-code P] \\
        --hours H --hourly-gross G [--activity TEXT]
    coopnode postings host --contact-name N --contact-email E [--contact-phone P] \\
        [--service CODE=NAME ...]              the local contact and services offered
    coopnode postings notices                  peers' notices received, with our answers

Bad input is one line and exit code 2, and changes nothing.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from node.cli.context import EXIT_OK, load_node, say
from node.extensions import Command
from node.web.jsonenc import dumps

HELP = "Members posted abroad (A1) and peers' members posted here."


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number")
    return value


def _service(text: str) -> dict[str, str]:
    code, sep, name = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: write CODE=NAME")
    return {"code": code.strip(), "name": name.strip()}


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    listed = actions.add_parser("list", help="one line per posting")
    listed.add_argument("--member", type=int, metavar="ID")
    shown = actions.add_parser("show", help="one posting as JSON")
    shown.add_argument("posting_id", type=int, metavar="ID")
    declared = actions.add_parser("declare", help="declare a posting; its notice is queued")
    for flag, kind in (
        ("--member", int),
        ("--host", str),
        ("--a1", str),
        ("--start", _date),
        ("--end", _date),
        ("--client-name", str),
        ("--client-country", str),
        ("--address", str),
        ("--city", str),
        ("--hours", _decimal),
        ("--hourly-gross", _decimal),
    ):
        declared.add_argument(flag, type=kind, required=True)
    declared.add_argument("--postal-code")
    declared.add_argument("--activity")
    hosted = actions.add_parser("host", help="set the local contact and the services offered")
    hosted.add_argument("--contact-name", required=True)
    hosted.add_argument("--contact-email", required=True)
    hosted.add_argument("--contact-phone")
    hosted.add_argument("--service", type=_service, action="append", default=[], metavar="C=N")
    actions.add_parser("notices", help="peers' posting notices received, with our answers")


def _show(data: Any) -> None:
    say(json.dumps(json.loads(dumps(data)), indent=2, ensure_ascii=False))


def _line(view: dict[str, Any]) -> str:
    warnings = ", ".join(f"{w['code']} {w['state']} {w['reached_on']}" for w in view["limits"])
    return (
        f"{view['id']}  {view['member_name']}  {view['host_country']} {view['host_node']}  "
        f"{view['start']} .. {view['end']}  {view['state']}"
        + (f" ({view['reason']})" if view["reason"] else "")
        + (f"  limits: {warnings}" if warnings else "")
    )


def _declaration(args: argparse.Namespace) -> Any:
    from node.postings.service import Declaration

    return Declaration(
        member_id=args.member,
        host_node=args.host,
        a1_reference=args.a1,
        start=args.start,
        end=args.end,
        client_name=args.client_name,
        client_country=args.client_country.upper(),
        address=args.address,
        city=args.city,
        postal_code=args.postal_code,
        hours_per_week=args.hours,
        hourly_gross=args.hourly_gross,
        activity=args.activity,
    )


def run_postings(args: argparse.Namespace) -> int:
    from node.identity.roles import Principal, Role
    from node.postings import host, host_profile, service

    staff = Principal(Role.ADMIN)  # the CLI acts for the co-op: it sees every posting
    node = load_node()
    try:
        action = args.action or "list"
        if action in ("list", "show"):
            with node.db.reading() as session:
                if action == "show":
                    row = service.visible_posting(session, staff, args.posting_id)
                    _show(service.views(session, [row])[0])
                    return EXIT_OK
                views = service.views(session, service.postings_of(session, staff, args.member))
            say("\n".join(_line(view) for view in views) or "no postings")
        elif action == "declare":
            with node.db.transaction() as session:
                row = service.declare(session, node, _declaration(args), actor="cli")
            say(f"posting {row.id} ({row.uuid}) declared; its notice to {row.host_node} is queued")
        elif action == "host":
            with node.db.transaction() as session:
                host_profile.set_profile(
                    session,
                    contact_name=args.contact_name,
                    contact_email=args.contact_email,
                    contact_phone=args.contact_phone,
                    services=args.service,
                    actor="cli",
                )
            say(f"local contact {args.contact_name} set, {len(args.service)} service(s)")
        else:
            with node.db.reading() as session:
                _show([host.notice_view(row) for row in host.notices(session)])
        return EXIT_OK
    finally:
        node.close()


COMMANDS = [Command("postings", HELP, _configure, run_postings)]
