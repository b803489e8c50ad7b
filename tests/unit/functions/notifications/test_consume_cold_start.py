"""The notifications consumer's cold start: its partial batch loop is hand-written because
Powertools' batch utility costs 110-260 ms of import (see the handler), so it is not loaded."""

from __future__ import annotations

from tests.unit.plaza.test_import_cost import ROOT
from tests.unit.plaza.test_import_cost import _loaded_after as loaded_after


def test_the_notifications_consumer_imports_no_powertools() -> None:
    loaded = loaded_after(ROOT / "functions" / "notifications", "import consume")
    assert "aws_lambda_powertools" not in loaded
