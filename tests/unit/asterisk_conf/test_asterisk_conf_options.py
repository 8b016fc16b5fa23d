"""The table of options Asterisk 22 knows (asterisk_conf/options.py) is itself checked.

With HOTLINE_TEST_ASTERISK_SRC pointing at an Asterisk 22 source tree (e.g. the 22.10.1 tag),
every option name in the table must occur as a string literal in Asterisk's C sources, where
each parser compares or registers it: the table holds no invented names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from asterisk_conf.options import PJSIP, QUEUE, TABLES

SOURCE = os.environ.get("HOTLINE_TEST_ASTERISK_SRC", "")


def test_options_removed_before_22_are_not_in_the_table() -> None:
    # Both were queue options until Asterisk 12 and now warn at load (asterisk-captures README).
    assert "eventwhencalled" not in QUEUE
    assert "eventmemberstatus" not in QUEUE
    # chan_sip is gone from 22: its peer options are not pjsip endpoint options.
    assert not {"host", "secret", "nat", "qualify", "canreinvite"} & PJSIP["endpoint"]


@pytest.mark.skipif(not SOURCE, reason="HOTLINE_TEST_ASTERISK_SRC is not set")
def test_every_option_name_occurs_in_the_asterisk_22_sources() -> None:
    root = Path(SOURCE)
    literals: set[str] = set()
    for folder in ("main", "res", "apps", "cdr", "pbx", "funcs", "channels"):
        for path in (root / folder).rglob("*.c"):
            text = path.read_text(encoding="utf-8", errors="replace")
            literals.update(re.findall(r'"([A-Za-z0-9_-]+)"', text))
    assert "endpoint_identifier_order" in literals, "not an Asterisk source tree"
    missing = [
        (file, kind, option)
        for file, tables in TABLES.items()
        for kind, options in tables.items()
        for option in sorted(options or ())
        if option not in literals
    ]
    assert missing == []
