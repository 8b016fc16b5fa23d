"""`hotline user add --role` offers exactly the roles an account can be created with."""

from __future__ import annotations

from hotline.user_cli import ROLES
from tickets.accounts import PERSON_ROLES


def test_cli_roles_are_the_person_roles() -> None:
    assert ROLES == tuple(r.value for r in PERSON_ROLES)
