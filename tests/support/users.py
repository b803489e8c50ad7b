"""Users straight in Postgres, for integration tests of services that never read passwords."""

from __future__ import annotations

from plaza.identity import repo as identity_repo


def insert_user(username: str) -> str:
    """Create an active user named `username`; its id."""
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(),
                                    "not-a-real-hash")
    return str(row["id"])
