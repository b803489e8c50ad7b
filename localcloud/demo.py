"""Demo accounts for `make dev`, created through the identity service as a sign-up would be.

Idempotent: an account that already exists is left as it is, so restarting `make dev` against
the same DATABASE_URL works. Seeding runs in the local cloud's own process with the settings a
function gets (local stores, local AWS), so the verification emails land in the local outbox.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

PASSWORD = "plaza-demo-2026"  # noqa: S105 - printed for local demo accounts only
ACCOUNTS = (
    {"username": "alice", "email": "alice@example.com", "display_name": "Alice Demo"},
    {"username": "bob", "email": "bob@example.com", "display_name": "Bob Demo"},
)


@contextlib.contextmanager
def function_settings(cloud: LocalCloud) -> Iterator[None]:
    """os.environ as a function of the stack sees it, for the duration of the block."""
    from plaza import config
    from plaza.stores import db

    environ: dict[str, str] = {}
    for spec in cloud.stack.functions.values():
        # References to SSM / Secrets Manager only resolve in AWS; the cloud's overrides follow.
        environ.update({key: value for key, value in spec.environment.items()
                        if not value.startswith(("ssm:", "secretsmanager:"))})
    environ.update(cloud.function_env())
    # Seeding's metric lines would land on the terminal above the banner, not in a function's log.
    environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    # Only these keys are put back: the cloud's own threads may set others meanwhile.
    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    config.reset_settings()
    try:
        yield
    finally:
        db.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.reset_settings()


def identity_available() -> bool:
    return importlib.util.find_spec("plaza.identity.service") is not None


def seed(cloud: LocalCloud) -> tuple[list[dict[str, str]], list[str]]:
    """(accounts with their status "created" / "exists" / "failed: ...", notes to print)."""
    if not identity_available():
        return [], ["Demo accounts: none (plaza.identity is not in this tree yet)."]
    try:
        from plaza import errors
        from plaza.identity import repo, service
        from plaza.identity.models import RegisterIn
    except ImportError as error:
        return [], [f"Demo accounts: none (plaza.identity does not import: {error})."]

    accounts: list[dict[str, str]] = []
    with function_settings(cloud):
        for account in ACCOUNTS:
            row = {"username": account["username"], "email": account["email"],
                   "password": PASSWORD}
            try:
                user = service.register(RegisterIn(password=PASSWORD, **account))
                # Demo accounts skip the emailed link; the email is still in the outbox.
                repo.mark_email_verified(str(user.id))
                row["status"] = "created"
            except errors.Conflict:
                # Demo accounts are verified, also those an older seeding left unverified.
                existing = repo.user_by_email(account["email"])
                if existing is not None:
                    repo.mark_email_verified(str(existing["id"]))
                row["status"] = "exists"
            except Exception as error:  # noqa: BLE001 - a seeding problem must not stop make dev
                row["status"] = f"failed: {type(error).__name__}: {error}"
            accounts.append(row)
    return accounts, []
