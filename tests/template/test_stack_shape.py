"""The stack's foundation in template.yaml and samconfig.toml: parameters, the HTTP API's CORS,
access logs, throttling and authorizer, the WebSocket API, the layer, migrations on deploy and the
outputs a client and an operator need."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from localcloud.template.reading import flattened_source
from localcloud.template.resolver import LocalEndpoints, Resolver

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = flattened_source(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
PARAMETERS: dict[str, dict[str, Any]] = TEMPLATE["Parameters"]
ENVIRONMENT: dict[str, Any] = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
STAGES = ("dev", "staging", "prod")


def _props(name: str) -> dict[str, Any]:
    return RESOURCES[name]["Properties"]


def _sub(value: Any) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) and "Fn::Sub" in value else str(value)


def _resolved(value: Any, **overrides: str) -> Any:
    parameters = {name: spec.get("Default", "") for name, spec in PARAMETERS.items()}
    resolver = Resolver(TEMPLATE, {**parameters, **overrides}, "plaza-test", LocalEndpoints())
    return resolver.resolve(value)


def _http_routes() -> set[str]:
    return {f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}"
            for resource in RESOURCES.values() if resource["Type"] == "AWS::Serverless::Function"
            for event in (resource["Properties"].get("Events") or {}).values()
            if event["Type"] == "HttpApi"}


def _environment(function: str | None, variable: str) -> Any:
    """A variable from Globals (function None) or from one function's own Environment."""
    if function is None:
        return ENVIRONMENT[variable]
    return _props(function)["Environment"]["Variables"][variable]


@pytest.mark.parametrize(("function", "variable", "prefix", "parameter"), [
    (None, "DATABASE_URL", "ssm:", "DatabaseUrlParameter"),
    (None, "UPSTASH_REDIS_REST_URL", "ssm:", "UpstashRestUrlParameter"),
    (None, "UPSTASH_REDIS_REST_TOKEN", "ssm:", "UpstashRestTokenParameter"),
    ("AuthLoginFunction", "JWT_KEYS", "secretsmanager:", "JwtKeysSecretName"),
    ("AuthAuthorizerFunction", "JWT_PUBLIC_KEYS", "ssm:", "JwtPublicKeysParameter"),
])
def test_secrets_reach_functions_as_references_never_as_values(function: str | None, variable: str,
                                                                prefix: str, parameter: str) -> None:
    assert _sub(_environment(function, variable)) == f"{prefix}${{{parameter}}}"
    assert PARAMETERS[parameter]["Type"] == "String"
    assert "NoEcho" not in PARAMETERS[parameter]  # a path or a name, not the secret itself


@pytest.mark.parametrize(("variable", "path"), [("MEILI_URL", "/plaza/prod/meili-url"),
                                             ("MEILI_API_KEY", "/plaza/prod/meili-api-key")])
def test_meilisearch_settings_are_references_or_empty_for_postgres_search(variable: str,
                                                                          path: str) -> None:
    # Only the function that runs search (it carries the SearchLayer) resolves them.
    setting = _environment("HealthReadyFunction", variable)
    with_meili = _resolved(setting, MeiliUrlParameter="/plaza/prod/meili-url",
                           MeiliApiKeyParameter="/plaza/prod/meili-api-key")
    assert with_meili == f"ssm:{path}"
    # An SSM parameter cannot hold "", so "no Meilisearch" is an empty parameter name: then no
    # policy names a parameter at all.
    assert _resolved(setting, MeiliUrlParameter="") == ""
    assert RESOURCES["ReadSearchSettingsPolicy"]["Condition"] == "UseMeilisearch"
    # HealthReadyFunction shares SearchReaderRole: logs and X-Ray, its settings, nothing more.
    role = _props("HealthReadyFunction")["Role"]["Fn::GetAtt"][0]
    policies = _resolved(_props(role)["ManagedPolicyArns"][2:], MeiliUrlParameter="")
    assert policies == [_resolved({"Ref": "ReadSettingsPolicy"})]


def test_the_stage_parameter_names_the_three_environments() -> None:
    assert tuple(PARAMETERS["Stage"]["AllowedValues"]) == STAGES
    assert ENVIRONMENT["STAGE"] == {"Ref": "Stage"}


