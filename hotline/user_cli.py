"""`hotline user`: accounts from the command line, for the first admin of a new deployment.

A production deployment has no demo users (scripts/serve seeds them only in dev mode), so the
first administrator is created here; later accounts are made on the /admin page. The password
comes from HOTLINE_NEW_USER_PASSWORD or one line of standard input, never from the command line
(it would stay in the shell history and the process list). It must be strong, as on the admin
page (tickets.passwords.check_strength: the reason of a refusal is printed, the exit status is 2).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime

from core.settings import Settings

PASSWORD_ENV = "HOTLINE_NEW_USER_PASSWORD"
# tickets.accounts.PERSON_ROLES, spelled here so `hotline --help` does not import the engine.
ROLES = ("seat", "supervisor", "unit_handler", "admin", "auditor")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="create an account or reset its password (first admin)")
    actions = user.add_subparsers(dest="user_action", required=True)
    add = actions.add_parser("add", help=f"create an account; password from ${PASSWORD_ENV} or stdin")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", help="shown on the pages (default: the username)")
    add.add_argument("--unit", help="unit code; centre staff default to the tier-1 centre unit")
    add.add_argument("--extension", help="softphone extension (seats)")
    passwd = actions.add_parser("passwd", help=f"set a new password; from ${PASSWORD_ENV} or stdin")
    passwd.add_argument("--username", required=True)


def _password() -> str | None:
    value = os.environ.get(PASSWORD_ENV)
    if value is None:
        value = sys.stdin.readline().rstrip("\r\n")
    return value or None


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import select

    from tickets import accounts
    from tickets.actors import Actor
    from tickets.db import Database
    from tickets.errors import TicketError
    from tickets.models import Unit
    from tickets.vocab import Role

    password = _password()
    if password is None:
        print(f"hotline user: no password (set {PASSWORD_ENV} or pipe one line to stdin)", file=sys.stderr)
        return 2
    # Audited as the operating-system user who ran the command.
    actor = Actor(username=f"cli:{getpass.getuser()}", role=Role.ADMIN)
    now = datetime.now(UTC)
    db = Database(settings.database_url, pool_size=1)
    try:
        with db.session() as session:
            if args.user_action == "add":
                role = Role(args.role)
                unit = args.unit
                if unit is None and role != Role.UNIT_HANDLER:
                    unit = session.exec(select(Unit.code).where(Unit.tier == 1)).first()
                if unit is None:
                    print("hotline user: --unit is needed (no centre unit in the directory)", file=sys.stderr)
                    return 2
                view = accounts.create_user(
                    session,
                    actor,
                    accounts.NewUser(
                        username=args.username,
                        display_name=args.display_name or args.username,
                        role=role,
                        unit_code=unit,
                        extension=args.extension,
                        password=password,
                    ),
                    now,
                )
            else:
                view = accounts.reset_password(
                    session, actor, args.username, accounts.PasswordReset(new_password=password), now
                )
    except TicketError as exc:
        print(f"hotline user: {exc.reason}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the password or a field does not validate
        print(f"hotline user: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"{view.username} {view.role} {view.unit_code or ''} {view.extension or ''}".rstrip())
    return 0
