"""The stack's resources from the translated template: functions, queues, buckets, state
machines, topics, event buses, email identities and SES event destinations."""

from __future__ import annotations

import json
from typing import Any

import yaml

from localcloud.template.reading import local_path
from localcloud.template.resolver import Resolver, TemplateError
from localcloud.template.stack import (
    BucketSpec,
    EmailEventDestination,
    FunctionSpec,
    QueueSpec,
    Stack,
    StateMachineSpec,
)


def read_resource(stack: Stack, resolver: Resolver, logical_id: str, kind: str,
                  props: dict[str, Any]) -> None:
    if kind == "AWS::Lambda::Function":
        stack.functions[logical_id] = _function(stack, resolver, logical_id, props)
    elif kind == "AWS::SQS::Queue":
        stack.queues[logical_id] = _queue(resolver, logical_id, props)
    elif kind == "AWS::S3::Bucket":
        cors = [_cors_rule(rule) for rule in
                resolver.resolve(props.get("CorsConfiguration", {})).get("CorsRules", [])]
        stack.buckets[logical_id] = BucketSpec(logical_id, resolver.physical_name(logical_id),
                                               cors, _queue_notifications(resolver, props),
                                               private=_blocks_public_access(props))
    elif kind == "AWS::S3::BucketPolicy":
        _public_reads(stack, resolver, props)
    elif kind == "AWS::StepFunctions::StateMachine":
        stack.state_machines[logical_id] = _state_machine(stack, resolver, logical_id, props)
    elif kind == "AWS::SNS::Topic":
        stack.topics[logical_id] = resolver.physical_name(logical_id)
    elif kind == "AWS::Events::EventBus":
        stack.event_buses[logical_id] = resolver.physical_name(logical_id)
    elif kind == "AWS::SES::EmailIdentity":
        stack.email_identities.append(str(resolver.resolve(props.get("EmailIdentity"))))
    elif kind == "AWS::SES::ConfigurationSetEventDestination":
        destination = resolver.resolve(props.get("EventDestination") or {})
        topic = (destination.get("SnsDestination") or {}).get("TopicARN")
        if topic and destination.get("Enabled", False) in (True, "true"):
            stack.email_event_destinations.append(EmailEventDestination(
                configuration_set=str(resolver.resolve(props.get("ConfigurationSetName"))),
                topic_arn=str(topic),
                event_types=[str(t).lower() for t in destination.get("MatchingEventTypes") or []]))


def _function(stack: Stack, resolver: Resolver, logical_id: str,
              props: dict[str, Any]) -> FunctionSpec:
    code_dir = local_path(props.get("Code"))
    if code_dir is None:
        raise TemplateError(f"{logical_id}: only local CodeUri paths can run locally")
    environment = resolver.resolve((props.get("Environment") or {}).get("Variables") or {})
    return FunctionSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        code_dir=(stack.root / code_dir).resolve(),
        handler=str(resolver.resolve(props.get("Handler", "app.handler"))),
        runtime=str(resolver.resolve(props.get("Runtime", "python3.12"))),
        timeout=float(resolver.resolve(props.get("Timeout", 3))),
        memory=int(resolver.resolve(props.get("MemorySize", 128))),
        environment={k: "" if v is None else str(v) for k, v in environment.items()},
        layers=resolver.resolve(props.get("Layers") or []),
        reserved_concurrency=_reserved_concurrency(resolver, props),
    )


def _reserved_concurrency(resolver: Resolver, props: dict[str, Any]) -> int | None:
    """The function's reserved concurrency; None when unreserved (absent, or an `!If` that
    resolves to AWS::NoValue, as the template's per-group parameters do at 0)."""
    value = resolver.resolve(props.get("ReservedConcurrentExecutions"))
    return int(value) if isinstance(value, int | str) else None


