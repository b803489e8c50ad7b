"""What the identity routes accept and return; input rules live here, account rules in service."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from plaza.identity import passwords
from plaza.models import AttachedMedia

USERNAME = re.compile(r"[a-z0-9_]{3,30}")
# Paths like /v1/users/me and names that impersonate the service are not usernames.
RESERVED_USERNAMES = frozenset({
    "me", "admin", "administrator", "root", "system", "support", "help", "moderator", "mod",
    "plaza", "staff", "security", "api", "www", "null", "undefined", "anonymous", "everyone",
})
# ASCII addresses only: internationalised mailboxes are rare and a classic homograph vector.
EMAIL = re.compile(
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)
MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Format characters an emoji sequence needs: zero-width joiner and the tag characters of flags.
_ALLOWED_FORMAT = {"\u200d"} | {chr(c) for c in range(0xE0020, 0xE0080)}


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if not EMAIL.fullmatch(value):
        raise ValueError("must be a valid email address")
    return value


def normalise_username(value: str) -> str:
    value = value.strip().lower()
    if not USERNAME.fullmatch(value):
        raise ValueError("must be 3-30 characters of a-z, 0-9 and _")
    if value in RESERVED_USERNAMES:
        raise ValueError("is reserved")
    return value


def clean_text(value: str, multiline: bool = False) -> str:
    """NFC text without control, private-use, unassigned or bidi-override characters."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char == "\n"):
            raise ValueError("must not contain control characters")
        if category in ("Cs", "Co", "Cn"):
            raise ValueError("must not contain unassigned, private-use or surrogate characters")
        if category == "Cf" and char not in _ALLOWED_FORMAT:
            raise ValueError("must not contain invisible formatting characters")
    return value


def _acceptable_password(value: str) -> str:
    problem = passwords.password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _clean_line(value: str) -> str:
    return clean_text(value)


def _clean_paragraph(value: str) -> str:
    return clean_text(value, multiline=True)


def _media_id(value: str) -> str:
    if not MEDIA_ID.fullmatch(value):
        raise ValueError("must be a media id")
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(normalise_email)]
Username = Annotated[str, Field(max_length=30), AfterValidator(normalise_username)]
NewPassword = Annotated[str, Field(max_length=passwords.MAX_LENGTH),
                        AfterValidator(_acceptable_password)]
AnyPassword = Annotated[str, Field(min_length=1, max_length=passwords.MAX_LENGTH)]
DisplayName = Annotated[str, Field(max_length=50), AfterValidator(_clean_line)]
Bio = Annotated[str, Field(max_length=300), AfterValidator(_clean_paragraph)]
OpaqueToken = Annotated[str, Field(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
Role = Literal["user", "moderator", "admin"]


class _In(BaseModel):
    # strict: "password": 12345 is a type error, not a silently stringified password.
    model_config = ConfigDict(extra="forbid", strict=True)


class RegisterIn(_In):
    email: Email
    password: NewPassword
    username: Username
    display_name: DisplayName | None = None


class LoginIn(_In):
    email: Annotated[str, Field(max_length=254)] | None = None
    username: Annotated[str, Field(max_length=30)] | None = None
    password: AnyPassword

    @model_validator(mode="after")
    def _one_identifier(self) -> LoginIn:
        if (self.email is None) == (self.username is None):
            raise ValueError("give either email or username")
        return self

    @property
    def identifier(self) -> str:
        return (self.email or self.username or "").strip().lower()


class RefreshIn(_In):
    refresh_token: OpaqueToken


class VerifyEmailIn(_In):
    token: OpaqueToken


class ForgotPasswordIn(_In):
    email: Email


class ResetPasswordIn(_In):
    token: OpaqueToken
    password: NewPassword


class UpdateMeIn(_In):
    display_name: DisplayName | None = None
    bio: Bio | None = None
    avatar_media_id: Annotated[str, AfterValidator(_media_id)] | None = None

    @model_validator(mode="after")
    def _display_name_not_null(self) -> UpdateMeIn:
        if "display_name" in self.model_fields_set and self.display_name is None:
            raise ValueError("display_name cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent; an explicit null clears avatar and bio."""
        changed = {name: getattr(self, name) for name in self.model_fields_set}
        if "bio" in changed and changed["bio"] is None:
            changed["bio"] = ""
        return changed


class UserOut(BaseModel):
    """The account as its owner sees it (profiles for others come from the social graph)."""

    id: str
    username: str
    email: str
    display_name: str
    bio: str
    avatar_media_id: str | None
    # The avatar's dimensions and variant URLs (the function fills it in from plaza.media).
    avatar: AttachedMedia | None = None
    role: Role
    email_verified: bool
    created_at: dt.datetime


class UserEnvelope(BaseModel):
    user: UserOut


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int
    user: UserOut


class SessionOut(BaseModel):
    session_id: str
    device_id: str
    user_agent: str
    ip: str
    created_at: dt.datetime
    last_used_at: dt.datetime
    current: bool


class SessionList(BaseModel):
    items: list[SessionOut]
