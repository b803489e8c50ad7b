"""Reads a SAM template into what the local cloud serves.

Resolves the intrinsics Plaza's template uses (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
`Fn::If`/conditions, `Fn::Select`, `Fn::Split`, `Fn::Equals`), merges `Globals`, and takes
parameter values from samconfig.toml's environment (`dev` by default). API Gateway URLs in
resolved strings are rewritten to the local endpoints, so a handler that builds its
@connections client from `https://{api}.execute-api...` reaches the local cloud unchanged.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
URL_SUFFIX = "amazonaws.com"


# ---------------------------------------------------------------- YAML with CloudFormation tags

class _CfnLoader(yaml.SafeLoader):
    pass


def _tag_constructor(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag_constructor)


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


# ---------------------------------------------------------------- the model

@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    code_dir: Path
    handler: str
    runtime: str
    timeout: float
    memory: int
    environment: dict[str, str]
    layers: list[Any] = field(default_factory=list)
    reserved_concurrency: int | None = None

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0].replace("/", ".")

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"


@dataclass
class HttpRoute:
    method: str  # GET, POST, ... or ANY
    path: str  # /users/{username}, /files/{proxy+}, or $default
    function: str  # logical id
    authorizer: str | None  # name of an authorizer of the API, None when the route is public
    timeout: float = 29.0

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass
class Authorizer:
    name: str
    function: str  # logical id
    identity_headers: list[str]
    identity_query: list[str]
    ttl: int
    simple_responses: bool
    payload_version: str = "2.0"


@dataclass
class Cors:
    allow_origins: list[str]
    allow_headers: list[str]
    allow_methods: list[str]
    expose_headers: list[str]
    max_age: int | None
    allow_credentials: bool


@dataclass
class HttpApiSpec:
    logical_id: str
    routes: list[HttpRoute] = field(default_factory=list)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    cors: Cors | None = None
    default_authorizer: str | None = None


@dataclass
class WebSocketRoute:
    route_key: str  # $connect, $disconnect, $default or an action
    function: str | None  # logical id (None for a MOCK or non-Lambda integration)
    authorizer: Authorizer | None = None
    # API Gateway sends the integration's reply back only when the route has a RouteResponse.
    two_way: bool = False


@dataclass
class WebSocketApiSpec:
    logical_id: str
    route_selection: str
    stage: str
    routes: dict[str, WebSocketRoute] = field(default_factory=dict)


@dataclass
class QueueSpec:
    logical_id: str
    name: str
    fifo: bool
    visibility_timeout: int
    retention: int
    dead_letter_queue: str | None  # logical id
    max_receive_count: int | None


@dataclass
class SqsEventSource:
    function: str
    queue: str  # logical id
    batch_size: int
    batching_window: int
    report_batch_item_failures: bool
    enabled: bool


@dataclass
class BucketSpec:
    logical_id: str
    name: str
    cors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class S3EventSource:
    function: str
    bucket: str  # logical id
    events: list[str]
    prefix: str = ""
    suffix: str = ""


@dataclass
class ScheduleSpec:
    name: str
    function: str | None  # logical id of a target function
    state_machine: str | None  # logical id of a target state machine
    expression: str  # rate(...) or cron(...)
    input: str | None
    enabled: bool


@dataclass
class SnsEventSource:
    function: str  # logical id
    topic_arn: str
    filter_policy: dict[str, Any] | None = None
    filter_policy_scope: str = "MessageAttributes"


@dataclass
class EventRuleSpec:
    """An EventBridge rule matching events on a bus and invoking a function."""

    name: str
    bus: str  # event bus name; "default" unless the template says otherwise
    pattern: dict[str, Any]
    function: str  # logical id
    input: str | None = None  # a constant JSON input replacing the event


@dataclass
class StateMachineSpec:
    logical_id: str
    name: str
    definition: dict[str, Any]
    type: str  # STANDARD or EXPRESS

    @property
    def arn(self) -> str:
        return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{self.name}"


@dataclass
class LocalEndpoints:
    """Where the local cloud serves what AWS would; used when resolving the template."""

    http_url: str = "http://127.0.0.1:3000"
    websocket_url: str = "ws://127.0.0.1:3001"
    aws_endpoint: str = "http://127.0.0.1:4566"


@dataclass
class Stack:
    root: Path
    name: str
    parameters: dict[str, Any]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    http_apis: dict[str, HttpApiSpec] = field(default_factory=dict)
    websocket_apis: dict[str, WebSocketApiSpec] = field(default_factory=dict)
    queues: dict[str, QueueSpec] = field(default_factory=dict)
    buckets: dict[str, BucketSpec] = field(default_factory=dict)
    sqs_sources: list[SqsEventSource] = field(default_factory=list)
    s3_sources: list[S3EventSource] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    event_rules: list[EventRuleSpec] = field(default_factory=list)
    sns_sources: list[SnsEventSource] = field(default_factory=list)
    state_machines: dict[str, StateMachineSpec] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)  # logical id -> topic name
    event_buses: dict[str, str] = field(default_factory=dict)  # logical id -> bus name
    email_identities: list[str] = field(default_factory=list)  # SES senders (address or domain)
    outputs: dict[str, Any] = field(default_factory=dict)

    def function_by_name(self, name: str) -> FunctionSpec | None:
        for spec in self.functions.values():
            if spec.name == name or spec.logical_id == name:
                return spec
        return None


# ---------------------------------------------------------------- samconfig parameters

def samconfig_parameters(path: Path, environment: str = "dev") -> dict[str, str]:
    """`parameter_overrides` of samconfig.toml's environment (deploy, then global)."""
    if not path.exists():
        return {}
    config = tomllib.loads(path.read_text())
    env = config.get(environment, {})
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


