"""TLS for PostgreSQL outside the local cloud: require it and verify the server's certificate
and name (`sslmode=verify-full`) against a CA bundle, unless the URL chooses its own sslmode.

The bundle is DATABASE_SSL_ROOT_CERT, else AWS's RDS global bundle when the layer ships it
(shared/plaza/stores/rds-global-bundle.pem, README: Security), else certifi's public CAs, which
verify RDS Proxy (its certificates come from ACM) and hosted Postgres such as Neon, but not an
RDS instance's own endpoint. Local and test stages connect in plain text to their own servers.
"""

from __future__ import annotations

from pathlib import Path

from plaza.config import settings

PLAIN_STAGES = ("local", "test")
RDS_CA_BUNDLE = Path(__file__).with_name("rds-global-bundle.pem")


def default_root_cert() -> str:
    """The CA bundle the layer ships: the RDS one when present, else the public CAs."""
    if RDS_CA_BUNDLE.is_file():
        return str(RDS_CA_BUNDLE)
    # lazy: only an AWS stage's first connection needs it
    import certifi

    return str(certifi.where())


def tls_parameters(url: str, stage: str, root_cert: str = "") -> dict[str, str]:
    """The libpq parameters that require TLS and verify the server; none on local/test stages
    and none when the URL sets sslmode itself (an explicit choice wins)."""
    if stage in PLAIN_STAGES:
        return {}
    # lazy: psycopg is ~0.15 s of cold start, paid only when a request reaches the database
    from psycopg.conninfo import conninfo_to_dict

    given = conninfo_to_dict(url)
    if "sslmode" in given:
        return {}
    parameters = {"sslmode": "verify-full"}
    if "sslrootcert" not in given:
        parameters["sslrootcert"] = root_cert or default_root_cert()
    return parameters


def conninfo(url: str) -> str:
    """`url` with this stage's TLS parameters (DATABASE_SSL_ROOT_CERT names another bundle)."""
    # lazy: psycopg is ~0.15 s of cold start, paid only when a request reaches the database
    from psycopg.conninfo import make_conninfo

    config = settings()
    return make_conninfo(url, **tls_parameters(url, config.stage, config.database_ssl_root_cert))
