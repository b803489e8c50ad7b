"""Reload on save: editing a function's code under a running local cloud serves the new code
on the next request, from a fresh container; without edits the container stays warm."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import httpx
import pytest

from localcloud.cloud import LocalCloud, LocalCloudConfig
from localcloud.embedded import EmbeddedStores
from localcloud.reloader import CodeWatcher, watched_directories
from tests.support.local_cloud import running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  VersionFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: functions/
      Handler: version.handler
      Events:
        Version:
          Type: HttpApi
          Properties:
            Method: GET
            Path: /version
"""

HANDLER = """\
VERSION = {version!r}
calls = 0


def handler(event, context):
    global calls
    calls += 1
    return {{"statusCode": 200, "body": f"{{VERSION}}:{{calls}}"}}
"""


def write_handler(directory: Path, version: str) -> None:
    (directory / "version.py").write_text(textwrap.dedent(HANDLER.format(version=version)))


def body_becomes(client: httpx.Client, expected: str, timeout: float = 15) -> str:
    def body() -> str | None:
        text = client.get("/version").text
        return text if text.startswith(expected) else None

    return eventually(body, timeout=timeout)


def test_editing_a_function_serves_the_new_code_from_a_fresh_container(
        tmp_path: Path, stores: EmbeddedStores) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    functions = tmp_path / "functions"
    functions.mkdir()
    write_handler(functions, "v1")
    with running_local_cloud(tmp_path / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[], watch=True) as running, \
            httpx.Client(base_url=running.http_url, timeout=10) as client:
        assert client.get("/version").text == "v1:1"
        assert client.get("/version").text == "v1:2"  # warm: module state kept
        # Same length and mtime as before, as a quick save can be: the stale .pyc must not win.
        stamp = (functions / "version.py").stat()
        write_handler(functions, "v2")
        os.utime(functions / "version.py", ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        assert body_becomes(client, "v2:") == "v2:1"
        reloads = running.cloud.recorder.recent("reload")
        assert any("functions/version.py" in path for item in reloads for path in item["paths"])


def test_without_watch_an_edit_is_not_picked_up(tmp_path: Path, stores: EmbeddedStores) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    functions = tmp_path / "functions"
    functions.mkdir()
    write_handler(functions, "v1")
    with running_local_cloud(tmp_path / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[]) as running, \
            httpx.Client(base_url=running.http_url, timeout=10) as client:
        assert client.get("/version").text == "v1:1"
        write_handler(functions, "v2")
        # Nothing watches the code, so nothing will ever reload it: no waiting to see.
        assert not [c for c in running.cloud.components if isinstance(c, CodeWatcher)]
        assert client.get("/version").text == "v1:2"
        assert running.cloud.recorder.recent("reload") == []


def test_main_template_watches_functions_and_shared() -> None:
    cloud = LocalCloud(LocalCloudConfig(template=ROOT / "template.yaml", http_port=0,
                                        websocket_port=0, aws_port=0))
    assert watched_directories(cloud) == [ROOT / "functions", ROOT / "shared"]
