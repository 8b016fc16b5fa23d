#!/usr/bin/env python3
"""Local fail-safe IVR: what the dialplan runs when the FastAGI service does not answer.

Installed on the Asterisk host next to the dialplan and run as classic AGI (stdin/stdout).
It needs only the Python standard library and pyst2 (`asterisk.agi`), so it works while the
backend, its virtualenv, Redis and the database are all down. It does the one thing that
must never fail (DESIGN.md "the call path never waits on the backend"): set the queue of the
dialled number, or the default queue, and let the dialplan carry on to it. Variables the
FastAGI session already set are kept.

    AGI(hotline_failsafe_agi.py,<default queue>[,<did>=<queue>...])
    e.g. AGI(hotline_failsafe_agi.py,q-general,12315=q-enterprise,12319=q-priority)
"""

from __future__ import annotations

import sys

VAR_QUEUE = "HOTLINE_QUEUE"  # core.dialplan.VAR_QUEUE (not imported: this runs standalone)
VAR_ACTION = "HOTLINE_ACTION"
DEFAULT_QUEUE = "q-general"


def parse_args(argv: list[str]) -> tuple[str, dict[str, str]]:
    """`<default> [did=queue ...]`; malformed pairs are ignored, an empty default is replaced."""
    default = argv[0].strip() if argv and argv[0].strip() else DEFAULT_QUEUE
    dids: dict[str, str] = {}
    for pair in argv[1:]:
        did, sep, queue = pair.partition("=")
        if sep and did.strip() and queue.strip():
            dids[did.strip()] = queue.strip()
    return default, dids


def choose_queue(env: dict[str, str], default: str, dids: dict[str, str]) -> str:
    for key in ("agi_dnid", "agi_extension"):
        queue = dids.get(env.get(key, "").strip())
        if queue:
            return queue
    return default


def main(argv: list[str]) -> int:
    from asterisk.agi import AGI, AGIException

    default, dids = parse_args(argv)
    try:
        agi = AGI()
        # The FastAGI session may have got far before failing (Asterisk reports FAILURE when one
        # command failed, e.g. a prompt it could not play): its decision stands, above all an
        # emergency re-route.
        if agi.get_variable(VAR_ACTION):
            return 0
        if not agi.get_variable(VAR_QUEUE):
            agi.set_variable(VAR_QUEUE, choose_queue(agi.env, default, dids))
        agi.set_variable(VAR_ACTION, "queue")
    except (AGIException, OSError, ValueError) as exc:
        # Dead channel, closed pipe or a line pyst2 cannot parse: nothing more to do here, the
        # dialplan's own fallback (empty queue → default) takes over.
        sys.stderr.write(f"hotline fail-safe AGI: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
