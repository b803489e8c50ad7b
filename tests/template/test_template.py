"""template.yaml against the tree: every function exists, has a sample event and stays thin;
the APIs are wired completely; the transform SAM runs at deploy time accepts the template."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.template.reading import (
    flattened_source,
    read_template,
    stack_sources,
    translate,
)
from localcloud.template.resolver import LocalEndpoints, Resolver
from localcloud.template.samconfig import parameter_values, samconfig_parameters
from tests.support.lambdas import FakeContext, load_event, load_function

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = flattened_source(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = {
    name: resource["Properties"]
    for name, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
}
# Routes a client calls before it has a token; they must stay open once a default authorizer exists.
PUBLIC_ROUTES = {
    ("GET", "/health"), ("GET", "/health/ready"), ("GET", "/.well-known/jwks.json"),
    ("POST", "/v1/auth/register"), ("POST", "/v1/auth/verify-email"), ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"), ("POST", "/v1/auth/password/forgot"),
    ("POST", "/v1/auth/password/reset"),
    # The back office's pages and their files: they hold no data (the admin API they call does).
    ("GET", "/v1/admin"), ("GET", "/v1/admin/docs"), ("GET", "/v1/admin/assets/{name}"),
}
# What a handler may not contain: a statement, not English that happens to use the word.
SQL = re.compile(
    r"\bSELECT\b[\s\S]+\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX)\b",
    re.IGNORECASE,
)


def _function_file(props: dict[str, Any]) -> Path:
    module = props["Handler"].rsplit(".", 1)[0]
    return ROOT / props["CodeUri"] / f"{module.replace('.', '/')}.py"


def _event_file(props: dict[str, Any]) -> Path:
    """events/<area>/<action>.json for functions/<area>/<action>.py."""
    source = _function_file(props)
    return ROOT / "events" / source.parent.name / f"{source.stem}.json"


def _http_events(props: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for event in (props.get("Events") or {}).values():
        if event["Type"] == "HttpApi":
            yield event.get("Properties") or {}


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def _function_sources() -> list[Path]:
    return sorted(path for path in (ROOT / "functions").rglob("*.py") if path.name != "__init__.py")


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (lazy imports inside functions count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.add("." * node.level + (node.module or ""))
            elif node.module:
                names.add(node.module)
    return names


def test_the_template_declares_functions() -> None:
    assert len(FUNCTIONS) >= 5, sorted(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_handler_exists(name: str) -> None:
    props = FUNCTIONS[name]
    code_dir = ROOT / props["CodeUri"]
    assert code_dir.is_dir(), f"{name}: CodeUri {props['CodeUri']} is not a directory"
    source = _function_file(props)
    assert source.is_file(), f"{name}: {source.relative_to(ROOT)} does not exist"
    attribute = props["Handler"].rsplit(".", 1)[1]
    tree = ast.parse(source.read_text())
    defined = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    } | {
        target.id
        for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }
    assert attribute in defined, f"{name}: {source.relative_to(ROOT)} defines no {attribute}"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_has_a_sample_event(name: str) -> None:
    path = _event_file(FUNCTIONS[name])
    assert path.is_file(), f"{name}: add a sample event at {path.relative_to(ROOT)}"
    event = json.loads(path.read_text())
    for http in _http_events(FUNCTIONS[name]):
        route = f"{http['Method'].upper()} {http['Path']}"
        assert event["version"] == "2.0" and event["routeKey"] == route


def test_globals_pin_python312_on_arm64_with_active_tracing() -> None:
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.12"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == "Active"
    overriding = {
        name for name, props in FUNCTIONS.items()
        if {"Runtime", "Architectures", "Tracing"} & props.keys()
    }
    assert not overriding, f"functions overriding the runtime globals: {sorted(overriding)}"


def _grants(props: dict[str, Any]) -> list[Any]:
    """A function's own Policies, or the managed policies of the shared role it names."""
    role = props.get("Role")
    if role is None:
        return list(props.get("Policies") or [])
    return list(RESOURCES[role["Fn::GetAtt"][0]]["Properties"]["ManagedPolicyArns"])


