"""`hotline directory`: load a city's unit directory and category tree, or print the current one.

    hotline directory import FILE     # .toml ([[units]], [[categories]]) or .json, same keys
    hotline directory export          # JSON in the import shape: export | import changes nothing
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from core.settings import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    directory = sub.add_parser("directory", help="import or export the unit directory and category tree")
    actions = directory.add_subparsers(dest="directory_action", required=True)
    imp = actions.add_parser("import", help="upsert units and categories from a .toml or .json file")
    imp.add_argument("file", type=Path)
    actions.add_parser("export", help="print the directory as JSON (the import shape)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from tickets.actors import Actor
    from tickets.db import Database
    from tickets.directory_admin import DirectoryDocument, export_directory, import_directory
    from tickets.errors import TicketError
    from tickets.vocab import Role

    db = Database(settings.database_url, pool_size=1)
    try:
        if args.directory_action == "export":
            with db.session() as session:
                doc = export_directory(session)
            print(json.dumps(doc.model_dump(), ensure_ascii=False, indent=2))
            return 0
        path: Path = args.file
        try:
            raw = path.read_bytes()
            data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
            doc = DirectoryDocument.model_validate(data)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
            # ValidationError is a ValueError: a missing or mistyped field, named by pydantic.
            kind = "invalid entries" if isinstance(exc, ValidationError) else "unreadable"
            print(f"hotline directory: {path}: {kind}: {exc}", file=sys.stderr)
            return 2
        actor = Actor(username=f"cli:{getpass.getuser()}", role=Role.ADMIN)
        try:
            with db.session() as session:
                summary = import_directory(session, doc, actor, datetime.now(UTC))
        except TicketError as exc:
            print(f"hotline directory: {exc.reason}", file=sys.stderr)
            return 2
        print(f"created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}")
        return 0
    finally:
        db.dispose()
