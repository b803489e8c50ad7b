"""`make admin USER=<username>`: make an existing account admin, against DATABASE_URL (and,
inside AWS, the FirstAdminFunction: functions/ops/first_admin.py).

The first admin cannot be made through the API (only an admin changes roles), so an operator
does it from a shell; the change is audited like any other, with the operator as the actor's role.
Its sessions are left alone: the role reaches the access token at the next refresh or login.
"""

from __future__ import annotations

import sys

from plaza import errors
from plaza.admin import repo
from plaza.audit import service as audit
from plaza.identity.gateway import Caller
from plaza.stores import db


def promote(username: str, *, only_first: bool = False) -> str:
    """Make `username` an admin (idempotent); the account's id. With `only_first` (the ops
    function inside AWS), Conflict when another admin exists: from then on admins change roles
    through the API (PUT /v1/admin/users/{id}/role), where the actor is a person."""
    with db.transaction():
        if only_first:
            repo.lock_first_admin()
        row = repo.lock_user_by_username(username)
        if row is None:
            raise errors.NotFound(f"No account named {username!r}")
        if only_first and (other := repo.other_admin(row["id"])) is not None:
            raise errors.Conflict(f"An admin exists already ({other}); an admin makes others "
                                  "admin with PUT /v1/admin/users/{id}/role")
        if row["role"] != "admin":
            repo.set_role(row["id"], "admin")
            operator = Caller(row["id"], "operator", "shell", "shell")
            audit.record(operator, "user.role", "user", row["id"], reason="make admin",
                         before={"role": row["role"]}, after={"role": "admin"})
    return str(row["id"])


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print("usage: make admin USER=<username>", file=sys.stderr)
        return 2
    try:
        user_id = promote(argv[0])
    except errors.NotFound as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{argv[0]} ({user_id}) is an admin; the role reaches their token at the next refresh")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
