"""The values a deploy would pass: samconfig.toml's parameter overrides and stack name for an
environment, over the template's parameter defaults."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path
from typing import Any


def samconfig_parameters(path: Path, environment: str = "dev") -> dict[str, str]:
    """`parameter_overrides` of samconfig.toml's environment (deploy, then global)."""
    env = _environment(path, environment)
    raw = (
        env.get("deploy", {}).get("parameters", {}).get("parameter_overrides")
        or env.get("global", {}).get("parameters", {}).get("parameter_overrides")
        or ""
    )
    items = raw if isinstance(raw, list) else shlex.split(raw)
    values = {}
    for item in items:
        key, _, value = item.partition("=")
        values[key] = value
    return values


def samconfig_stack_name(path: Path, environment: str) -> str | None:
    value = _environment(path, environment).get("global", {}).get("parameters", {}).get(
        "stack_name")
    return str(value) if value else None


def parameter_values(declared: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """Each declared parameter's value: the given one (samconfig's, an override), else its
    default.

    A CommaDelimitedList becomes a list, as `Ref` to it yields in CloudFormation.
    """
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        value = given.get(name, spec.get("Default"))
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = [item.strip() for item in value.split(",")]
        values[name] = value
    return values


def _environment(path: Path, environment: str) -> dict[str, Any]:
    if not path.exists():
        return {}
    return dict(tomllib.loads(path.read_text()).get(environment, {}))
