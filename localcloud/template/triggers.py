"""What makes the stack's functions and state machines run without a client asking, read from
the translated template: event source mappings (SQS), SNS subscriptions, S3 notifications,
EventBridge rules (schedules and event patterns) and EventBridge Scheduler schedules."""

from __future__ import annotations

from typing import Any

from localcloud.template.reading import Template
from localcloud.template.resolver import Resolver, TemplateError
from localcloud.template.stack import (
    EventRuleSpec,
    S3EventSource,
    ScheduleSpec,
    SnsEventSource,
    SqsEventSource,
    Stack,
)

FUNCTION_TYPES = ("AWS::Lambda::Function",)
STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine",)


def read_triggers(stack: Stack, resolver: Resolver, template: Template) -> None:
    names = _TriggerNames(template, resolver)
    for logical_id, resource in resolver.resources.items():
        if not _present(resolver, resource):
            continue
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::Lambda::EventSourceMapping":
            _event_source_mapping(stack, resolver, props)
        elif kind == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            _subscription(stack, resolver, props)
        elif kind == "AWS::S3::Bucket":
            _bucket_notifications(stack, resolver, logical_id, props)
        elif kind == "AWS::Events::Rule":
            _rule(stack, resolver, names, logical_id, props)
        elif kind == "AWS::Scheduler::Schedule":
            _scheduler_schedule(stack, resolver, names, logical_id, props)


def _present(resolver: Resolver, resource: dict[str, Any]) -> bool:
    return "Condition" not in resource or resolver.condition(resource["Condition"])


class _TriggerNames:
    """Names the console and `trigger_schedule` know: `<function>-<event>` for what SAM made
    from a function's event, `<state machine>-schedule` for a state machine's, else the
    resource's logical id."""

    def __init__(self, template: Template, resolver: Resolver) -> None:
        self.events = template.events
        self.resolver = resolver

    def __call__(self, logical_id: str) -> str:
        owner, event = self.events.get(logical_id, (None, None))
        if owner is None:
            return logical_id
        kind = (self.resolver.resources.get(owner) or {}).get("Type")
        if kind in STATE_MACHINE_TYPES:
            return f"{owner}-schedule"
        return f"{owner}-{event}"


def _target(resolver: Resolver, arn: Any, kinds: tuple[str, ...]) -> str | None:
    """The logical id of the resource `arn` names, when it is one of `kinds`."""
    try:
        logical_id = resolver.logical_id_of(arn)
    except TemplateError:
        return None
    return logical_id if (resolver.resources.get(logical_id) or {}).get("Type") in kinds else None


def _event_source_mapping(stack: Stack, resolver: Resolver, props: dict[str, Any]) -> None:
    source = props.get("EventSourceArn")
    queue = _target(resolver, source, ("AWS::SQS::Queue",))
    function = _target(resolver, props.get("FunctionName"), FUNCTION_TYPES)
    if queue is None or function is None:
        raise TemplateError(f"an event source mapping must read a queue of this stack into a "
                            f"function of it, got {source!r}")
    stack.sqs_sources.append(SqsEventSource(
        function=function,
        queue=queue,
        batch_size=int(resolver.resolve(props.get("BatchSize", 10))),
        batching_window=int(resolver.resolve(props.get("MaximumBatchingWindowInSeconds", 0))),
        report_batch_item_failures="ReportBatchItemFailures" in (
            resolver.resolve(props.get("FunctionResponseTypes") or [])),
        enabled=bool(resolver.resolve(props.get("Enabled", True))),
    ))


def _subscription(stack: Stack, resolver: Resolver, props: dict[str, Any]) -> None:
    function = _target(resolver, props.get("Endpoint"), FUNCTION_TYPES)
    if function is None:
        return  # a function of another stack
    stack.sns_sources.append(SnsEventSource(
        function=function,
        topic_arn=str(resolver.resolve(props.get("TopicArn"))),
        filter_policy=resolver.resolve(props.get("FilterPolicy")),
        filter_policy_scope=str(props.get("FilterPolicyScope", "MessageAttributes")),
    ))


def _bucket_notifications(stack: Stack, resolver: Resolver, bucket: str,
                          props: dict[str, Any]) -> None:
    """One source per function and key filter; SAM writes one configuration per event type."""
    sources: dict[tuple[str, str, str], S3EventSource] = {}
    notifications = props.get("NotificationConfiguration") or {}
    for config in notifications.get("LambdaConfigurations") or []:
        function = _target(resolver, config.get("Function"), FUNCTION_TYPES)
        if function is None:
            continue
        rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        prefix = str(resolver.resolve(next(
            (r["Value"] for r in rules if r.get("Name", "").lower() == "prefix"), "")))
        suffix = str(resolver.resolve(next(
            (r["Value"] for r in rules if r.get("Name", "").lower() == "suffix"), "")))
        source = sources.get((function, prefix, suffix))
        if source is None:
            source = sources[function, prefix, suffix] = S3EventSource(
                function=function, bucket=bucket, events=[], prefix=prefix, suffix=suffix)
            stack.s3_sources.append(source)
        source.events.append(str(resolver.resolve(config.get("Event"))))


def _rule(stack: Stack, resolver: Resolver, names: _TriggerNames, logical_id: str,
          props: dict[str, Any]) -> None:
    expression = props.get("ScheduleExpression")
    pattern = props.get("EventPattern")
    for target in props.get("Targets") or []:
        if pattern:
            function = _target(resolver, target.get("Arn"), FUNCTION_TYPES)
            if function is None:
                continue  # a queue, a bus...: EventBridge in moto delivers to those itself
            bus = str(resolver.resolve(props.get("EventBusName", "default")))
            stack.event_rules.append(EventRuleSpec(
                name=names(logical_id)[:64], bus=bus.rsplit("/", 1)[-1],
                pattern=resolver.resolve(pattern), function=function,
                input=target.get("Input")))
        elif expression:
            _schedule(stack, resolver, names(logical_id), target, expression,
                      enabled=str(resolver.resolve(props.get("State", "ENABLED"))).upper()
                      == "ENABLED")


def _scheduler_schedule(stack: Stack, resolver: Resolver, names: _TriggerNames, logical_id: str,
                        props: dict[str, Any]) -> None:
    _schedule(stack, resolver, names(logical_id), props.get("Target") or {},
              props.get("ScheduleExpression"),
              enabled=str(resolver.resolve(props.get("State", "ENABLED"))).upper() == "ENABLED")


def _schedule(stack: Stack, resolver: Resolver, name: str, target: dict[str, Any],
              expression: Any, *, enabled: bool) -> None:
    function = _target(resolver, target.get("Arn"), FUNCTION_TYPES)
    state_machine = _target(resolver, target.get("Arn"), STATE_MACHINE_TYPES)
    if function is None and state_machine is None:
        return  # a target the local cloud does not run
    stack.schedules.append(ScheduleSpec(
        name=name, function=function, state_machine=state_machine,
        expression=str(resolver.resolve(expression)), input=target.get("Input"),
        enabled=enabled,
    ))
