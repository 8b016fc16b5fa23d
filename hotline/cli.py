"""The `hotline` command: one binary, several roles (DESIGN.md "One command, several roles")."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from core.settings import Settings
from hotline import classify_cli, directory_cli, user_cli

ROLES = ("all", "web", "agi", "ami", "worker")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline", description="12345 hotline call-centre backend")
    p.add_argument("--log-level", default="INFO")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the hotline (all roles in one process by default)")
    serve.add_argument("--role", choices=ROLES, action="append", help="run only these roles (repeatable)")

    conf = sub.add_parser("asterisk-config", help="render the Asterisk 22 configuration")
    conf.add_argument("--out", type=Path, required=True, help="directory to write the .conf files into")

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "seed-demo"])

    sub.add_parser("prompts", help="generate the Mandarin IVR prompts with espeak-ng")
    user_cli.add_parser(sub)
    directory_cli.add_parser(sub)
    classify_cli.add_parser(sub)
    return p


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    """uvloop when installed (it is, with uvicorn[standard] on Linux): bench/agi.py measures
    about 1.5x more FastAGI sessions per CPU-second on it than on the default loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"hotline: configuration error: {exc}", file=sys.stderr)
        return 2

    if args.command == "serve":
        from hotline.runtime import run_roles

        roles = set(args.role or ["all"])
        if "all" in roles:
            roles = {"web", "agi", "ami", "worker"}
        try:
            _event_loop_runner()(run_roles(settings, roles))
        except KeyboardInterrupt:
            pass
        return 0
    if args.command == "asterisk-config":
        from asterisk_conf.render import render_to_dir

        written = render_to_dir(settings, args.out)
        for path in written:
            print(path)
        return 0
    if args.command == "db":
        from tickets.migrate import seed_demo, upgrade

        upgrade(settings.database_url)
        if args.action == "seed-demo":
            seed_demo(settings)
        return 0
    if args.command == "user":
        return user_cli.run(args, settings)
    if args.command == "directory":
        return directory_cli.run(args, settings)
    if args.command == "classify":
        return classify_cli.run(args, settings)
    if args.command == "prompts":
        from ivr.prompts import generate_prompts, prompt_texts

        for path in generate_prompts(settings.prompts_dir, prompt_texts(settings.ivr_menu)):
            print(path)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
