"""plaza.config parses the environment itself (no pydantic-settings on the cold-start path)."""

from __future__ import annotations

import pytest

from plaza.config import Settings


def test_variables_match_in_any_case_and_are_typed() -> None:
    parsed = Settings.from_environ({"DB_STATEMENT_TIMEOUT_MS": "250", "search_timeout_s": "0.5",
                                    "Search_Backend": "postgres", "UNRELATED": "x"})
    assert parsed.db_statement_timeout_ms == 250
    assert parsed.search_timeout_s == 0.5
    assert parsed.search_backend == "postgres"
    assert parsed.database_url == ""


def test_a_non_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="DB_CONNECT_TIMEOUT_S must be a number"):
        Settings.from_environ({"DB_CONNECT_TIMEOUT_S": "soon"})


def test_a_value_outside_the_choices_is_refused() -> None:
    with pytest.raises(ValueError, match="SEARCH_BACKEND must be one of auto, meilisearch"):
        Settings.from_environ({"SEARCH_BACKEND": "elastic"})


def test_plain_secret_settings_pass_through_unresolved() -> None:
    assert Settings.from_environ({"REDIS_URL": "redis://h:6379/0"}).redis_url == "redis://h:6379/0"


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("TRUE", True), ("1", True),
                                            ("false", False), ("0", False), ("", False)])
def test_booleans_read_true_or_false(raw: str, value: bool) -> None:
    assert Settings.from_environ({"REQUIRE_VERIFIED_EMAIL": raw}).require_verified_email is value
