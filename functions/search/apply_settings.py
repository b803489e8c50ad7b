"""Applies each search index's settings (plaza.search.index_settings) to Meilisearch; invoked by
the stack on every deploy through a custom resource (only when MeiliUrlParameter is set), and by
hand with `sam remote invoke SearchApplySettingsFunction`. Idempotent: settings equal to the
current ones change nothing."""

from __future__ import annotations

from typing import Any

from plaza import custom_resource
from plaza.search import index_settings
from plaza.stores import search


def _apply() -> list[str]:
    return index_settings.apply() if search.meilisearch_configured() else []


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return custom_resource.run(event, _apply, physical_id="plaza-search-settings",
                               done=lambda applied: f"settings applied to {len(applied)} indexes")
