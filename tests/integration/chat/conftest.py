"""Chat tests make users the way the social graph tests do (no Argon2, no email)."""

from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["MakeUser", "make_user"]
