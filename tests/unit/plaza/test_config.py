"""plaza.config: settings from the environment; secret references resolved through SSM."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from plaza import config


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config.reset_settings()
    yield
    config.reset_settings()


def test_plain_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "1234")
    assert config.settings().database_url == "postgresql://u@h/db"
    assert config.settings().db_statement_timeout_ms == 1234


@mock_aws
def test_ssm_references_are_resolved_once_per_container(monkeypatch: pytest.MonkeyPatch) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/plaza/test/db", Value="postgresql://secret@db/plaza",
                      Type="SecureString")
    monkeypatch.setenv("DATABASE_URL", "ssm:/plaza/test/db")
    assert config.settings().database_url == "postgresql://secret@db/plaza"
    ssm.put_parameter(Name="/plaza/test/db", Value="postgresql://changed@db/plaza",
                      Type="SecureString", Overwrite=True)
    assert config.settings().database_url == "postgresql://secret@db/plaza"


@mock_aws
def test_secrets_manager_references_are_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="plaza/test/meili", SecretString="master-key")
    monkeypatch.setenv("MEILI_API_KEY", "secretsmanager:plaza/test/meili")
    assert config.settings().meili_api_key == "master-key"
