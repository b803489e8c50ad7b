"""The fan-out task functions' cold start: a new post waits for it, so no pydantic, no boto3."""

from __future__ import annotations

import pytest

from tests.unit.plaza.test_import_cost import ROOT
from tests.unit.plaza.test_import_cost import _loaded_after as loaded_after


@pytest.mark.parametrize("module", ["fanout_plan", "fanout_batch"])
def test_a_fanout_task_function_imports_no_pydantic_and_no_aws_sdk(module: str) -> None:
    loaded = loaded_after(ROOT / "functions" / "feeds", f"import {module}")
    assert {"pydantic", "boto3", "botocore", "psycopg"} & loaded == set()
