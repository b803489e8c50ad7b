"""The local cloud's AWS services: moto in server mode on `cloud.aws_port`, provisioned from
the stack, handing invocations to the local runtime and sent messages to the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from localcloud.aws import moto_hooks, retention, s3_front, ses_feedback
from localcloud.aws.clients import LocalClients
from localcloud.aws.console_views import email_entry, execution_row, execution_rows, queue_rows
from localcloud.aws.provisioning import provision, register_functions
from localcloud.template.account import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from localcloud.cloud import LocalCloud

# The Step Functions interpreter calls Lambda through its own boto3 client, whose access key is
# hard-coded to "ak"; that is how an invocation from a state machine is told from a handler's.
_STEPFUNCTIONS_CREDENTIAL = "Credential=ak/"


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
        moto_hooks.activate(self)
        try:
            await asyncio.to_thread(self._provision)
        except BaseException:
            await self.stop()
            raise
        self.cloud.status["queues"] = self.queue_status
        self.cloud.status["executions"] = self.execution_status
        self.cloud.status["outbox"] = self.outbox_status

    def _serve(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        moto_hooks.attach(self, self.port)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # S3's checks moto lacks (presigned POST policies, private objects) sit in front of it.
        app = s3_front.S3Front(DomainDispatcherApplication(create_backend_app), self._bucket_rules)
        # A port the cloud already listens on (calls made before moto served it wait in its
        # backlog), else bound here.
        listener = self.cloud.aws_listener
        server = make_server(self.host, self.port, app, threaded=True,
                             request_handler=MotoRequestHandler,
                             fd=listener.fileno() if listener is not None else None)
        # Stopping must not wait for consumers' 20 s long polls to return.
        server.block_on_close = False  # type: ignore[attr-defined]
        server.daemon_threads = True  # type: ignore[attr-defined]
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
        self.thread.start()

    def _bucket_rules(self) -> dict[str, tuple[bool, list[str]]]:
        """The stack's buckets: {name: (blocks public access, prefixes a CDN may read)}."""
        stack = self.cloud.stack
        return {bucket.name: (bucket.private, stack.public_prefixes.get(bucket.name, []))
                for bucket in stack.buckets.values()}

    async def stop(self) -> None:
        for key in ("queues", "executions", "outbox"):
            self.cloud.status.pop(key, None)
        moto_hooks.detach(self, self.port)
        server, self.server = self.server, None
        if server is not None:
            await asyncio.to_thread(server.shutdown)
            server.server_close()
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, 5)

    def _provision(self) -> None:
        """Create the stack's resources; those another running cloud made are taken over."""
        stack = self.cloud.stack
        threading.Thread(target=register_functions, daemon=True, name="moto-functions",
                         args=(stack, self.client, lambda: self.server is not None)).start()
        provision(stack, self.client, self.cloud.endpoints.aws_endpoint)

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
            entry = email_entry(backend, message)
        except Exception as error:  # noqa: BLE001 - the outbox must never fail a send
            entry = {"channel": "email", "id": getattr(message, "id", None),
                     "from": getattr(message, "source", None), "error": repr(error)}
        self.cloud.recorder.record("outbox", entry)

    def simulate_email_feedback(self, message: Any, configuration_set: str | None) -> None:
        """Publish the bounce or complaint a send to SES's mailbox simulator gets in AWS."""
        from moto.sns.models import sns_backends

        destinations = message.destinations
        if isinstance(destinations, dict):
            destinations = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses")
                            for a in destinations.get(key, [])]
        elif destinations and isinstance(destinations[0], dict):  # bulk
            destinations = [a for item in destinations
                            for a in item["Destination"].get("ToAddresses", [])]
        published = ses_feedback.events(self.cloud.stack, configuration_set,
                                        str(message.source), [str(d) for d in destinations],
                                        str(getattr(message, "id", "")))
        backend = sns_backends[ACCOUNT_ID][REGION]
        for topic_arn, body in published:
            try:
                backend.publish(body, arn=topic_arn)
            except Exception as error:  # noqa: BLE001 - the send itself succeeded
                print(f"[localcloud] SES feedback to {topic_arn} failed: {error!r}", flush=True)

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
            row = execution_row(execution)
        except Exception as error:  # noqa: BLE001 - recording must not break the interpreter
            row = {"arn": getattr(execution, "exec_arn", None), "error": repr(error)}
        self.cloud.recorder.record("execution", {"phase": phase, **row})
        if phase == "finished":
            config = self.cloud.config
            retention.prune(execution.state_machine_arn, retention.Retention(
                config.executions_kept, config.executions_max_age_s))

    # ------------------------------------------------------------ /_local snapshots

    def queue_status(self) -> list[dict[str, Any]]:
        return queue_rows(self.cloud.stack, self.cloud.endpoints.aws_endpoint)

    def execution_status(self, limit: int = 20) -> list[dict[str, Any]]:
        return execution_rows(self.cloud.stack, limit)

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
