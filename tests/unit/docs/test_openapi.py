"""docs/openapi.json documents every route in template.yaml and is up to date."""

from __future__ import annotations

import json

from docs import openapi


def test_every_template_route_is_documented_and_the_file_is_current() -> None:
    rendered = openapi.render()  # raises SystemExit naming undocumented routes
    assert json.loads(openapi.OUTPUT.read_text()) == json.loads(rendered), (
        "docs/openapi.json is stale: run `make docs`")


def test_documented_routes_exist_in_the_template() -> None:
    spec = openapi.build()
    documented = {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}
    assert documented == set(openapi.ROUTES)
