"""The broadcast consumer's cold start: its partial batch loop is hand-written because
Powertools' batch utility costs 150-195 ms of import (see the handler), so none is loaded."""

from __future__ import annotations

from tests.unit.plaza.test_import_cost import ROOT
from tests.unit.plaza.test_import_cost import _loaded_after as loaded_after


def test_the_broadcast_consumer_imports_no_powertools_and_no_aws_sdk() -> None:
    loaded = loaded_after(ROOT / "functions" / "realtime", "import broadcast")
    assert {"aws_lambda_powertools", "boto3", "botocore", "pydantic"} & loaded == set()
