"""Where each dependency ships (README, Dependencies): the PlazaLayer that every function carries
holds neither FastAPI nor the Meilisearch client; FastAPI and Mangum ship in the admin function's
own package; the SearchLayer goes to exactly the functions whose imports reach plaza.stores.search.

The local cloud cannot catch a misplaced dependency (its venv has every group), so these read the
template, the lock's exports and the layer's import graph instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from localcloud.template.reading import flattened_source
from tests.support.function_imports import import_graph, reaches

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, dict[str, Any]] = flattened_source(ROOT / "template.yaml")["Resources"]
FUNCTIONS = {name: resource["Properties"] for name, resource in RESOURCES.items()
             if resource["Type"] == "AWS::Serverless::Function"}
PLAZA_LAYER = ROOT / "layers" / "plaza" / "requirements.txt"
SEARCH_LAYER = ROOT / "layers" / "search" / "requirements.txt"
SEARCH = "plaza.stores.search"
ADMIN_PACKAGES = {"fastapi", "mangum"}
# Function folders with a package of their own (pyproject's groups, exported by make lock), and a
# package each must carry: the library only those functions import.
FOLDER_PACKAGES = {
    "functions/payments": "stripe",  # Stripe webhooks verified with the official library
    "functions/media": "pillow",  # decode, re-encode and fingerprint uploads
    "functions/links": "ua-parser",  # the click consumer's browser and device families
    "functions/notifications": "pywebpush",  # Web Push deliveries
    "functions/calls": "agora-token-builder",  # call tokens
}


def _locked(requirements: Path) -> set[str]:
    """The package names a requirements file exported from uv.lock pins."""
    return {name.lower() for name in
            re.findall(r"^([A-Za-z0-9._-]+)==", requirements.read_text(), re.MULTILINE)}


def _runs_search(props: dict[str, Any]) -> bool:
    return reaches(props, SEARCH)


def _carries_search_layer(props: dict[str, Any]) -> bool:
    return {"Ref": "SearchLayer"} in (props.get("Layers") or [])


def test_the_layer_every_function_carries_holds_neither_fastapi_nor_the_search_client() -> None:
    locked = _locked(PLAZA_LAYER)
    assert {"pydantic", "psycopg", "pyjwt"} <= locked
    assert locked & (ADMIN_PACKAGES | {"starlette", "meilisearch"}) == set()


def test_fastapi_and_mangum_ship_in_the_admin_function_package_and_no_other() -> None:
    with_requirements = {name for name, props in FUNCTIONS.items()
                         if (ROOT / props["CodeUri"] / "requirements.txt").exists()}
    in_package_folders = {name for name, props in FUNCTIONS.items()
                          if props["CodeUri"].rstrip("/") in FOLDER_PACKAGES}
    assert with_requirements == {"AdminApiFunction"} | in_package_folders
    admin = ROOT / FUNCTIONS["AdminApiFunction"]["CodeUri"] / "requirements.txt"
    assert _locked(admin) >= ADMIN_PACKAGES


def _pins(requirements: Path) -> set[tuple[str, str]]:
    return {(name.lower(), version) for name, version in
            re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", requirements.read_text(), re.MULTILINE)}


def test_each_function_folder_package_carries_its_library_with_its_whole_closure() -> None:
    # sam build installs a function folder's requirements with pip --require-hashes, which needs
    # every dependency pinned, even one the layer has (without it, `sam build` fails): what the
    # folder shares with the layer is the same version, so the copy that shadows it is identical.
    layer = dict(_pins(PLAZA_LAYER))
    for folder, package in FOLDER_PACKAGES.items():
        pins = _pins(ROOT / folder / "requirements.txt")
        assert package in {name for name, _ in pins}, folder
        assert {name for name, _ in pins} & ADMIN_PACKAGES == set(), folder
        assert [name for name, version in pins if layer.get(name, version) != version] == [], folder


def test_the_search_layer_adds_the_meilisearch_client_and_nothing_the_plaza_layer_has() -> None:
    # The SearchLayer installs with --no-deps: what it shares with the PlazaLayer comes from there.
    assert "meilisearch" in _locked(SEARCH_LAYER)
    assert _locked(SEARCH_LAYER) & _locked(PLAZA_LAYER) == set()


def test_only_the_search_store_imports_the_meilisearch_client_and_no_layer_module_imports_fastapi() -> None:
    graph = import_graph()
    assert graph.find_modules_that_directly_import("meilisearch") == {SEARCH}
    for package in ADMIN_PACKAGES:
        assert package not in graph.modules


def test_exactly_the_functions_that_reach_the_search_store_carry_the_search_layer() -> None:
    running_search = {name for name, props in FUNCTIONS.items() if _runs_search(props)}
    assert "HealthReadyFunction" in running_search
    assert {name for name, props in FUNCTIONS.items() if _carries_search_layer(props)} \
        == running_search
