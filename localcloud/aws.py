"""The local cloud's AWS services: moto in server mode, provisioned from the stack.

moto runs in this process (a werkzeug server thread), not as a subprocess, for three reasons:
its Lambda backend must hand invocations (Step Functions tasks, handlers' `lambda.invoke`,
EventBridge rules' function targets) to our runtime instead of Docker; SES sends and SNS
publishes must reach the outbox as they happen, without polling; and the /_local page reads
queue depths and execution histories straight from moto's backends without an HTTP round trip.
The price is a handful of small monkeypatches, all installed by `_install_hooks`, and one moto
state per process: clouds running side by side in one process share it (see `_active`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email
import email.policy
import io
import json
import logging
import os
import threading
import uuid
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from localcloud.template import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from localcloud.cloud import LocalCloud

LAMBDA_ROLE = "localcloud-lambda"
# Browsers upload straight to S3 with presigned PUT/POST; a bucket without CORS rules of its
# own gets these, like the permissive rules a dev stack would set.
DEFAULT_BUCKET_CORS = [{
    "AllowedOrigins": ["*"],
    "AllowedMethods": ["GET", "PUT", "POST", "HEAD", "DELETE"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3000,
}]
# The Step Functions interpreter calls Lambda through its own boto3 client, whose access key is
# hard-coded to "ak"; that is how an invocation from a state machine is told from a handler's.
_STEPFUNCTIONS_CREDENTIAL = "Credential=ak/"

# The running clouds, oldest first. moto's state is per process, so clouds running at once
# (a session-wide cloud and a test's own) share it: an invocation goes to the newest cloud
# that has the function, a sent email to every cloud's outbox.
_active: list[AwsServices] = []
_saved_settings: dict[str, Any] = {}  # moto's settings before the first cloud started
_hooks_lock = threading.Lock()
_hooks_installed: set[str] = set()  # hook groups patched into moto so far


def _restore_settings() -> None:
    from moto.core.config import default_user_config

    if "config" in _saved_settings:
        default_user_config.clear()
        default_user_config.update(_saved_settings["config"])  # type: ignore[typeddict-item]
    port = _saved_settings.get("port")
    if port is None:
        os.environ.pop("MOTO_PORT", None)
    else:
        os.environ["MOTO_PORT"] = port
    _saved_settings.clear()


def _dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _function_name(name_or_arn: str) -> str:
    """`name`, `name:alias`, `123456789012:function:name` or a full ARN -> `name`."""
    if ":function:" in name_or_arn:
        name_or_arn = name_or_arn.split(":function:", 1)[1]
    return name_or_arn.split(":", 1)[0]


def _install_hooks(*, stepfunctions: bool) -> None:
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
    from moto.sns.models import SNSBackend, Subscription

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

    # SES: every accepted message goes to the outbox (moto keeps it in sent_messages too).
    for method in ("send_email", "send_templated_email", "send_raw_email",
                   "send_bulk_templated_email"):
        original_send = getattr(SESBackend, method)

        def send(self: Any, *args: Any, _original: Any = original_send, **kwargs: Any) -> Any:
            message = _original(self, *args, **kwargs)
            for services in list(_active):
                services.record_email(self, message)
            return message

        setattr(SESBackend, method, send)

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
        return original_start_execution(self, state_machine_arn, name, *args, **kwargs)

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


class LocalClients:
    """boto3 clients against the local services, one per service, built on first use.

    Built lazily because each costs tens of milliseconds; shared across threads, which boto3
    clients allow once built.
    """

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str) -> Any:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                import boto3

                env = self.cloud.aws_env
                client = self._clients[service] = boto3.client(
                    service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name=REGION,
                    aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
            return client


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


_ALREADY_EXISTS = {"EntityAlreadyExists", "BucketAlreadyOwnedByYou", "BucketAlreadyExists",
                   "ResourceConflictException", "ResourceAlreadyExistsException",
                   "StateMachineAlreadyExists", "QueueAlreadyExists", "QueueNameExists"}


def _unless_exists(create: Any) -> bool:
    """Run `create()`; True when the resource was already there (another cloud made it)."""
    from botocore.exceptions import ClientError

    try:
        create()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _ALREADY_EXISTS:
            raise
        return True
    return False


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class AwsServices:
    """moto on `cloud.aws_port` holding the stack's queues, buckets, state machines and more."""

    name = "aws"

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.host = cloud.config.host
        self.port = cloud.aws_port
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None
        self.client = LocalClients(cloud)

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await asyncio.to_thread(self._serve)
        _active.append(self)
        try:
            await asyncio.to_thread(self._provision)
        except BaseException:
            await self.stop()
            raise
        self.cloud.status["queues"] = self.queue_status
        self.cloud.status["executions"] = self.execution_status
        self.cloud.status["outbox"] = self.outbox_status

    def _serve(self) -> None:
        from moto.core.config import default_user_config
        from moto.moto_api._internal.models import moto_api_backend
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        _install_hooks(stepfunctions=bool(self.cloud.stack.state_machines))
        if not _active:
            # Put back when the last cloud stops: tests using mock_aws later in the same
            # process must get moto as configured by default.
            _saved_settings.update(config=dict(default_user_config),
                                   port=os.environ.get("MOTO_PORT"))
            moto_api_backend.reset()  # a fresh account, as a fresh `make dev` would have
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        default_user_config["lambda"] = {"use_docker": False}
        # The Step Functions interpreter reaches the other services at localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server(self.host, self.port, DomainDispatcherApplication(create_backend_app),
                             threaded=True, request_handler=MotoRequestHandler)
        # Stopping must not wait for consumers' 20 s long polls to return.
        server.block_on_close = False  # type: ignore[attr-defined]
        server.daemon_threads = True  # type: ignore[attr-defined]
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
        self.thread.start()

    async def stop(self) -> None:
        for key in ("queues", "executions", "outbox"):
            self.cloud.status.pop(key, None)
        if self in _active:
            _active.remove(self)
            if _active:
                if os.environ.get("MOTO_PORT") == str(self.port):
                    os.environ["MOTO_PORT"] = str(_active[-1].port)  # reachable for the others
            else:
                _restore_settings()
        server, self.server = self.server, None
        if server is not None:
            await asyncio.to_thread(server.shutdown)
            server.server_close()
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, 5)

    # ------------------------------------------------------------ provisioning

    def _provision(self) -> None:
        """Create the stack's resources; those another running cloud made are taken over."""
        stack = self.cloud.stack
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/{LAMBDA_ROLE}"
        threading.Thread(target=self._provision_functions, args=(role,), daemon=True,
                         name="moto-functions").start()
        self._provision_queues()
        s3 = self.client("s3")
        for bucket in stack.buckets.values():
            _unless_exists(lambda name=bucket.name: s3.create_bucket(Bucket=name))
            s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={
                "CORSRules": bucket.cors or DEFAULT_BUCKET_CORS})
        sns = self.client("sns")
        for topic in stack.topics.values():
            sns.create_topic(Name=topic)
        for source in stack.sns_sources:
            function = stack.functions.get(source.function)
            if function is None:
                continue
            attributes = {}
            if source.filter_policy:
                attributes = {"FilterPolicy": json.dumps(source.filter_policy),
                              "FilterPolicyScope": source.filter_policy_scope}
            sns.subscribe(TopicArn=source.topic_arn, Protocol="lambda",
                          Endpoint=function.arn, Attributes=attributes)
        events = self.client("events")
        for bus in stack.event_buses.values():
            _unless_exists(lambda bus=bus: events.create_event_bus(Name=bus))
        for rule in stack.event_rules:
            function = stack.functions.get(rule.function)
            if function is None:
                continue  # left out of this stack by a condition
            events.put_rule(Name=rule.name, EventBusName=rule.bus,
                            EventPattern=json.dumps(rule.pattern))
            target: dict[str, Any] = {"Id": rule.function[:64],
                                      "Arn": function.arn}
            if rule.input is not None:
                target["Input"] = (rule.input if isinstance(rule.input, str)
                                   else json.dumps(rule.input))
            events.put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=[target])
        ses = self.client("ses")
        for identity in self._email_identities():
            if "@" in identity:
                ses.verify_email_identity(EmailAddress=identity)
            else:
                ses.verify_domain_identity(Domain=identity)
        sfn = self.client("stepfunctions")
        for machine in stack.state_machines.values():
            definition = json.dumps(machine.definition)
            if _unless_exists(lambda machine=machine, definition=definition:
                              sfn.create_state_machine(name=machine.name, definition=definition,
                                                       roleArn=role, type=machine.type)):
                sfn.update_state_machine(stateMachineArn=machine.arn, definition=definition)

    def _provision_functions(self, role: str) -> None:
        """Show the functions in moto's Lambda (list_functions, get_function), off the start path.

        Invocations do not need them: the hook finds a function in the stack. Registering
        them costs most of a second, which `make dev` and each test's cloud would wait for.
        """
        try:
            _unless_exists(lambda: self.client("iam").create_role(
                RoleName=LAMBDA_ROLE, AssumeRolePolicyDocument=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                   "Principal": {"Service": ["lambda.amazonaws.com",
                                                             "states.amazonaws.com"]}}],
                })))
            code = _dummy_zip()
            lambda_client = self.client("lambda")
            for function in self.cloud.stack.functions.values():
                if self.server is None:
                    return  # stopped meanwhile
                _unless_exists(lambda function=function: lambda_client.create_function(
                    FunctionName=function.name, Runtime=function.runtime, Role=role,
                    Handler=function.handler, Code={"ZipFile": code},
                    Timeout=int(function.timeout), MemorySize=function.memory))
        except Exception as error:  # noqa: BLE001 - a cloud stopping under us; nothing is lost
            if self.server is not None:
                print(f"[localcloud] registering functions in moto failed: {error!r}", flush=True)

    def _provision_queues(self) -> None:
        sqs = self.client("sqs")
        queues = self.cloud.stack.queues
        # Dead-letter queues first: a redrive policy names an existing queue's ARN.
        ordered = sorted(queues.values(), key=lambda q: q.dead_letter_queue is not None)
        for queue in ordered:
            attributes = {"VisibilityTimeout": str(queue.visibility_timeout),
                          "MessageRetentionPeriod": str(queue.retention)}
            if queue.fifo:
                attributes["FifoQueue"] = "true"
            if queue.dead_letter_queue and queue.dead_letter_queue in queues:
                dlq = queues[queue.dead_letter_queue]
                attributes["RedrivePolicy"] = json.dumps({
                    "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq.name}",
                    "maxReceiveCount": queue.max_receive_count or 10,
                })
            if _unless_exists(lambda name=queue.name, attributes=attributes:
                              sqs.create_queue(QueueName=name, Attributes=attributes)):
                attributes.pop("FifoQueue", None)  # fixed at creation
                sqs.set_queue_attributes(
                    QueueUrl=f"{self.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}/{queue.name}",
                    Attributes=attributes)

    def _email_identities(self) -> list[str]:
        """Template identities plus the sender addresses functions are configured with."""
        identities = list(self.cloud.stack.email_identities)
        for function in self.cloud.stack.functions.values():
            for key, value in function.environment.items():
                if ("EMAIL" in key or "SENDER" in key) and "@" in value and " " not in value:
                    identities.append(email.utils.parseaddr(value)[1] or value)
        return sorted(set(identities))

    # ------------------------------------------------------------ hooks (moto's threads)

    def invoke_from_moto(self, name: str, body: Any, headers: Any,
                         response_headers: dict[str, Any]) -> bytes:
        from localcloud.runtime import FunctionError

        runtime = self.cloud.runtime
        assert runtime is not None and runtime.loop is not None
        if isinstance(body, bytes):
            body = body.decode()
        event = json.loads(body) if body else {}
        authorization = str(headers.get("Authorization") or headers.get("authorization") or "")
        source = "stepfunctions" if _STEPFUNCTIONS_CREDENTIAL in authorization else "lambda"
        invocation_type = (headers.get("X-Amz-Invocation-Type")
                           or headers.get("x-amz-invocation-type") or "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            self.invoke_async(name, event, source)
            return b""
        try:
            value = runtime.invoke_threadsafe(name, event, source=source)
        except FunctionError as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error.payload()).encode()
        return json.dumps(value).encode()

    def invoke_async(self, name: str, event: Any, source: str) -> None:
        """Invoke without waiting, as AWS does for async invokes and EventBridge; any thread."""
        runtime = self.cloud.runtime
        if runtime is not None and runtime.loop is not None:
            asyncio.run_coroutine_threadsafe(self._invoke_event(name, event, source),
                                             runtime.loop)

    async def _invoke_event(self, name: str, event: Any, source: str) -> None:
        from localcloud.runtime import FunctionError

        assert self.cloud.runtime is not None
        # Recorded as a failed invocation; an asynchronous invoke has no caller to tell.
        with contextlib.suppress(FunctionError):
            await self.cloud.runtime.invoke(name, event, source=source)

    def record_email(self, backend: Any, message: Any) -> None:
        try:
            entry = _email_entry(backend, message)
        except Exception as error:  # noqa: BLE001 - the outbox must never fail a send
            entry = {"channel": "email", "id": getattr(message, "id", None),
                     "from": getattr(message, "source", None), "error": repr(error)}
        self.cloud.recorder.record("outbox", entry)

    def record_publish(self, message_id: str, message: str, arn: str | None,
                       phone_number: str | None, subject: str | None) -> None:
        if phone_number:
            channel, target = "sms", phone_number
        elif arn and ":endpoint/" in arn:
            channel, target = "push", arn
        else:
            channel, target = "topic", arn or ""
        self.cloud.recorder.record("outbox", {"channel": channel, "id": message_id,
                                              "to": target, "subject": subject,
                                              "body": message})

    def record_execution(self, execution: Any, phase: str) -> None:
        try:
            row = _execution_row(execution)
        except Exception as error:  # noqa: BLE001 - recording must not break the interpreter
            row = {"arn": getattr(execution, "exec_arn", None), "error": repr(error)}
        self.cloud.recorder.record("execution", {"phase": phase, **row})

    # ------------------------------------------------------------ /_local snapshots

    def queue_status(self) -> list[dict[str, Any]]:
        from moto.sqs.exceptions import QueueDoesNotExist
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[ACCOUNT_ID][REGION]
        queues = self.cloud.stack.queues
        base = f"{self.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}"
        rows = []
        for queue in queues.values():
            try:
                moto_queue = backend.get_queue(queue.name)
            except QueueDoesNotExist:  # deleted by a handler
                continue
            row: dict[str, Any] = {
                "name": queue.name, "logical_id": queue.logical_id, "url": f"{base}/{queue.name}",
                "fifo": queue.fifo,
                "visible": moto_queue.approximate_number_of_messages,
                "in_flight": moto_queue.approximate_number_of_messages_not_visible,
                "delayed": moto_queue.approximate_number_of_messages_delayed,
                "dlq": None, "dlq_depth": None, "max_receive_count": queue.max_receive_count,
            }
            dlq = queues.get(queue.dead_letter_queue or "")
            if dlq is not None:
                row["dlq"] = dlq.name
                with contextlib.suppress(QueueDoesNotExist):
                    row["dlq_depth"] = backend.get_queue(dlq.name).approximate_number_of_messages
            rows.append(row)
        return rows

    def execution_status(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest executions of the stack's state machines, each with its history."""
        if not self.cloud.stack.state_machines:
            return []  # and no import of moto's interpreter, which takes seconds
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        backend = stepfunctions_parser_backends[ACCOUNT_ID][REGION]
        executions = sorted(backend._get_executions(), key=lambda e: e.start_date,
                            reverse=True)[:limit]
        return [_execution_row(execution) for execution in executions]

    async def start_execution(self, state_machine: str, payload: Any = None) -> str:
        """Start a state machine (by logical id or name) on `payload`; the execution's ARN."""
        machines = self.cloud.stack.state_machines
        machine = machines.get(state_machine) or next(
            (m for m in machines.values() if m.name == state_machine), None)
        if machine is None:
            raise LookupError(f"no state machine named {state_machine!r}")
        response = await asyncio.to_thread(
            lambda: self.client("stepfunctions").start_execution(
                stateMachineArn=machine.arn, input=json.dumps({} if payload is None else payload)))
        return str(response["executionArn"])

    def outbox_status(self, limit: int = 50) -> list[dict[str, Any]]:
        """Emails (SES) and pushes, SMS and topic messages (SNS), newest first."""
        return self.cloud.recorder.recent("outbox", limit)[::-1]


def _email_entry(backend: Any, message: Any) -> dict[str, Any]:
    """An SES message as the outbox shows it: who, to whom, subject and text."""
    entry: dict[str, Any] = {"channel": "email", "from": message.source, "cc": [], "bcc": []}
    if hasattr(message, "ids"):  # send_bulk_templated_email: one id per destination
        entry["id"] = message.ids[0] if message.ids else None
        entry["ids"] = list(message.ids)
    else:
        entry["id"] = message.id
    destinations = message.destinations
    if hasattr(message, "raw_data"):
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain", "html"))
        entry.update(to=list(destinations), subject=str(parsed.get("Subject", "")),
                     body=body.get_content() if body is not None else "")
        return entry
    if isinstance(destinations, list):  # bulk: [{"Destination": {...}}, ...]
        destinations = {"ToAddresses": [address for item in destinations
                                        for address in item["Destination"].get("ToAddresses", [])]}
    entry.update(to=list(destinations.get("ToAddresses", [])),
                 cc=list(destinations.get("CcAddresses", [])),
                 bcc=list(destinations.get("BccAddresses", [])))
    if hasattr(message, "template"):
        from moto.ses.template import parse_template

        data = json.loads(message.template_data or "{}")
        data = data if isinstance(data, dict) else {}
        template = backend.templates.get(message.template) or {}
        entry.update(template=message.template, template_data=data,
                     subject=parse_template(str(template.get("subject_part") or ""), data),
                     body=parse_template(str(template.get("text_part")
                                             or template.get("html_part") or ""), data))
    else:
        entry.update(subject=message.subject, body=message.body)
    return entry


def _execution_row(execution: Any) -> dict[str, Any]:
    status = getattr(execution.exec_status, "value", execution.exec_status)
    try:
        events = execution.to_history_output().get("events", [])
    except Exception:  # noqa: BLE001 - history of a starting execution
        events = []
    return {
        "arn": execution.exec_arn, "name": execution.name,
        "state_machine": execution.state_machine_arn.rsplit(":", 1)[-1],
        "status": str(status or "RUNNING"),
        "started_at": _iso(execution.start_date), "stopped_at": _iso(execution.stop_date),
        "input": _json_value(execution.input_data), "output": _json_value(execution.output),
        "error": execution.error, "cause": execution.cause,
        "history": [_history_event(event) for event in events],
    }


def _json_value(value: Any) -> Any:
    """moto keeps an execution's input as JSON text and its output as text or parsed JSON."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _history_event(event: dict[str, Any]) -> dict[str, Any]:
    """One history event, flattened to what the page shows: type, state, time."""
    row: dict[str, Any] = {"id": event.get("id"), "type": event.get("type"),
                           "timestamp": _iso(event.get("timestamp"))}
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict):
            if "name" in details:
                row["state"] = details["name"]
            if "error" in details:
                row["error"] = details["error"]
    return row