def test_every_function_can_read_the_settings_it_resolves() -> None:
    missing = sorted(
        name for name, props in FUNCTIONS.items()
        if "ReadSettingsPolicy" not in {_ref(policy) for policy in _grants(props)}
    )
    assert not missing, f"add `- !Ref ReadSettingsPolicy` to the Policies of {missing}"


def test_functions_share_a_role_only_when_their_grants_would_be_identical() -> None:
    # A shared role is for functions SAM would give the same role: no queue event (SAM adds the
    # queue's receive and delete rights), no dead-letter target, nothing listed besides.
    for name, props in FUNCTIONS.items():
        if "Role" not in props:
            continue
        assert "Policies" not in props, name
        assert "DeadLetterQueue" not in props, name
        events = {event["Type"] for event in (props.get("Events") or {}).values()}
        assert events <= {"HttpApi", "Schedule", "SNS"}, name


@pytest.mark.parametrize("source", ["template.yaml", "stacks/workers.yaml",
                                    "stacks/monitoring.yaml"])
def test_each_stack_stays_well_inside_cloudformations_500_resources(source: str) -> None:
    # What CloudFormation counts is each transformed template (cfn-lint's E3010 says so only
    # past 500), a nested stack on its own: keep room for the next features. The HTTP functions
    # must stay in the root with the HTTP API their routes are declared on (SAM's HttpApi events
    # reach only an API of their own template).
    template = stack_sources(ROOT / "template.yaml")[source]
    translated = translate(template, parameter_values(template.get("Parameters") or {}, {}))
    assert len(translated["Resources"]) <= 470, len(translated["Resources"])


def test_every_function_publishes_a_live_alias_with_snapstart_outside_dev() -> None:
    resources = read_template(ROOT / "template.yaml", {}).document["Resources"]
    functions = {name for name, resource in resources.items()
                 if resource["Type"] == "AWS::Lambda::Function"}
    aliases = {resource["Properties"]["FunctionName"]["Ref"]: resource["Properties"]["Name"]
               for resource in resources.values() if resource["Type"] == "AWS::Lambda::Alias"}
    assert len(functions) > 100 and aliases == dict.fromkeys(functions, "live")
    for name in functions:
        assert resources[name]["Properties"]["SnapStart"] == {"ApplyOn": {"Fn::If": [
            "SnapStartOn", "PublishedVersions", "None"]}}, name
    for environment, on in (("dev", False), ("staging", True), ("prod", True)):
        given = samconfig_parameters(ROOT / "samconfig.toml", environment)
        document = read_template(ROOT / "template.yaml", given).document
        values = parameter_values(document["Parameters"], given)
        assert Resolver(document, values, "plaza", LocalEndpoints()).condition("SnapStartOn") is on


def test_every_trigger_invokes_the_published_alias_never_latest() -> None:
    # SnapStart restores published versions only: $LATEST would cold-start every time.
    resources = read_template(ROOT / "template.yaml", {}).document["Resources"]

    def alias(value: Any) -> bool:
        text = json.dumps(value)
        names = re.findall(r"\$\{(\w+)\}", text) + re.findall(r'"Ref": "(\w+)"', text)
        return any(resources.get(name, {}).get("Type") == "AWS::Lambda::Alias" for name in names)

    invokers: list[tuple[str, Any]] = []
    for name, resource in resources.items():
        props = resource.get("Properties") or {}
        kind = resource["Type"]
        if kind in ("AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping"):
            invokers.append((name, props["FunctionName"]))
        elif kind == "AWS::Events::Rule":
            invokers += [(name, target["Arn"]) for target in props["Targets"]
                         if "states" not in json.dumps(target["Arn"])]
        elif kind == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            invokers.append((name, props["Endpoint"]))
        elif kind == "AWS::ApiGatewayV2::Integration":
            invokers.append((name, props["IntegrationUri"]))
        elif kind == "AWS::ApiGatewayV2::Authorizer":
            invokers.append((name, props["AuthorizerUri"]))
        elif kind == "AWS::StepFunctions::StateMachine":
            invokers += [(f"{name}.{key}", value) for key, value in
                         (props.get("DefinitionSubstitutions") or {}).items()
                         if key.endswith("FunctionArn")]
        elif kind.startswith("Custom::"):
            invokers.append((name, props["ServiceToken"]))
        elif kind == "AWS::ApiGatewayV2::Api" and "Body" in props:
            for operations in props["Body"]["paths"].values():
                invokers += [(name, operation["x-amazon-apigateway-integration"]["uri"])
                             for operation in operations.values()]
            for scheme in props["Body"].get("components", {}).get("securitySchemes", {}).values():
                invokers.append((name, scheme["x-amazon-apigateway-authorizer"]["authorizerUri"]))
    assert len(invokers) > 150
    assert [name for name, target in invokers if not alias(target)] == []