def _queue(resolver: Resolver, logical_id: str, props: dict[str, Any]) -> QueueSpec:
    redrive = props.get("RedrivePolicy") or {}
    if isinstance(redrive, str):
        redrive = json.loads(redrive)
    target = redrive.get("deadLetterTargetArn")
    max_receive = redrive.get("maxReceiveCount")
    return QueueSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        fifo=bool(resolver.resolve(props.get("FifoQueue", False))),
        visibility_timeout=int(resolver.resolve(props.get("VisibilityTimeout", 30))),
        retention=int(resolver.resolve(props.get("MessageRetentionPeriod", 345600))),
        dead_letter_queue=(resolver.logical_id_of(target)
                           if isinstance(target, dict) and "Fn::GetAtt" in target else None),
        max_receive_count=int(resolver.resolve(max_receive)) if max_receive else None,
    )


def _state_machine(stack: Stack, resolver: Resolver, logical_id: str,
                   props: dict[str, Any]) -> StateMachineSpec:
    definition_file = local_path(props.get("DefinitionS3Location"))
    if definition_file is not None:
        path = stack.root / definition_file
        text = path.read_text()
        definition = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    elif "Definition" in props:
        definition = props["Definition"]
    elif "DefinitionString" in props:
        definition = json.loads(str(resolver.resolve(props["DefinitionString"])))
    else:
        raise TemplateError(f"{logical_id}: state machine without a local definition")
    substitutions = {k: str(resolver.resolve(v))
                     for k, v in (props.get("DefinitionSubstitutions") or {}).items()}
    rendered = json.dumps(resolver.resolve(definition))
    for key, value in substitutions.items():
        rendered = rendered.replace("${" + key + "}", value)
    return StateMachineSpec(
        logical_id=logical_id,
        name=resolver.physical_name(logical_id),
        definition=json.loads(rendered),
        type=str(resolver.resolve(props.get("StateMachineType", "STANDARD"))),
    )


def _queue_notifications(resolver: Resolver, props: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's QueueConfigurations as PutBucketNotificationConfiguration takes them."""
    notifications = resolver.resolve(props.get("NotificationConfiguration") or {})
    configurations = []
    for index, config in enumerate(notifications.get("QueueConfigurations") or []):
        configuration: dict[str, Any] = {"Id": f"queue-{index}", "QueueArn": str(config["Queue"]),
                                         "Events": [str(config["Event"])]}
        rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        if rules:
            configuration["Filter"] = {"Key": {"FilterRules": [
                {"Name": str(rule["Name"]).lower(), "Value": str(rule["Value"])}
                for rule in rules]}}
        configurations.append(configuration)
    return configurations


def _blocks_public_access(props: dict[str, Any]) -> bool:
    block = props.get("PublicAccessBlockConfiguration") or {}
    return bool(block.get("RestrictPublicBuckets") or block.get("BlockPublicPolicy"))


def _public_reads(stack: Stack, resolver: Resolver, props: dict[str, Any]) -> None:
    """The prefixes a bucket policy lets anyone, or a CDN (CloudFront), GET."""
    for statement in resolver.resolve(props.get("PolicyDocument") or {}).get("Statement") or []:
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        principal = statement.get("Principal")
        readers = principal == "*" or (isinstance(principal, dict) and (
            principal.get("AWS") == "*" or principal.get("Service") == "cloudfront.amazonaws.com"))
        if statement.get("Effect") != "Allow" or not readers or not (
                {"s3:GetObject", "s3:*"} & set(actions)):
            continue
        resources = statement.get("Resource")
        for resource in resources if isinstance(resources, list) else [resources]:
            bucket, _, pattern = str(resource).removeprefix("arn:aws:s3:::").partition("/")
            if pattern:
                stack.public_prefixes.setdefault(bucket, []).append(pattern.rstrip("*"))


# CloudFormation's names of a CORS rule's fields -> the S3 API's (PutBucketCors).
_CORS_FIELDS = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {_CORS_FIELDS.get(name, name): value for name, value in rule.items()}
