"""Settings read from the environment once per container.

In AWS, a secret setting holds a reference instead of its value: `ssm:/plaza/prod/database-url`
(an SSM SecureString) or `secretsmanager:plaza/prod/database-url` (a Secrets Manager secret). It is
resolved through Powertools Parameters the first time `settings()` is called in a container.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, Literal, get_args, get_origin, get_type_hints

SSM_PREFIX = "ssm:"
SECRETS_PREFIX = "secretsmanager:"
# Settings that may hold an `ssm:` / `secretsmanager:` reference instead of a value.
SECRET_FIELDS = frozenset({
    "database_url", "redis_url", "upstash_redis_rest_url", "upstash_redis_rest_token", "meili_url",
    "meili_api_key", "jwt_keys", "jwt_public_keys", "call_provider_credentials", "web_push_vapid",
    "links_click_salt",
})


class ConfigurationError(ValueError):
    """A setting is missing or malformed: the deployment's mistake, never the caller's. plaza.http
    answers it with 503 problem+json and one log line instead of a stack trace."""


def resolve_secret(value: str) -> str:
    """The value a setting refers to (SSM or Secrets Manager), or the value itself."""
    if value.startswith(SSM_PREFIX):
        # lazy: Powertools' parameters (and boto3) load only where a setting is a reference
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_parameter(value[len(SSM_PREFIX):], decrypt=True, max_age=3600))
    if value.startswith(SECRETS_PREFIX):
        # lazy: Powertools' parameters (and boto3) load only where a setting is a reference
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_secret(value[len(SECRETS_PREFIX):], max_age=3600))
    return value


@dataclass
class Settings:
    """Every setting, from the environment variable of the same name in any case.

    A dataclass, not pydantic-settings: importing pydantic-settings added 0.2-0.4 s to each cold
    start (`make bench`, `python -X importtime`), more than a health check's own work.
    """

    stage: str = "local"

    database_url: str = ""
    db_statement_timeout_ms: int = 5000
    db_connect_timeout_s: int = 5
    # The CA bundle that verifies the database server outside local/test stages
    # (plaza.stores.postgres_tls); empty: the one shipped in the layer.
    database_ssl_root_cert: str = ""

    redis_url: str = ""
    upstash_redis_rest_url: str = ""
    upstash_redis_rest_token: str = ""
    # Redis fails fast: most callers on a request path fail open, so a stalled Redis costs a call
    # these timeouts and no retry after one, and a request at most about the budget in all
    # (plaza.budget) before further calls give up at once: well under a function's 10 s.
    redis_connect_timeout_s: float = 0.2
    redis_read_timeout_s: float = 0.3
    redis_request_budget_s: float = 1.0

    meili_url: str = ""
    meili_api_key: str = ""
    search_backend: Literal["auto", "meilisearch", "postgres"] = "auto"
    search_timeout_s: float = 2.0

    allowed_origins: str = "*"

    # Identity: a JSON keyset (plaza.identity.tokens); empty only on local/test stages. Only the
    # functions that sign tokens get JWT_KEYS (private keys); the ones that only verify get
    # JWT_PUBLIC_KEYS, the JWKS of the same keys.
    jwt_keys: str = ""
    jwt_public_keys: str = ""
    jwt_algorithm: Literal["ES256", "HS256"] = "ES256"
    jwt_issuer: str = "plaza"
    jwt_audience: str = "plaza-api"
    allowed_email_domains: str = ""
    mail_from: str = "Plaza <no-reply@plaza.dev>"
    # Where the app serves the verify-email and reset-password pages the emails link to
    # (template parameter AppBaseUrl; the local cloud serves its own at /_local/app).
    app_base_url: str = "http://localhost:3000"
    # Unverified accounts may sign in and read, but not write or open a WebSocket (the template's
    # RequireVerifiedEmail: on whenever AllowedEmailDomains is set, and in staging and prod).
    require_verified_email: bool = False
    # EmailQueue: every email goes through it (plaza.emails.enqueue); functions/auth/send_email.py
    # sends them, so no request waits on SES and a failed send is retried, then dead-lettered.
    email_queue_url: str = ""
    # The SES configuration set whose event destination reports bounces and complaints (SNS).
    ses_configuration_set: str = ""

    # Web Push (plaza.stores.webpush): the VAPID key, a JSON secret {"private_key", "subject"};
    # empty: browser subscriptions are kept but not pushed to. The push services a subscription's
    # endpoint may name (host suffixes): the browsers' own.
    web_push_vapid: str = ""
    web_push_hosts: str = ("fcm.googleapis.com,push.services.mozilla.com,push.apple.com,"
                           "notify.windows.com")

    # Budgets (plaza.ratelimit), each a template parameter of the same name in CamelCase.
    # Register, verify-email, forgot and reset: requests per IP per minute.
    auth_requests_per_ip_per_minute: int = 10
    # Wrong passwords from one address, whatever the accounts, per hour (a correct sign-in costs
    # nothing, so a campus NAT stays open); past it the address is refused for any account.
    login_failures_per_ip_per_hour: int = 100
    # Wrong passwords for one account from one address before each further one locks that pair
    # for twice as long as the last (2 s, 4 s ... up to login_lock_max_s); never the account.
    login_failures_per_account_and_ip: int = 5
    login_lock_max_s: int = 900
    core_requests_per_user_per_minute: int = 100
    media_requests_per_user_per_minute: int = 50
    # Reports (POST /v1/reports) per user per hour.
    reports_per_user_per_hour: int = 10
    # Overrides plaza.ratelimit's policies, e.g. "auth=1000/60,core=5000/60" (load tests, e2e).
    rate_limits: str = ""

    # Feeds: authors with more followers are not fanned out on write; their posts are merged
    # into followers' home feeds at read time. A fan-out batch writes this many rows in one
    # statement: 2,500 puts a 10,000-follower fan-out in one wave of the Map's 4 concurrent
    # batches (`make bench`: ~40% faster than 1,000, whose 10 batches take three waves).
    fanout_follower_threshold: int = 10000
    fanout_batch_size: int = 2500
    # The fan-out reconciler restarts an unfinished fan-out once its post is this old (seconds):
    # younger ones may still be starting (plaza.feeds.reconcile).
    fanout_reconcile_after_s: int = 60

    # Calls (plaza.chat.call_tokens): the provider's app id and certificate, JSON, a
    # `secretsmanager:` reference in AWS; and how long a call rings before it ends as missed.
    call_provider_credentials: str = ""
    call_ring_timeout_s: int = 45
    # Media (plaza.media): the bucket uploads go to and variants are kept in; where public
    # variants are served (the CloudFront distribution's domain; empty: the bucket's own S3
    # endpoint, which is how the local cloud serves them); per-purpose limits in bytes and the
    # per-user storage quota.
    media_bucket: str = ""
    media_cdn_url: str = ""
    media_avatar_max_bytes: int = 5 * 1024 * 1024
    media_image_max_bytes: int = 10 * 1024 * 1024
    media_document_max_bytes: int = 10 * 1024 * 1024
    media_video_max_bytes: int = 100 * 1024 * 1024
    media_quota_bytes: int = 1024 * 1024 * 1024
    # Links: requests per user per minute to the owner routes (/v1/links...); the secret that
    # salts each click's daily visitor hash (empty only on local/test stages: a fixed dev salt);
    # the base of short URLs (empty: the API's own https://<domain>).
    links_requests_per_user_per_minute: int = 100
    links_click_salt: str = ""
    links_short_url_base: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `environ` (default os.environ), secret references resolved."""
        source = {key.lower(): value
                  for key, value in (os.environ if environ is None else environ).items()}
        hints = get_type_hints(cls)
        return cls(**{item.name: _parse(item.name, source[item.name], hints[item.name])
                      for item in fields(cls) if item.name in source})