def test_http_api_routes_are_unique() -> None:
    seen: dict[tuple[str | None, str, str], str] = {}
    for name, props in FUNCTIONS.items():
        for http in _http_events(props):
            key = (_ref(http.get("ApiId")), http["Method"].upper(), http["Path"])
            assert key not in seen, f"{key[1]} {key[2]} is served by {seen[key]} and {name}"
            seen[key] = name
    assert seen


def test_public_routes_stay_open_when_a_default_authorizer_exists() -> None:
    api = RESOURCES["HttpApi"]["Properties"]
    default = (api.get("Auth") or {}).get("DefaultAuthorizer")
    found = set()
    for props in FUNCTIONS.values():
        for http in _http_events(props):
            route = (http["Method"].upper(), http["Path"])
            if route in PUBLIC_ROUTES:
                found.add(route)
                authorizer = (http.get("Auth") or {}).get("Authorizer", default)
                assert authorizer in (None, "NONE"), f"{route} must opt out: Auth.Authorizer: NONE"
    assert found == PUBLIC_ROUTES


def _websocket_apis() -> set[str]:
    return {
        name for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::ApiGatewayV2::Api"
        and resource["Properties"].get("ProtocolType") == "WEBSOCKET"
    }


def test_every_websocket_route_has_an_integration_a_permission_and_a_deployment() -> None:
    apis = _websocket_apis()
    routes = {
        name: resource["Properties"] for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::ApiGatewayV2::Route"
        and _ref(resource["Properties"]["ApiId"]) in apis
    }
    assert {props["RouteKey"] for props in routes.values()} >= {"$default", "ping"}
    permissions = [
        resource["Properties"] for resource in RESOURCES.values()
        if resource["Type"] == "AWS::Lambda::Permission"
    ]
    deployments = [
        resource for resource in RESOURCES.values()
        if resource["Type"] == "AWS::ApiGatewayV2::Deployment"
        and _ref(resource["Properties"]["ApiId"]) in apis
    ]
    for name, props in routes.items():
        target = props.get("Target", {}).get("Fn::Sub", "")
        match = re.fullmatch(r"integrations/\$\{(\w+)\}", target)
        assert match, f"{name} has no integration target"
        integration = RESOURCES[match.group(1)]
        assert integration["Type"] == "AWS::ApiGatewayV2::Integration"
        assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
        uri = integration["Properties"]["IntegrationUri"]["Fn::Sub"]
        function = re.search(r"\$\{(\w+)\.Alias\}", uri)
        assert function and function.group(1) in FUNCTIONS, f"{name}: integration calls no function"
        api = _ref(props["ApiId"])
        assert any(
            _ref(permission["FunctionName"]) == f"{function.group(1)}.Alias"
            and permission["Principal"] == "apigateway.amazonaws.com"
            and f"${{{api}}}" in permission["SourceArn"]["Fn::Sub"]
            for permission in permissions
        ), f"{name}: API Gateway may not invoke {function.group(1)} (no AWS::Lambda::Permission)"
        # A deployment snapshots the routes that exist when it is created.
        assert any(name in deployment.get("DependsOn", []) for deployment in deployments), (
            f"{name} is missing from the WebSocket deployment's DependsOn"
        )


