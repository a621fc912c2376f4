"""``coopnode create-admin``: the first login of a new node (and a way back in).

The password comes from ``COOPNODE_ADMIN_PASSWORD`` (for automated set-ups) or is generated; a
generated password and the TOTP enrolment (``otpauth://`` URI and secret) are printed once and
never again — the node keeps only a hash and the encrypted secret. ``--if-none`` makes the
command idempotent for provisioning scripts: it succeeds without doing anything when an active
admin already exists.

Exit codes: 0 done (or nothing to do), 1 failure (e.g. the address is taken), 2 usage.
"""

from __future__ import annotations

import argparse
import os

from node.cli.context import EXIT_OK, EXIT_USAGE, fail, load_node, say
from node.errors import Conflict, ValidationProblem
from node.extensions import Command
from node.identity import service
from node.identity.roles import Role

PASSWORD_ENV = "COOPNODE_ADMIN_PASSWORD"  # noqa: S105 (a variable name, not a password)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True, help="the admin's e-mail address (login)")
    parser.add_argument("--name", default="", help="display name (default: the e-mail address)")
    parser.add_argument(
        "--if-none",
        action="store_true",
        help="do nothing (and succeed) if an active admin already exists",
    )


def run_create_admin(args: argparse.Namespace) -> int:
    password = os.environ.get(PASSWORD_ENV) or None
    node = load_node()
    try:
        with node.db.transaction() as session:
            if args.if_none and service.active_admins(session) > 0:
                say("an admin already exists; nothing to do")
                return EXIT_OK
            created = service.create_user(
                session,
                node.settings,
                node.cipher,
                email=args.email,
                display_name=args.name,
                role=Role.ADMIN.value,
                password=password,
                actor="cli",
            )
            user_id, email = created.user.id, created.user.email
    except ValidationProblem as problem:
        fail("; ".join(f"{e.field}: {e.message}" for e in problem.errors), EXIT_USAGE)
    except Conflict as problem:
        fail(str(problem.detail))
    finally:
        node.close()
    say(f"created admin {email} (user {user_id})")
    if created.generated_password is not None:
        say(f"password (shown once): {created.generated_password}")
    say("enrol the second factor in an authenticator app (shown once):")
    say(f"  {created.totp_uri}")
    say(f"  secret: {created.totp_secret}")
    return EXIT_OK


COMMANDS = [
    Command(
        "create-admin",
        "Create an admin login (password and TOTP enrolment shown once).",
        _configure,
        run_create_admin,
    )
]
