"""The deploy-time migration function (a CloudFormation custom resource) and `make migrate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest

from localcloud.embedded import free_port
from plaza import config
from plaza.stores import migrations
from tests.support.databases import scratch_database
from tests.support.lambdas import FakeContext, load_event, load_function

ROOT = Path(__file__).resolve().parents[4]
SHIPPED = [migration.name for migration in migrations.discover()]


class CloudFormationResponses:
    """Stands in for the pre-signed S3 URL a custom resource must PUT its result to."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802 - the http.server hook's name
                length = int(self.headers["content-length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/response?X-Amz-Signature=test"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def cloudformation() -> Iterator[CloudFormationResponses]:
    responses = CloudFormationResponses()
    yield responses
    responses.close()


@pytest.fixture
def empty_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with scratch_database(database_url, "migrate") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        config.reset_settings()
        yield url
    config.reset_settings()


def _custom_resource_event(request_type: str, response_url: str) -> dict[str, Any]:
    return {**load_event("ops/migrate.json"), "RequestType": request_type,
            "ResponseURL": response_url}


def _recorded(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM schema_migrations ORDER BY version")]


def test_a_stack_create_applies_every_migration_and_answers_success(
        empty_database: str, cloudformation: CloudFormationResponses) -> None:
    migrate = load_function("functions/ops/migrate.py")
    result = migrate.handler(_custom_resource_event("Create", cloudformation.url), FakeContext())

    assert result == {"applied": SHIPPED}
    assert _recorded(empty_database) == SHIPPED
    [answer] = cloudformation.received
    assert answer["Status"] == "SUCCESS"
    assert answer["Reason"] == f"applied {len(SHIPPED)} migrations"
    assert answer["LogicalResourceId"] == "DatabaseMigrations"
    assert answer["PhysicalResourceId"] == "plaza-migrations"


def test_a_stack_update_applies_nothing_new_and_still_answers(
        empty_database: str, cloudformation: CloudFormationResponses) -> None:
    migrate = load_function("functions/ops/migrate.py")
    migrate.handler(_custom_resource_event("Create", cloudformation.url), FakeContext())
    result = migrate.handler(_custom_resource_event("Update", cloudformation.url), FakeContext())

    assert result == {"applied": []}
    assert [answer["Status"] for answer in cloudformation.received] == ["SUCCESS", "SUCCESS"]


def test_a_stack_delete_leaves_the_database_alone(
        cloudformation: CloudFormationResponses, monkeypatch: pytest.MonkeyPatch) -> None:
    # Deleting the stack must never block on (or drop) the data: no database is even reachable.
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    config.reset_settings()
    migrate = load_function("functions/ops/migrate.py")
    result = migrate.handler(_custom_resource_event("Delete", cloudformation.url), FakeContext())
    config.reset_settings()

    assert result == {"applied": []}
    assert cloudformation.received[0]["Status"] == "SUCCESS"


def test_an_unreachable_database_fails_the_deploy_instead_of_hanging_it(
        cloudformation: CloudFormationResponses, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    config.reset_settings()
    migrate = load_function("functions/ops/migrate.py")
    migrate.handler(_custom_resource_event("Create", cloudformation.url), FakeContext())
    config.reset_settings()

    [answer] = cloudformation.received
    assert answer["Status"] == "FAILED"
    assert "Unavailable" in answer["Reason"]


def test_make_migrate_applies_pending_migrations_then_reports_up_to_date(
        empty_database: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)])}
    command = [sys.executable, "-m", "plaza.stores.migrations"]

    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)

    assert first.stdout.strip() == "applied: " + ", ".join(SHIPPED)
    assert second.stdout.strip() == "database is up to date"
    assert _recorded(empty_database) == SHIPPED
