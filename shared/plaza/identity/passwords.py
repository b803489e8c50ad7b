"""Password hashing (Argon2id) and the password rules.

Parameters: Argon2id, time_cost=2, memory_cost=19 MiB, parallelism=1, 16-byte salt, 32-byte hash
(OWASP's minimum for Argon2id; ~25-40 ms on one Lambda vCPU, so a login stays well under 100 ms).
Stored hashes carry their parameters, so raising them later rehashes on the next login.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
MIN_LENGTH = 10
# Argon2 takes any length, but hashing megabytes per request is a denial-of-service lever.
MAX_LENGTH = 256

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


@cache
def hasher() -> PasswordHasher:
    # lazy: argon2 loads only in the functions that hash (models import this module)
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB,
                          parallelism=PARALLELISM, hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown user) it still spends the same time."""
    # lazy: argon2 loads only in the functions that hash (models import this module)
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    # Hashed once per container with the live parameters, so its cost matches a real account's.
    return hasher().hash("plaza-dummy-password-for-unknown-accounts")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why `password` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if password.lower() in common_passwords():
        return "is too common; choose another"
    if len(set(password)) < 4:
        return "is too repetitive"
    return None
