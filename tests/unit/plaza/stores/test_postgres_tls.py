"""plaza.stores.postgres_tls: outside the local cloud Postgres needs TLS and a verified server,
unless the URL chooses its own sslmode; local and test stages stay plain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from plaza import config
from plaza.stores import postgres_tls

URL = "postgresql://plaza:secret@db.example.internal:5432/plaza"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("DATABASE_SSL_ROOT_CERT", raising=False)
    config.reset_settings()
    yield
    config.reset_settings()


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_aws_stages_require_tls_and_verify_the_server(monkeypatch: pytest.MonkeyPatch,
                                                      stage: str) -> None:
    monkeypatch.setenv("STAGE", stage)
    params = conninfo_to_dict(postgres_tls.conninfo(URL))
    assert params["sslmode"] == "verify-full"
    assert Path(params["sslrootcert"]).is_file()
    assert params["host"] == "db.example.internal" and params["password"] == "secret"


def test_the_root_certificate_can_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("DATABASE_SSL_ROOT_CERT", "/opt/certs/rds.pem")
    assert conninfo_to_dict(postgres_tls.conninfo(URL))["sslrootcert"] == "/opt/certs/rds.pem"


@pytest.mark.parametrize("url", [f"{URL}?sslmode=disable",
                                 "host=db.example.internal dbname=plaza sslmode=require"])
def test_an_explicit_sslmode_in_the_url_wins(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("STAGE", "prod")
    assert conninfo_to_dict(postgres_tls.conninfo(url)) == conninfo_to_dict(url)


def test_a_root_certificate_in_the_url_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    params = conninfo_to_dict(postgres_tls.conninfo(f"{URL}?sslrootcert=/etc/own-ca.pem"))
    assert params["sslmode"] == "verify-full" and params["sslrootcert"] == "/etc/own-ca.pem"


@pytest.mark.parametrize("stage", ["local", "test"])
def test_local_stages_connect_as_the_url_says(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    monkeypatch.setenv("STAGE", stage)
    assert conninfo_to_dict(postgres_tls.conninfo(URL)) == conninfo_to_dict(URL)


# Two old regional roots carry a serial number RFC 5280 forbids; AWS still publishes them.
@pytest.mark.filterwarnings("ignore:Parsed a serial number")
def test_the_layer_ships_the_rds_bundle_and_verifies_with_it() -> None:
    from cryptography import x509

    shipped = postgres_tls.RDS_CA_BUNDLE
    assert postgres_tls.default_root_cert() == str(shipped)
    roots = x509.load_pem_x509_certificates(shipped.read_bytes())
    names = {root.subject.rfc4514_string() for root in roots}
    # The global roots of every region, and the Amazon roots RDS Proxy's ACM certificates chain to.
    assert any("CN=Amazon RDS us-east-1 Root CA RSA2048 G1" in name for name in names), names
    assert any("CN=Amazon RDS eu-west-1 Root CA ECC384 G1" in name for name in names)
    assert any("CN=Amazon Root CA 1" in name for name in names)
