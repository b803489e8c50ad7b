"""The local cloud serves what AWS would deploy: its tables of HTTP routes, WebSocket routes,
queue consumers and schedules equal the ones read here, independently of the local cloud's
own reader, from the CloudFormation the AWS SAM translator makes of template.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localcloud.template.loading import load_stack
from localcloud.template.stack import Stack

ROOT = Path(__file__).resolve().parents[2]

HttpRow = tuple[str, str, str, str, str | None]  # api, method, path, function, authorizer
WebSocketRow = tuple[str, str, str | None, str | None]  # api, route key, function, authorizer
QueueRow = tuple[str, str, int, int, bool]  # queue, function, batch size, window, partial batch
ScheduleRow = tuple[str, str, bool]  # target, expression, enabled


@dataclass
class Translation:
    """Every stack's resources side by side, and what the root passes each nested stack's
    parameter (a parameter stands for that expression)."""

    resources: dict[str, Any]
    passed: dict[str, Any]


@pytest.fixture(scope="module")
def translated(monkeypatch_module: pytest.MonkeyPatch) -> Translation:
    """template.yaml and each nested stack through cfn-lint's decoder and the SAM translator,
    as on deploy."""
    from cfnlint.decode import decode
    from samtranslator.translator.transform import transform

    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")

    class NoManagedPolicies:  # the translator's bundled map covers the policies we name
        def load(self) -> dict[str, str]:
            return {}

    translation = Translation(resources={}, passed={})
    pending = [ROOT / "template.yaml"]
    while pending:
        template, problems = decode(str(pending.pop()))
        assert template is not None and not problems, problems
        for resource in template["Resources"].values():
            props = resource.get("Properties") or {}
            for key in ("CodeUri", "ContentUri", "DefinitionUri"):
                if isinstance(props.get(key), str):
                    props[key] = "s3://plaza-artifacts/code.zip"  # what `sam package` puts there
            if resource["Type"] == "AWS::Serverless::Application":
                pending.append(ROOT / props["Location"])
                translation.passed.update(props.get("Parameters") or {})
        translation.resources.update(transform(template, {}, NoManagedPolicies())["Resources"])
    return translation


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack(ROOT / "template.yaml")


def _named(value: Any, translation: Translation) -> str:
    """The logical id in `!GetAtt X.Arn`, `!Ref X` or a `${X.Arn}` / `${X}` of a Sub; a published
    version or alias (AutoPublishAlias) stands for its function."""
    if "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    resources = translation.resources
    if "Ref" in value and value["Ref"] in translation.passed and value["Ref"] not in resources:
        return _named(translation.passed[value["Ref"]], translation)
    if "Ref" in value:
        return _unaliased(str(value["Ref"]), resources)
    sub = value["Fn::Sub"]
    text, variables = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
    for name in re.findall(r"\$\{([A-Za-z0-9_]+)(?:\.Arn)?\}", text):
        if name in variables:
            return _named(variables[name], translation)
    match = re.search(r"\$\{([A-Za-z0-9]+)\.Arn\}", text) or re.search(
        r"\$\{([A-Za-z0-9]+)\}", text.split("/functions/")[-1])
    assert match, f"no resource named in {value!r}"
    return _unaliased(match.group(1), resources)


def _unaliased(name: str, resources: dict[str, Any]) -> str:
    resource = resources.get(name) or {}
    if resource.get("Type") in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
        return str(resource["Properties"]["FunctionName"]["Ref"])
    return name


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource["Properties"] for name, resource in resources.items()
            if resource["Type"] == kind}


def test_the_translation_has_every_kind_of_trigger_the_tables_compare(
        translated: Translation) -> None:
    kinds = {resource["Type"] for resource in translated.resources.values()}
    assert {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route",
            "AWS::Lambda::EventSourceMapping", "AWS::Events::Rule"} <= kinds


def test_http_routes_match_the_translated_openapi_bodies(translated: Translation,
                                                        stack: Stack) -> None:
    expected: set[HttpRow] = set()
    for api, props in _of_type(translated.resources, "AWS::ApiGatewayV2::Api").items():
        body = props.get("Body")
        if body is None:
            continue
        for path, operations in body["paths"].items():
            for method, operation in operations.items():
                security = operation.get("security") or [{}]
                authorizer = next(iter(security[0]), None)
                expected.add((
                    api,
                    "ANY" if method == "x-amazon-apigateway-any-method" else method.upper(),
                    path,
                    _named(operation["x-amazon-apigateway-integration"]["uri"], translated),
                    None if authorizer == "NONE" else authorizer,
                ))
    served = {(api.logical_id, route.method, route.path, route.function, route.authorizer)
              for api in stack.http_apis.values() for route in api.routes}
    assert len(expected) > 40
    assert served == expected


def test_websocket_routes_match_the_translated_routes_and_integrations(
        translated: Translation, stack: Stack) -> None:
    integrations = _of_type(translated.resources, "AWS::ApiGatewayV2::Integration")
    expected: set[WebSocketRow] = set()
    for props in _of_type(translated.resources, "AWS::ApiGatewayV2::Route").values():
        integration = re.fullmatch(r"integrations/\$\{(\w+)\}", props["Target"]["Fn::Sub"])
        assert integration, props["Target"]
        authorizer = props.get("AuthorizerId")
        expected.add((props["ApiId"]["Ref"], props["RouteKey"],
                      _named(integrations[integration.group(1)]["IntegrationUri"], translated),
                      authorizer["Ref"] if authorizer else None))
    served = {(api.logical_id, route.route_key, route.function,
               route.authorizer.name if route.authorizer else None)
              for api in stack.websocket_apis.values() for route in api.routes.values()}
    assert {row[1] for row in expected} >= {"$connect", "$disconnect", "$default"}
    assert served == expected


def test_queue_consumers_match_the_translated_event_source_mappings(
        translated: Translation, stack: Stack) -> None:
    expected: set[QueueRow] = {
        (_named(props["EventSourceArn"], translated), _named(props["FunctionName"], translated),
         props.get("BatchSize", 10), props.get("MaximumBatchingWindowInSeconds", 0),
         "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []))
        for props in _of_type(translated.resources, "AWS::Lambda::EventSourceMapping").values()
    }
    served = {(source.queue, source.function, source.batch_size, source.batching_window,
               source.report_batch_item_failures) for source in stack.sqs_sources}
    assert expected
    assert served == expected


def test_schedules_match_the_translated_event_rules(translated: Translation,
                                                   stack: Stack) -> None:
    expected: set[ScheduleRow] = {
        (_named(target["Arn"], translated), props["ScheduleExpression"],
         props.get("State", "ENABLED") == "ENABLED")
        for props in _of_type(translated.resources, "AWS::Events::Rule").values()
        if "ScheduleExpression" in props
        for target in props["Targets"]
    }
    served = {(schedule.function or schedule.state_machine or "", schedule.expression,
               schedule.enabled) for schedule in stack.schedules}
    assert expected
    assert served == expected