def test_sam_accepts_the_template_at_transform_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # cfn-lint and `sam validate --lint` let some transform errors through (for example
    # `Authorizer: NONE` without a DefaultAuthorizer); the translator itself does not.
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = flattened_source(ROOT / "template.yaml")
    for resource in template["Resources"].values():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str):
                props[key] = "s3://plaza-artifacts/code.zip"  # what `sam package` puts there

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    output = transform(template, {}, NoManagedPolicies())
    types = {resource["Type"] for resource in output["Resources"].values()}
    assert "AWS::Lambda::Function" in types and "AWS::ApiGatewayV2::Api" in types
    assert not any(kind.startswith("AWS::Serverless::") for kind in types)


def test_no_function_module_imports_another_function_module() -> None:
    # Lambda puts a function's CodeUri on sys.path, so a sibling is importable by its bare name.
    offenders = []
    for path in _function_sources():
        siblings = {other.stem for other in path.parent.glob("*.py")} - {path.stem}
        for module in _imported_modules(path):
            top = module.split(".")[0]
            if module.startswith(".") or top == "functions" or top in siblings:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, offenders


def test_shared_plaza_never_imports_localcloud() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "shared").rglob("*.py"))
        for module in _imported_modules(path)
        if module.split(".")[0] in {"localcloud", "tests", "functions"}
    ]
    assert not offenders, offenders


def test_functions_are_thin_no_sql_and_no_database_driver() -> None:
    offenders = []
    for path in _function_sources():
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and SQL.search(node.value)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} holds SQL")
        offenders.extend(
            f"{path.relative_to(ROOT)} imports {module}"
            for module in _imported_modules(path)
            if module.split(".")[0] in {"psycopg", "psycopg2", "sqlalchemy"}
        )
    assert not offenders, f"SQL belongs in shared/plaza/<domain>/repo.py: {offenders}"


def test_the_sql_detector_flags_statements_but_not_prose() -> None:
    assert SQL.search("SELECT id FROM posts WHERE author = %s")
    assert SQL.search("delete from follows where follower = %s")
    assert not SQL.search("Select the newest posts for the home feed")


HTTP_FUNCTIONS = sorted(name for name, props in FUNCTIONS.items() if any(_http_events(props)))
EXPECTED_STATUS = {"HealthLiveFunction": 200, "HealthReadyFunction": 200,
                   "AdminDashboardFunction": 200, "AdminDocsFunction": 200,
                   "AdminAssetsFunction": 200}
# The back office's pages answer HTML, scripts and styles; every other route JSON.
NOT_JSON = {"AdminDashboardFunction": "text/html", "AdminDocsFunction": "text/html",
            "AdminAssetsFunction": "text/javascript"}


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_http_functions_answer_their_sample_event(name: str, clean_stores: Any) -> None:
    props = FUNCTIONS[name]
    module = load_function(str(_function_file(props).relative_to(ROOT)))
    handler = getattr(module, props["Handler"].rsplit(".", 1)[1])
    event_path = _event_file(props)
    result = handler(load_event(str(event_path.relative_to(ROOT / "events"))), FakeContext())
    assert result["statusCode"] == EXPECTED_STATUS.get(name, result["statusCode"])
    assert result["statusCode"] < 500, result
    if name in NOT_JSON:
        assert result["headers"]["content-type"].startswith(NOT_JSON[name])
        return
    assert isinstance(json.loads(result["body"] or "null"), dict | list | None)


def test_liveness_answers_ok_with_cors_for_the_sample_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://app.example.com,https://staging.example.com")
    module = load_function("functions/health/live.py")
    result = module.handler(load_event("health/live.json"), FakeContext())
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"status": "ok"}
    assert result["headers"]["access-control-allow-origin"] == "https://app.example.com"


def test_the_admin_queue_routes_cover_every_queue_with_a_dead_letter_queue() -> None:
    # GET /v1/admin/queues lists "every queue and its DLQ" (issue 16): a new queue must join.
    with_dead_letters = {
        name: resource["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in resource["Properties"]}
    listed = json.dumps(FUNCTIONS["AdminApiFunction"]["Environment"]["Variables"]["ADMIN_QUEUES"])
    for queue, dead_letters in with_dead_letters.items():
        assert f"${{{queue}}}|${{{dead_letters}}}" in listed, queue
