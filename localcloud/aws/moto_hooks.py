"""The moto internals the local cloud overrides, and the registry of running clouds they serve.

moto runs in this process (a werkzeug server thread), not as a subprocess, for three reasons:
its Lambda backend must hand invocations (Step Functions tasks, handlers' `lambda.invoke`,
EventBridge rules' function targets) to our runtime instead of Docker; SES sends and SNS
publishes must reach the outbox as they happen, without polling; and the /_local page reads
queue depths and execution histories straight from moto's backends without an HTTP round trip.
The price is a handful of small monkeypatches, all installed by `install_hooks`, and one moto
state per process: clouds running side by side in one process share it (see `_active`).

moto must stay pinned to its minor: these hooks name its internals.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from localcloud.aws import connections
from localcloud.template.account import REGION

if TYPE_CHECKING:
    from localcloud.aws.services import AwsServices

# The running clouds, oldest first. moto's state is per process, so clouds running at once
# (a session-wide cloud and a test's own) share it: an invocation goes to the newest cloud
# that has the function, a sent email to every cloud's outbox.
_active: list[AwsServices] = []
_saved_settings: dict[str, Any] = {}  # moto's settings before the first cloud started
_hooks_lock = threading.Lock()
_hooks_installed: set[str] = set()  # hook groups patched into moto so far
_ses_request = threading.local()  # the configuration set the SES request being served names


def attach(services: AwsServices, port: int) -> None:
    """Configure moto for a cloud about to serve on `port` (the first one resets moto)."""
    from moto.core.config import default_user_config
    from moto.moto_api._internal.models import moto_api_backend

    install_hooks(stepfunctions=bool(services.cloud.stack.state_machines))
    if not _active:
        # Put back when the last cloud stops: tests using mock_aws later in the same
        # process must get moto as configured by default.
        _saved_settings.update(config=dict(default_user_config),
                               port=os.environ.get("MOTO_PORT"))
        moto_api_backend.reset()  # a fresh account, as a fresh `make dev` would have
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    default_user_config["lambda"] = {"use_docker": False}
    # The Step Functions interpreter reaches the other services at localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)


def activate(services: AwsServices) -> None:
    """From now on the hooks hand `services` what its stack owns."""
    _active.append(services)


def detach(services: AwsServices, port: int) -> None:
    """The cloud stopped: the others keep moto; after the last, moto is as it was."""
    if services not in _active:
        return
    _active.remove(services)
    if _active:
        if os.environ.get("MOTO_PORT") == str(port):
            os.environ["MOTO_PORT"] = str(_active[-1].port)  # reachable for the others
    else:
        _restore_settings()


def _restore_settings() -> None:
    from moto.core.config import default_user_config

    if "config" in _saved_settings:
        default_user_config.clear()  # type: ignore[attr-defined]  # a TypedDict to mypy
        default_user_config.update(_saved_settings["config"])
    port = _saved_settings.get("port")
    if port is None:
        os.environ.pop("MOTO_PORT", None)
    else:
        os.environ["MOTO_PORT"] = port
    _saved_settings.clear()


def _function_name(name_or_arn: str) -> str:
    """`name`, `name:alias`, `123456789012:function:name` or a full ARN -> `name`."""
    if ":function:" in name_or_arn:
        name_or_arn = name_or_arn.split(":function:", 1)[1]
    return name_or_arn.split(":", 1)[0]


def install_hooks(*, stepfunctions: bool) -> None:
    """Patch moto once per process; each hook falls back to moto's behaviour when no cloud runs.

    The Step Functions hooks only when a stack has state machines: importing moto's
    interpreter takes seconds, most of a start without them.
    """
    with _hooks_lock:
        groups = ({"core", "stepfunctions"} if stepfunctions else {"core"}) - _hooks_installed
        if "core" in groups:
            _install_core_hooks()
        if "stepfunctions" in groups:
            _install_stepfunctions_hooks()
        _hooks_installed.update(groups)


def _install_core_hooks() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.events.models import Rule
    from moto.ses.models import SESBackend
    from moto.ses.responses import EmailResponse
    from moto.sns.models import SNSBackend, Subscription

    # @connections: moto's fake would accept every post and deliver none; ours reach the gateway.
    connections.install(_owner, lambda: bool(_active))
    # Lambda: moto would run the zip in Docker (or echo the payload); ours runs the handler.
    for backend_class in (LambdaBackend, LambdaSimpleBackend):
        original_invoke = backend_class.invoke

        def invoke(self: Any, function_name: str, qualifier: str | None, body: Any,
                   headers: Any, response_headers: Any, _original: Any = original_invoke) -> Any:
            name = _function_name(function_name)
            services = _owner(lambda s: s.cloud.stack.function_by_name(name) is not None)
            if services is None:
                return _original(self, function_name, qualifier, body, headers, response_headers)
            return services.invoke_from_moto(name, body, headers or {}, response_headers)

        backend_class.invoke = invoke  # type: ignore[method-assign]

    # SES: every accepted message goes to the outbox (moto keeps it in sent_messages too), and
    # a send to the mailbox simulator through a configuration set publishes its bounce or
    # complaint (localcloud.aws.ses_feedback). moto's responses drop ConfigurationSetName before
    # the backend: the response method keeps it for the backend call it makes in its thread.
    for method in ("send_email", "send_templated_email", "send_raw_email",
                   "send_bulk_templated_email"):
        original_send = getattr(SESBackend, method)

        def send(self: Any, *args: Any, _original: Any = original_send, **kwargs: Any) -> Any:
            message = _original(self, *args, **kwargs)
            for services in list(_active):
                services.record_email(self, message)
                services.simulate_email_feedback(message,
                                                 getattr(_ses_request, "configuration_set", None))
            return message

        setattr(SESBackend, method, send)

        original_response = getattr(EmailResponse, method)

        def respond(self: Any, _original: Any = original_response) -> Any:
            _ses_request.configuration_set = self._get_param("ConfigurationSetName")
            try:
                return _original(self)
            finally:
                _ses_request.configuration_set = None

        setattr(EmailResponse, method, respond)

    original_publish = SNSBackend.publish

    def publish(self: Any, message: str, arn: str | None, phone_number: str | None = None,
                subject: str | None = None, *args: Any, **kwargs: Any) -> str:
        message_id = original_publish(self, message, arn, phone_number, subject, *args, **kwargs)
        for services in list(_active):
            services.record_publish(message_id, message, arn, phone_number, subject)
        return message_id

    SNSBackend.publish = publish  # type: ignore[method-assign]

    # SNS -> Lambda: moto would call its Lambda with a canned event (fixed message id, test
    # attributes); ours gets the notification as SNS sends it, asynchronously as SNS invokes.
    original_deliver = Subscription.publish

    def deliver(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any,
                **kwargs: Any) -> None:
        name = _function_name(self.endpoint) if self.protocol == "lambda" else ""
        services = _owner(lambda s: s.cloud.stack.function_by_name(name) is not None) if name \
            else None
        if services is None:
            original_deliver(self, message, message_id, subject, message_attributes, *args,
                             **kwargs)
            return
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        if kwargs.get("message_structure") == "json" or (len(args) > 2 and args[2] == "json"):
            message = self._parse_message_structure(message, "lambda")
        services.invoke_async(name, _sns_event(self, message, message_id, subject,
                                               message_attributes), "sns")

    Subscription.publish = deliver  # type: ignore[method-assign]

    # EventBridge: moto delivers to queues, logs and buses (and refuses functions); a function
    # target is ours to call.
    original_send_to_targets = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        functions = [t for t in self.targets if ":function:" in str(t.get("Arn", ""))]
        if len(functions) < len(self.targets):
            others = copy.copy(self)  # shallow: moto's rule stays as it is for other threads
            others.targets = [t for t in self.targets if t not in functions]
            original_send_to_targets(others, original_event, transform_input)
        if not _active or not self.event_pattern.matches_event(original_event):
            return
        for target in functions:
            name = _function_name(target["Arn"])
            services = _owner(lambda s, name=name: s.cloud.stack.function_by_name(name) is not None)
            if services is not None:
                event = json.loads(target["Input"]) if target.get("Input") else original_event
                services.invoke_async(name, event, "eventbridge")

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def _install_stepfunctions_hooks() -> None:
    from moto.stepfunctions.parser.backend.execution import (
        BaseExecutionWorkerCommunication,
        Execution,
    )
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    # moto's interpreter names an unnamed execution "None", so a second one "already exists";
    # AWS names it with a UUID.
    original_start_execution = StepFunctionsParserBackend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: str | None = None,
                        *args: Any, **kwargs: Any) -> Any:
        if name is None and _active:
            name = str(uuid.uuid4())
        # Without a cloud running, moto's own behaviour: None included.
        return original_start_execution(self, state_machine_arn, name,  # type: ignore[arg-type]
                                        *args, **kwargs)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]

    original_start = Execution.start

    def start(self: Any) -> None:
        original_start(self)
        _record_execution(self, "started")

    Execution.start = start  # type: ignore[method-assign]

    original_terminated = BaseExecutionWorkerCommunication.terminated

    def terminated(self: Any) -> None:
        original_terminated(self)
        _record_execution(self.execution, "finished")

    BaseExecutionWorkerCommunication.terminated = terminated  # type: ignore[method-assign]


def _sns_event(subscription: Any, message: str, message_id: str, subject: str | None,
               attributes: dict[str, Any] | None) -> dict[str, Any]:
    """A notification as SNS hands it to a Lambda subscriber."""
    base = f"https://sns.{REGION}.amazonaws.com"
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "Sns": {
            "Type": "Notification", "MessageId": message_id, "TopicArn": subscription.topic.arn,
            "Subject": subject, "Message": message,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "SignatureVersion": "1", "Signature": "LOCALCLOUD",
            "SigningCertUrl": f"{base}/SimpleNotificationService-local.pem",
            "UnsubscribeUrl": f"{base}/?Action=Unsubscribe&SubscriptionArn={subscription.arn}",
            "MessageAttributes": {
                name: {"Type": value.get("DataType") or value.get("Type", "String"),
                       "Value": value.get("StringValue", value.get("Value"))}
                for name, value in (attributes or {}).items()},
        },
    }]}


def _owner(owns: Any) -> AwsServices | None:
    """The newest running cloud for which `owns(services)` holds."""
    return next((services for services in reversed(_active) if owns(services)), None)


def _record_execution(execution: Any, phase: str) -> None:
    machine = execution.state_machine_arn.rsplit(":", 1)[-1]
    owner = _owner(lambda s: any(m.name == machine for m in s.cloud.stack.state_machines.values()))
    for services in [owner] if owner is not None else list(_active):
        services.record_execution(execution, phase)

