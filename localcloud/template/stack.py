"""What the local cloud serves, read from the template: functions, APIs and their routes,
queues, buckets, state machines and what triggers the functions (the stack's resource views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.template.account import ACCOUNT_ID, REGION


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
    # The bucket's own notifications to queues (S3's QueueConfigurations, as the S3 API takes
    # them): moto sends those itself once they are put on the bucket.
    queue_notifications: list[dict[str, Any]] = field(default_factory=list)
    # Blocks public access: the local S3 front serves its objects only to signed requests,
    # but for the prefixes its bucket policy lets a CDN read (public_prefixes).
    private: bool = False


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
class EmailEventDestination:
    """An SES configuration set's SNS event destination: the events it publishes, and where."""

    configuration_set: str
    topic_arn: str
    event_types: list[str]  # SES's names, lower case: bounce, complaint, delivery, ...


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
class Stack:
    root: Path
    name: str
    parameters: dict[str, Any]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    http_apis: dict[str, HttpApiSpec] = field(default_factory=dict)
    websocket_apis: dict[str, WebSocketApiSpec] = field(default_factory=dict)
    queues: dict[str, QueueSpec] = field(default_factory=dict)
    buckets: dict[str, BucketSpec] = field(default_factory=dict)
    # bucket name -> key prefixes its policy lets anyone or a CloudFront distribution read
    public_prefixes: dict[str, list[str]] = field(default_factory=dict)
    sqs_sources: list[SqsEventSource] = field(default_factory=list)
    s3_sources: list[S3EventSource] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    event_rules: list[EventRuleSpec] = field(default_factory=list)
    sns_sources: list[SnsEventSource] = field(default_factory=list)
    state_machines: dict[str, StateMachineSpec] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)  # logical id -> topic name
    event_buses: dict[str, str] = field(default_factory=dict)  # logical id -> bus name
    email_identities: list[str] = field(default_factory=list)  # SES senders (address or domain)
    email_event_destinations: list[EmailEventDestination] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def function_by_name(self, name: str) -> FunctionSpec | None:
        for spec in self.functions.values():
            if spec.name == name or spec.logical_id == name:
                return spec
        return None