# ---------------------------------------------------------------- intrinsics

class TemplateError(ValueError):
    pass


class Resolver:
    """Evaluates intrinsic functions against parameters and local physical ids."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, Any], stack_name: str,
                 endpoints: LocalEndpoints) -> None:
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.parameters = parameters
        self.stack_name = stack_name
        self.endpoints = endpoints
        self.conditions: dict[str, bool] = {}
        for name in template.get("Conditions") or {}:
            self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            expr = (self.template.get("Conditions") or {})[name]
            self.conditions[name] = bool(self.resolve(expr))
        return self.conditions[name]

    # Physical ids the local cloud gives resources; one place so every part agrees.
    def physical_name(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id) or {}
        props = resource.get("Properties") or {}
        kind = resource.get("Type", "")
        explicit = {
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::S3::Bucket": "BucketName",
            "AWS::Serverless::StateMachine": "Name",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::Events::EventBus": "Name",
        }.get(kind)
        if explicit and props.get(explicit) is not None:
            return str(self.resolve(props[explicit]))
        if kind == "AWS::S3::Bucket":
            return f"{self.stack_name}-{logical_id}".lower()
        if kind == "AWS::SQS::Queue" and props.get("FifoQueue"):
            return f"{self.stack_name}-{logical_id}.fifo"
        return f"{self.stack_name}-{logical_id}"

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
            "AWS::URLSuffix": URL_SUFFIX, "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources.get(name)
        if resource is None:
            raise TemplateError(f"Ref to unknown name {name!r}")
        kind = resource.get("Type", "")
        physical = self.physical_name(name)
        if kind == "AWS::SQS::Queue":
            return f"{self.endpoints.aws_endpoint}/{ACCOUNT_ID}/{physical}"
        if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{physical}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{physical}"
        if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api",
                    "AWS::Serverless::Api"):
            return name.lower()
        if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{physical}:1"
        return physical

    def get_att(self, name: str, attribute: str) -> Any:
        resource = self.resources.get(name)
        if resource is None:
            raise TemplateError(f"GetAtt of unknown resource {name!r}")
        kind = resource.get("Type", "")
        physical = self.physical_name(name)
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{physical}"
        if kind == "AWS::SQS::Queue":
            return {
                "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{physical}",
                "QueueName": physical,
                "QueueUrl": f"{self.endpoints.aws_endpoint}/{ACCOUNT_ID}/{physical}",
            }[attribute]
        if kind == "AWS::S3::Bucket":
            return {
                "Arn": f"arn:aws:s3:::{physical}",
                "DomainName": f"{physical}.s3.amazonaws.com",
                "RegionalDomainName": f"{physical}.s3.{REGION}.amazonaws.com",
            }[attribute]
        if kind == "AWS::Events::EventBus" and attribute in ("Arn", "Name"):
            return (physical if attribute == "Name"
                    else f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{physical}")
        if attribute in ("Arn", "Name", "StateMachineName"):
            if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
                return (physical if attribute != "Arn"
                        else f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{physical}")
            if kind == "AWS::Logs::LogGroup":
                return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{physical}"
            return f"arn:aws:{kind.split('::')[1].lower()}:{REGION}:{ACCOUNT_ID}:{physical}"
        if attribute == "ApiEndpoint":
            return f"https://{name.lower()}.execute-api.{REGION}.{URL_SUFFIX}"
        return f"{physical}.{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                result = self.ref(arg)
                return _NO_VALUE if result is None else result
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(self.resolve(parts[0]), self.resolve(parts[1]))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = self.resolve(arg)
                return items[int(index)]
            if key == "Fn::Split":
                sep, text = self.resolve(arg)
                return str(text).split(sep)
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                left, right = self.resolve(arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in arg)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in arg)
            if key == "Condition":
                return self.condition(arg)
            if key in ("Fn::ImportValue", "Fn::GetAZs", "Fn::Base64", "Fn::FindInMap"):
                raise TemplateError(f"{key} is not supported by the local cloud")
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items())
                if v is not _NO_VALUE}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(name))

        return self.localise(re.sub(r"\$\{([^}]+)\}", replace, text))

    def localise(self, text: str) -> str:
        """Point API Gateway URLs of this stack at the local endpoints."""
        for logical_id, resource in self.resources.items():
            kind = resource.get("Type", "")
            api_host = f"{logical_id.lower()}.execute-api.{REGION}.{URL_SUFFIX}"
            if api_host not in text:
                continue
            if kind == "AWS::ApiGatewayV2::Api" and (resource.get("Properties") or {}).get(
                    "ProtocolType") == "WEBSOCKET":
                http_base = self.endpoints.websocket_url.replace("ws://", "http://", 1)
                text = text.replace(f"https://{api_host}", http_base)
                text = text.replace(f"wss://{api_host}", self.endpoints.websocket_url)
            else:
                text = text.replace(f"https://{api_host}", self.endpoints.http_url)
        return text


class _NoValue:
    pass


_NO_VALUE: Any = _NoValue()


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# ---------------------------------------------------------------- reading the stack

def load_stack(template_path: Path, *, environment: str = "dev",
               parameter_overrides: dict[str, str] | None = None,
               endpoints: LocalEndpoints | None = None, stack_name: str | None = None) -> Stack:
    template_path = template_path.resolve()
    root = template_path.parent
    template = load_yaml(template_path)
    samconfig = root / "samconfig.toml"
    sam_params = samconfig_parameters(samconfig, environment)
    parameters: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        value = (parameter_overrides or {}).get(name, sam_params.get(name, spec.get("Default")))
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = [item.strip() for item in value.split(",")]
        parameters[name] = value
    name = stack_name or _samconfig_stack_name(samconfig, environment) or "plaza-local"
    resolver = Resolver(template, parameters, name, endpoints or LocalEndpoints())
    stack = Stack(root=root, name=name, parameters=parameters)
    globals_function = (template.get("Globals") or {}).get("Function") or {}
    resources = template.get("Resources") or {}

    for logical_id, resource in resources.items():
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            _read_function(stack, resolver, logical_id, _merge(globals_function, props))
        elif kind == "AWS::SQS::Queue":
            _read_queue(stack, resolver, logical_id, props)
        elif kind == "AWS::S3::Bucket":
            cors = resolver.resolve(props.get("CorsConfiguration", {})).get("CorsRules", [])
            stack.buckets[logical_id] = BucketSpec(logical_id, resolver.physical_name(logical_id),
                                                   cors)
        elif kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            _read_state_machine(stack, resolver, logical_id, props)
        elif kind == "AWS::Serverless::HttpApi":
            _read_http_api(stack, resolver, logical_id, props)
        elif kind == "AWS::ApiGatewayV2::Api" and props.get("ProtocolType") == "WEBSOCKET":
            stack.websocket_apis[logical_id] = WebSocketApiSpec(
                logical_id, str(resolver.resolve(props.get("RouteSelectionExpression",
                                                           "$request.body.action"))), "")
        elif kind == "AWS::Events::Rule":
            _read_rule(stack, resolver, logical_id, props)
        elif kind == "AWS::SNS::Topic":
            stack.topics[logical_id] = resolver.physical_name(logical_id)
        elif kind == "AWS::Events::EventBus":
            stack.event_buses[logical_id] = resolver.physical_name(logical_id)
        elif kind == "AWS::SES::EmailIdentity":
            stack.email_identities.append(str(resolver.resolve(props.get("EmailIdentity"))))

    _read_websocket_routes(stack, resolver, resources)
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Function" and logical_id in stack.functions:
            _read_function_events(stack, resolver, logical_id,
                                  (resource.get("Properties") or {}).get("Events") or {})
    for output_name, output in (template.get("Outputs") or {}).items():
        try:
            stack.outputs[output_name] = resolver.resolve(output.get("Value"))
        except (TemplateError, KeyError):
            continue
    return stack


def _samconfig_stack_name(path: Path, environment: str) -> str | None:
    if not path.exists():
        return None
    config = tomllib.loads(path.read_text())
    value = config.get(environment, {}).get("global", {}).get("parameters", {}).get("stack_name")
    return str(value) if value else None


def _read_function(stack: Stack, resolver: Resolver, logical_id: str,
                   props: dict[str, Any]) -> None:
    code_uri = resolver.resolve(props.get("CodeUri", "."))
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: only local CodeUri paths can run locally")
    environment = resolver.resolve((props.get("Environment") or {}).get("Variables") or {})
    stack.functions[logical_id] = FunctionSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        code_dir=(stack.root / code_uri).resolve(),
        handler=str(resolver.resolve(props.get("Handler", "app.handler"))),
        runtime=str(resolver.resolve(props.get("Runtime", "python3.12"))),
        timeout=float(resolver.resolve(props.get("Timeout", 3))),
        memory=int(resolver.resolve(props.get("MemorySize", 128))),
        environment={k: "" if v is None else str(v) for k, v in environment.items()},
        layers=resolver.resolve(props.get("Layers") or []),
        reserved_concurrency=props.get("ReservedConcurrentExecutions"),
    )


def _read_queue(stack: Stack, resolver: Resolver, logical_id: str, props: dict[str, Any]) -> None:
    redrive = props.get("RedrivePolicy") or {}
    if isinstance(redrive, str):
        redrive = json.loads(redrive)
    dlq_logical = None
    target = redrive.get("deadLetterTargetArn")
    if isinstance(target, dict) and "Fn::GetAtt" in target:
        ref = target["Fn::GetAtt"]
        dlq_logical = ref[0] if isinstance(ref, list) else str(ref).split(".")[0]
    max_receive = redrive.get("maxReceiveCount")
    stack.queues[logical_id] = QueueSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        fifo=bool(resolver.resolve(props.get("FifoQueue", False))),
        visibility_timeout=int(resolver.resolve(props.get("VisibilityTimeout", 30))),
        retention=int(resolver.resolve(props.get("MessageRetentionPeriod", 345600))),
        dead_letter_queue=dlq_logical,
        max_receive_count=int(resolver.resolve(max_receive)) if max_receive else None,
    )


def _read_state_machine(stack: Stack, resolver: Resolver, logical_id: str,
                        props: dict[str, Any]) -> None:
    if "DefinitionUri" in props:
        definition_path = stack.root / str(resolver.resolve(props["DefinitionUri"]))
        text = definition_path.read_text()
        definition = (json.loads(text) if definition_path.suffix == ".json"
                      else yaml.safe_load(text))
    elif "Definition" in props:
        definition = props["Definition"]
    elif "DefinitionString" in props:
        definition = json.loads(str(resolver.resolve(props["DefinitionString"])))
    else:
        raise TemplateError(f"{logical_id}: state machine without a definition")
    substitutions = {k: str(resolver.resolve(v))
                     for k, v in (props.get("DefinitionSubstitutions") or {}).items()}
    rendered = json.dumps(resolver.resolve(definition))
    for key, value in substitutions.items():
        rendered = rendered.replace("${" + key + "}", value)
    stack.state_machines[logical_id] = StateMachineSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        definition=json.loads(rendered),
        type=str(resolver.resolve(props.get("Type", "STANDARD"))),
    )
    for event in (props.get("Events") or {}).values():
        if event.get("Type") in ("Schedule", "ScheduleV2"):
            event_props = event.get("Properties") or {}
            stack.schedules.append(ScheduleSpec(
                name=f"{logical_id}-schedule",
                function=None,
                state_machine=logical_id,
                expression=str(resolver.resolve(event_props.get("Schedule")
                                                or event_props.get("ScheduleExpression"))),
                input=event_props.get("Input"),
                enabled=_schedule_enabled(resolver, event_props),
            ))


def _schedule_enabled(resolver: Resolver, props: dict[str, Any]) -> bool:
    if "Enabled" in props:
        return bool(resolver.resolve(props["Enabled"]))
    return str(resolver.resolve(props.get("State", "ENABLED"))).upper() == "ENABLED"


def _read_http_api(stack: Stack, resolver: Resolver, logical_id: str,
                   props: dict[str, Any]) -> None:
    api = HttpApiSpec(logical_id)
    cors = props.get("CorsConfiguration")
    if cors:
        cors = resolver.resolve(cors)
        if cors is True:
            cors = {"AllowOrigins": ["*"], "AllowHeaders": ["*"], "AllowMethods": ["*"]}
        api.cors = Cors(
            allow_origins=list(cors.get("AllowOrigins") or []),
            allow_headers=[h.lower() for h in cors.get("AllowHeaders") or []],
            allow_methods=[m.upper() for m in cors.get("AllowMethods") or []],
            expose_headers=[h.lower() for h in cors.get("ExposeHeaders") or []],
            max_age=cors.get("MaxAge"),
            allow_credentials=bool(cors.get("AllowCredentials", False)),
        )
    auth = props.get("Auth") or {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        if "FunctionArn" not in spec:
            continue  # JWT authorizers are not emulated
        api.authorizers[name] = _authorizer(resolver, name, spec, http=True)
    api_default = auth.get("DefaultAuthorizer")
    # Routes come from the functions' HttpApi events, which fall back to this default.
    api.default_authorizer = None if api_default in (None, "NONE") else str(api_default)
    stack.http_apis[logical_id] = api


def _function_logical_id(resolver: Resolver, arn_expr: Any) -> str:
    """The logical id a FunctionArn / IntegrationUri points at."""
    if isinstance(arn_expr, dict):
        if "Fn::GetAtt" in arn_expr:
            ref = arn_expr["Fn::GetAtt"]
            return ref[0] if isinstance(ref, list) else str(ref).split(".")[0]
        if "Fn::Sub" in arn_expr:
            text = arn_expr["Fn::Sub"]
            text = text[0] if isinstance(text, list) else text
            match = re.search(r"\$\{([A-Za-z0-9]+)\.Arn\}", text)
            if match:
                return match.group(1)
        if "Ref" in arn_expr:
            return str(arn_expr["Ref"])
    resolved = str(resolver.resolve(arn_expr))
    match = re.search(r":function:([^/:]+)", resolved)
    if match:
        for logical_id in resolver.resources:
            if resolver.physical_name(logical_id) == match.group(1):
                return logical_id
    raise TemplateError(f"cannot tell which function {arn_expr!r} refers to")


def _authorizer(resolver: Resolver, name: str, spec: dict[str, Any], http: bool) -> Authorizer:
    identity = spec.get("Identity") or {}
    ttl = identity.get("ReauthorizeEvery", 300 if http else 0)
    return Authorizer(
        name=name,
        function=_function_logical_id(resolver, spec["FunctionArn"]),
        identity_headers=[h.lower() for h in identity.get("Headers") or []],
        identity_query=list(identity.get("QueryStrings") or []),
        ttl=int(resolver.resolve(ttl)),
        simple_responses=bool(spec.get("EnableSimpleResponses", False)),
        payload_version=str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
    )


def _read_websocket_routes(stack: Stack, resolver: Resolver, resources: dict[str, Any]) -> None:
    integrations: dict[str, str | None] = {}
    authorizers: dict[str, Authorizer] = {}
    answered = {_ref_name((resource.get("Properties") or {}).get("RouteId"))
                for resource in resources.values()
                if resource.get("Type") == "AWS::ApiGatewayV2::RouteResponse"}
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::ApiGatewayV2::Integration":
            uri = props.get("IntegrationUri")
            try:
                integrations[logical_id] = _function_logical_id(resolver, uri) if uri else None
            except TemplateError:
                integrations[logical_id] = None
        elif resource.get("Type") == "AWS::ApiGatewayV2::Authorizer":
            sources = resolver.resolve(props.get("IdentitySource") or [])
            authorizers[logical_id] = Authorizer(
                name=logical_id,
                function=_function_logical_id(resolver, props.get("AuthorizerUri")),
                identity_headers=[s.split(".")[-1].lower() for s in sources
                                  if ".header." in s],
                identity_query=[s.split(".")[-1] for s in sources if ".querystring." in s],
                ttl=0,
                simple_responses=False,
                payload_version="1.0",
            )
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind == "AWS::ApiGatewayV2::Stage":
            api_id = _ref_name(props.get("ApiId"))
            if api_id in stack.websocket_apis:
                stack.websocket_apis[api_id].stage = str(resolver.resolve(props.get("StageName")))
        if kind != "AWS::ApiGatewayV2::Route":
            continue
        api_id = _ref_name(props.get("ApiId"))
        if api_id not in stack.websocket_apis:
            continue
        target = props.get("Target")
        integration = None
        if isinstance(target, dict) and "Fn::Sub" in target:
            match = re.search(r"integrations/\$\{([A-Za-z0-9]+)\}", str(target["Fn::Sub"]))
            integration = match.group(1) if match else None
        elif isinstance(target, dict) and "Fn::Join" in target:
            for part in target["Fn::Join"][1]:
                if isinstance(part, dict) and "Ref" in part:
                    integration = part["Ref"]
        route_key = str(resolver.resolve(props.get("RouteKey")))
        authorizer = None
        if props.get("AuthorizerId") is not None:
            authorizer = authorizers.get(_ref_name(props["AuthorizerId"]) or "")
        stack.websocket_apis[api_id].routes[route_key] = WebSocketRoute(
            route_key=route_key,
            function=integrations.get(integration or ""),
            authorizer=authorizer,
            two_way=logical_id in answered,
        )


def _ref_name(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return str(value) if isinstance(value, str) else None


def _read_function_events(stack: Stack, resolver: Resolver, logical_id: str,
                          events: dict[str, Any]) -> None:
    for event_name, event in events.items():
        kind = event.get("Type")
        props = event.get("Properties") or {}
        if kind == "HttpApi":
            api_id = _ref_name(props.get("ApiId")) or "ServerlessHttpApi"
            api = stack.http_apis.setdefault(api_id, HttpApiSpec(api_id))
            auth = props.get("Auth") or {}
            authorizer = auth.get("Authorizer", api.default_authorizer)
            path = str(resolver.resolve(props.get("Path", "$default")))
            method = str(resolver.resolve(props.get("Method", "ANY"))).upper()
            timeout = props.get("TimeoutInMillis")
            api.routes.append(HttpRoute(
                method="ANY" if method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                path=path,
                function=logical_id,
                authorizer=None if authorizer in (None, "NONE") else str(authorizer),
                timeout=min(29.0, int(resolver.resolve(timeout)) / 1000) if timeout else 29.0,
            ))
        elif kind == "SQS":
            queue_arn = props.get("Queue")
            queue_logical = _function_queue(queue_arn)
            stack.sqs_sources.append(SqsEventSource(
                function=logical_id,
                queue=queue_logical,
                batch_size=int(resolver.resolve(props.get("BatchSize", 10))),
                batching_window=int(resolver.resolve(
                    props.get("MaximumBatchingWindowInSeconds", 0))),
                report_batch_item_failures="ReportBatchItemFailures" in (
                    resolver.resolve(props.get("FunctionResponseTypes") or [])),
                enabled=bool(resolver.resolve(props.get("Enabled", True))),
            ))
        elif kind == "S3":
            bucket = _ref_name(props.get("Bucket"))
            rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            prefix = next((r["Value"] for r in rules if r.get("Name", "").lower() == "prefix"), "")
            suffix = next((r["Value"] for r in rules if r.get("Name", "").lower() == "suffix"), "")
            events_list = props.get("Events")
            stack.s3_sources.append(S3EventSource(
                function=logical_id,
                bucket=bucket or "",
                events=[events_list] if isinstance(events_list, str) else list(events_list or []),
                prefix=str(resolver.resolve(prefix)),
                suffix=str(resolver.resolve(suffix)),
            ))
        elif kind == "SNS":
            stack.sns_sources.append(SnsEventSource(
                function=logical_id,
                topic_arn=str(resolver.resolve(props.get("Topic"))),
                filter_policy=resolver.resolve(props.get("FilterPolicy")),
                filter_policy_scope=str(props.get("FilterPolicyScope", "MessageAttributes")),
            ))
        elif kind in ("EventBridgeRule", "CloudWatchEvent") and props.get("Pattern"):
            stack.event_rules.append(EventRuleSpec(
                name=f"{logical_id}-{event_name}"[:64],
                bus=str(resolver.resolve(props.get("EventBusName", "default"))).rsplit("/", 1)[-1],
                pattern=resolver.resolve(props["Pattern"]),
                function=logical_id,
                input=props.get("Input"),
            ))
        elif kind in ("Schedule", "ScheduleV2"):
            stack.schedules.append(ScheduleSpec(
                name=f"{logical_id}-{event_name}",
                function=logical_id,
                state_machine=None,
                expression=str(resolver.resolve(props.get("Schedule")
                                                or props.get("ScheduleExpression"))),
                input=props.get("Input"),
                enabled=_schedule_enabled(resolver, props),
            ))


def _function_queue(queue_arn: Any) -> str:
    if isinstance(queue_arn, dict) and "Fn::GetAtt" in queue_arn:
        ref = queue_arn["Fn::GetAtt"]
        return ref[0] if isinstance(ref, list) else str(ref).split(".")[0]
    raise TemplateError(f"SQS event source must use !GetAtt <Queue>.Arn, got {queue_arn!r}")


def _read_rule(stack: Stack, resolver: Resolver, logical_id: str, props: dict[str, Any]) -> None:
    expression = props.get("ScheduleExpression")
    pattern = props.get("EventPattern")
    if not expression and not pattern:
        return
    for target in props.get("Targets") or []:
        arn = target.get("Arn")
        try:
            function = _function_logical_id(resolver, arn)
        except TemplateError:
            continue
        if (resolver.resources.get(function) or {}).get("Type") not in (
                "AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue  # a queue, a state machine...: not a target the local cloud invokes
        if pattern:
            bus = props.get("EventBusName", "default")
            stack.event_rules.append(EventRuleSpec(
                name=logical_id, bus=str(resolver.resolve(bus)).rsplit("/", 1)[-1],
                pattern=resolver.resolve(pattern), function=function, input=target.get("Input")))
            continue
        stack.schedules.append(ScheduleSpec(
            name=logical_id, function=function, state_machine=None,
            expression=str(resolver.resolve(expression)), input=target.get("Input"),
            enabled=str(props.get("State", "ENABLED")).upper() == "ENABLED",
        ))
