"""Settings read from the environment once per container.

In AWS, a secret setting holds a reference instead of its value: `ssm:/plaza/prod/database-url`
(an SSM SecureString) or `secretsmanager:plaza/prod/database-url` (a Secrets Manager secret). It is
resolved through Powertools Parameters the first time `settings()` is called in a container.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SSM_PREFIX = "ssm:"
SECRETS_PREFIX = "secretsmanager:"


def resolve_secret(value: str) -> str:
    """The value a setting refers to (SSM or Secrets Manager), or the value itself."""
    if value.startswith(SSM_PREFIX):
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_parameter(value[len(SSM_PREFIX):], decrypt=True, max_age=3600))
    if value.startswith(SECRETS_PREFIX):
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_secret(value[len(SECRETS_PREFIX):], max_age=3600))
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    stage: str = "local"

    database_url: str = ""
    db_statement_timeout_ms: int = 5000
    db_connect_timeout_s: int = 5

    redis_url: str = ""
    upstash_redis_rest_url: str = ""
    upstash_redis_rest_token: str = ""

    meili_url: str = ""
    meili_api_key: str = ""
    search_backend: Literal["auto", "meilisearch", "postgres"] = "auto"
    search_timeout_s: float = 2.0

    allowed_origins: str = "*"

    @field_validator(
        "database_url", "redis_url", "upstash_redis_rest_url", "upstash_redis_rest_token",
        "meili_url", "meili_api_key",
    )
    @classmethod
    def _resolve(cls, value: str) -> str:
        return resolve_secret(value) if value else value


@cache
def settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    settings.cache_clear()
