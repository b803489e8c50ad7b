"""plaza.ids: what counts as an id before it reaches a query."""

from __future__ import annotations

import pytest

from plaza.ids import as_uuid, is_uuid_text

ID = "0b5e6a0c-3f1d-4b7e-9a2c-1d2e3f4a5b6c"


@pytest.mark.parametrize("value", [ID, ID.upper()])
def test_the_canonical_text_form_is_a_uuid_in_either_case(value: str) -> None:
    assert is_uuid_text(value)


@pytest.mark.parametrize("value", [ID.replace("-", ""), "{" + ID + "}", ID + "\n", "", None, 42])
def test_other_spellings_and_types_are_not_uuid_text(value: object) -> None:
    assert not is_uuid_text(value)


@pytest.mark.parametrize("value", [ID, ID.upper(), ID.replace("-", ""), "{" + ID + "}"])
def test_as_uuid_reads_any_uuid_spelling_into_the_canonical_form(value: str) -> None:
    assert as_uuid(value) == ID


@pytest.mark.parametrize("value", ["not-a-uuid", "", None, ID[:-1]])
def test_as_uuid_is_none_for_what_names_nothing(value: object) -> None:
    assert as_uuid(value) is None