def _parse(name: str, raw: str, kind: Any) -> Any:
    if name in SECRET_FIELDS:
        return resolve_secret(raw) if raw else raw
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name.upper()} must be a number, got {raw!r}") from None
    if get_origin(kind) is Literal and raw not in get_args(kind):
        choices = ", ".join(get_args(kind))
        raise ConfigurationError(f"{name.upper()} must be one of {choices}, got {raw!r}")
    return raw


@cache
def settings() -> Settings:
    return Settings.from_environ()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    settings.cache_clear()
    _init_errors.clear()


# What check_at_init found wrong in this container; plaza.http answers 503 while it holds any.
_init_errors: list[ConfigurationError] = []


def check_at_init(*checks: Callable[[], object]) -> None:
    """Run each check (a keyset loader, settings, ...) during the function's init, so a missing
    setting is one clear log line at start instead of a stack trace on the first request. A
    failure is remembered, not raised: an init that raises makes Lambda retry the init on every
    request, each with a traceback. Any other error (SSM unreachable) is left to the first
    request, which tries again."""
    for check in checks:
        try:
            check()
        except ConfigurationError as error:
            _init_errors.append(error)
            log_configuration_error(error, at="init")
        except Exception as error:  # noqa: BLE001 - retried on first use; init must not fail
            from plaza import observability

            observability.log_warning("init check failed; retried on first use", error=repr(error))


def init_error() -> ConfigurationError | None:
    """The first configuration error check_at_init found, if any."""
    return _init_errors[0] if _init_errors else None


def log_configuration_error(error: ConfigurationError, at: str) -> None:
    """One line naming what is missing (and a ConfigurationError metric for the alarms)."""
    # lazy: plaza.observability is light, but config is imported where nothing logs
    from plaza import observability

    observability.log_error(f"configuration error: {error}", at=at)
    observability.count("ConfigurationError")