def test_the_http_api_allows_the_configured_origins_and_logs_every_request() -> None:
    api = _props("HttpApi")
    assert api["CorsConfiguration"]["AllowOrigins"] == {"Ref": "AllowedOrigins"}
    assert {"authorization", "content-type"} <= set(api["CorsConfiguration"]["AllowHeaders"])
    logs = api["AccessLogSettings"]
    log_group = logs["DestinationArn"]["Fn::GetAtt"][0]
    assert RESOURCES[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in RESOURCES[log_group]["Properties"]
    assert "$context.requestId" in logs["Format"] and "$context.status" in logs["Format"]


def test_the_http_api_throttles_by_default_and_tighter_on_chosen_routes() -> None:
    api = _props("HttpApi")
    default = api["DefaultRouteSettings"]
    assert default["ThrottlingRateLimit"] > 0 and default["ThrottlingBurstLimit"] > 0
    routes = api["RouteSettings"]
    assert routes, "at least one route should be throttled tighter than the default"
    for route_key, settings in routes.items():
        assert route_key in _http_routes(), f"RouteSettings names {route_key}, which is not a route"
        assert int(_resolved(settings["ThrottlingRateLimit"])) <= default["ThrottlingRateLimit"]


def test_the_http_api_authorizer_is_a_lambda_in_this_stack() -> None:
    auth = _props("HttpApi")["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    # The published alias (SnapStart restores versions, never $LATEST).
    function, alias = authorizer["FunctionArn"]["Ref"].split(".")
    assert (RESOURCES[function]["Type"], alias) == ("AWS::Serverless::Function", "Alias")
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"


def test_the_websocket_api_routes_on_the_action_field_and_deploys_to_the_stage() -> None:
    api = _props("WebSocketApi")
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    stages = [props["Properties"] for props in RESOURCES.values()
              if props["Type"] == "AWS::ApiGatewayV2::Stage"
              and props["Properties"]["ApiId"] == {"Ref": "WebSocketApi"}]
    assert len(stages) == 1
    assert stages[0]["StageName"] == {"Ref": "Stage"}
    deployment = stages[0]["DeploymentId"]["Ref"]
    assert RESOURCES[deployment]["Type"] == "AWS::ApiGatewayV2::Deployment"


def test_the_layer_is_built_by_its_makefile_for_the_functions_runtime() -> None:
    layer = RESOURCES["PlazaLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/plaza"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    makefile = (ROOT / "layers" / "plaza" / "Makefile").read_text()
    assert re.search(r"^build-PlazaLayer:", makefile, re.MULTILINE)
    assert {"Ref": "PlazaLayer"} in TEMPLATE["Globals"]["Function"]["Layers"]


def test_every_deploy_runs_the_migration_function() -> None:
    [migrations] = [props["Properties"] for props in RESOURCES.values()
                    if props["Type"] == "Custom::PlazaMigrations"]
    function, alias = migrations["ServiceToken"]["Ref"].split(".")
    assert alias == "Alias"
    assert _props(function)["Handler"] == "migrate.handler"
    # New migrations ship in a new layer version; referencing it re-runs the resource.
    assert migrations["LayerVersion"] == {"Ref": "PlazaLayer"}


@pytest.mark.parametrize(("output", "scheme", "api"), [
    ("HttpApiUrl", "https://", "HttpApi"),
    ("WebSocketUrl", "wss://", "WebSocketApi"),
    ("WebSocketManagementEndpoint", "https://", "WebSocketApi"),
])
def test_the_outputs_give_the_api_urls(output: str, scheme: str, api: str) -> None:
    value = _sub(TEMPLATE["Outputs"][output]["Value"])
    assert value.startswith(f"{scheme}${{{api}}}.execute-api.")


@pytest.mark.parametrize("path", [
    "template.yaml", "samconfig.toml", "README.md", "pyproject.toml", "Makefile", ".ci/run",
    "functions", "layers/plaza", "shared/plaza", "events", "tests", "docs", "bench", "statemachines",
])
def test_the_project_layout_is_in_place(path: str) -> None:
    assert (ROOT / path).exists()


def test_every_state_machine_definition_is_a_file_in_statemachines() -> None:
    for resource in RESOURCES.values():
        if resource["Type"] == "AWS::Serverless::StateMachine":
            uri = resource["Properties"].get("DefinitionUri")
            assert isinstance(uri, str), "keep definitions in statemachines/*.asl.json, not inline"
            definition = ROOT / uri
            assert definition.parent == ROOT / "statemachines" and definition.is_file()


@pytest.mark.parametrize("stage", STAGES)
def test_samconfig_deploys_each_environment_with_its_own_stage_and_secrets(stage: str) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())[stage]
    assert config["global"]["parameters"]["stack_name"] == f"plaza-{stage}"
    deploy = config["deploy"]["parameters"]
    overrides = dict(re.findall(r'(\w+)="([^"]*)"', deploy["parameter_overrides"]))
    assert overrides["Stage"] == stage
    paths = [value for key, value in overrides.items() if key.endswith(("Parameter", "SecretName"))]
    assert paths and all(f"plaza/{stage}/" in path for path in paths)
    assert "CAPABILITY_IAM" in deploy["capabilities"]
