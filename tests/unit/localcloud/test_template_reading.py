"""Reading a template: translated by the SAM translator, with local code paths kept, and cached
by content so an edited template is translated again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcloud.template import reading
from localcloud.template.loading import load_stack

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: functions/
Resources:
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: items.handler
      Events:
        Items:
          Type: HttpApi
          Properties: {Method: GET, Path: /items}
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(reading, "CACHE_DIR", tmp_path / "cache")
    return tmp_path / "cache"


def test_functions_run_from_their_local_code_uri_after_translation(tmp_path: Path,
                                                                   cache_dir: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    stack = load_stack(tmp_path / "template.yaml")
    function = stack.functions["ItemsFunction"]
    assert function.code_dir == (tmp_path / "functions").resolve()
    assert (function.handler, function.runtime) == ("items.handler", "python3.12")


def test_the_translation_is_cached_and_an_edited_template_is_translated_again(
        tmp_path: Path, cache_dir: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    first = load_stack(template)
    [entry] = cache_dir.glob("*.json")
    cached = json.loads(entry.read_text())["document"]
    assert cached["Resources"]["ItemsFunction"]["Type"] == "AWS::Lambda::Function"

    template.write_text(TEMPLATE.replace("Path: /items", "Path: /things"))
    second = load_stack(template)
    assert [route.path for route in first.http_apis["ServerlessHttpApi"].routes] == ["/items"]
    assert [route.path for route in second.http_apis["ServerlessHttpApi"].routes] == ["/things"]
    assert len(list(cache_dir.glob("*.json"))) == 2


def test_a_template_the_transform_rejects_is_an_error_naming_the_cause(
        tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("    Runtime: python3.12\n", ""))
    with pytest.raises(reading.TemplateError, match="Runtime and Handler"):
        load_stack(tmp_path / "template.yaml")
