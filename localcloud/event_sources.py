"""Event sources: what makes Lambda call a function without a client asking.

SQS queues are long-polled as Lambda's pollers do (batch size, batching window, partial batch
failures, the queue's own redrive to its DLQ); S3 notifications reach each function through an
internal queue moto fills (so moto applies the event and key filters, and the upload returns
before the handler runs, as on AWS); schedules fire on their rate or cron, and on demand.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote_plus, unquote_plus

from localcloud.aws.clients import LocalClients
from localcloud.runtime import FunctionError
from localcloud.template.account import ACCOUNT_ID, REGION
from localcloud.template.stack import QueueSpec, S3EventSource, ScheduleSpec, SqsEventSource

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

T = TypeVar("T")

LONG_POLL_SECONDS = 20  # what Lambda's pollers use
S3_ATTEMPTS = 3  # an asynchronous invocation is retried twice
S3_RETRY_SECONDS = 2  # AWS waits a minute, then two; locally a retry should be seen quickly


def in_thread(function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run a blocking call in a daemon thread.

    Not the default executor: its threads are joined at interpreter exit, and a consumer sits
    in a 20 s long poll, which would hold Ctrl-C of `make dev` for that long.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = function(*args), None
        except BaseException as raised:  # noqa: BLE001 - handed to the awaiting task
            result, error = None, raised
        # The loop may have closed while this call was out: then nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, daemon=True, name="localcloud-poll").start()
    return future


# ---------------------------------------------------------------- schedule expressions

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {name.upper(): number for name, number in _MONTHS.items()}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")


class ScheduleError(ValueError):
    pass


def _values(field_text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The numbers a cron field (`*`, `a-b`, `a/b`, `a,b`, names) allows."""
    result: set[int] = set()
    for part in field_text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(part, names)
            end = high if step != 1 else start
        if not (low <= start <= high and low <= end <= high) or step < 1:
            raise ScheduleError(f"{field_text!r} is outside {low}-{high}")
        result.update(range(start, end + 1, step))
    return result


def _number(text: str, names: dict[str, int] | None) -> int:
    text = text.upper()
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not a number")
    return int(text)


@dataclass
class Cron:
    """EventBridge's six-field cron (minutes hours day-of-month month day-of-week year), UTC."""

    minutes: set[int]
    hours: set[int]
    day_of_month: str
    months: set[int]
    day_of_week: str
    years: set[int]

    @classmethod
    def parse(cls, text: str) -> Cron:
        fields = text.split()
        if len(fields) != 6:
            raise ScheduleError(f"cron({text}) needs 6 fields")
        minutes, hours, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleError("one of day-of-month and day-of-week must be '?'")
        return cls(
            minutes=_values(minutes, 0, 59), hours=_values(hours, 0, 23), day_of_month=dom.upper(),
            months=_values(month, 1, 12, _MONTHS), day_of_week=dow.upper(),
            years=_values(year, 1970, 2199),
        )

    def _day_matches(self, day: datetime) -> bool:
        last_day = calendar.monthrange(day.year, day.month)[1]
        if self.day_of_month != "?":
            text = self.day_of_month
            if text == "L":
                return day.day == last_day
            if text.endswith("W"):
                return day == _nearest_weekday(day.replace(day=min(int(text[:-1]), last_day)))
            return day.day in _values(text, 1, 31)
        text = self.day_of_week
        weekday = (day.isoweekday() % 7) + 1  # SUN=1 ... SAT=7
        if "#" in text:
            wanted, nth = text.split("#", 1)
            return weekday == _number(wanted, _WEEKDAYS) and (day.day - 1) // 7 + 1 == int(nth)
        if text.endswith("L") and text != "L":
            return weekday == _number(text[:-1], _WEEKDAYS) and day.day + 7 > last_day
        return weekday in _values("7" if text == "L" else text, 1, 7, _WEEKDAYS)

    def next_after(self, moment: datetime) -> datetime:
        """The first minute strictly after `moment` the expression fires."""
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 5):
            if (day.year in self.years and day.month in self.months
                    and self._day_matches(day)):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ScheduleError("the expression never fires in the next five years")


def _nearest_weekday(day: datetime) -> datetime:
    last_day = calendar.monthrange(day.year, day.month)[1]
    if day.weekday() == 5:  # Saturday -> Friday, unless that leaves the month
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    if day.weekday() == 6:  # Sunday -> Monday, unless that leaves the month
        return day + timedelta(days=1) if day.day < last_day else day - timedelta(days=2)
    return day


def next_run(expression: str, after: datetime) -> datetime:
    """When `rate(...)` / `cron(...)` next fires after `after` (a rate counts from `after`)."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value < 1:
            raise ScheduleError("a rate must be at least 1")
        return after + timedelta(**{f"{unit}s": value})
    if expression.startswith("cron(") and expression.endswith(")"):
        return Cron.parse(expression[5:-1]).next_after(after)
    raise ScheduleError(f"not a rate(...) or cron(...) expression: {expression!r}")


# ---------------------------------------------------------------- event shapes

def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message as Lambda's SQS event record."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _lambda_message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    import base64

    attribute: dict[str, Any] = {"stringListValues": [], "binaryListValues": [],
                                 "dataType": value.get("DataType", "String")}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def s3_record(record: dict[str, Any]) -> dict[str, Any]:
    """moto's S3 notification record completed with the fields S3 also sends."""
    record = json.loads(json.dumps(record))
    record.setdefault("userIdentity", {"principalId": "AWS:LOCALCLOUD"})
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    record.setdefault("responseElements", {"x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                                           "x-amz-id-2": uuid.uuid4().hex})
    s3 = record.setdefault("s3", {})
    s3.setdefault("bucket", {}).setdefault("ownerIdentity", {"principalId": "LOCALCLOUD"})
    obj = s3.setdefault("object", {})
    obj.setdefault("sequencer", f"{time.time_ns():X}")
    # S3 form-encodes the key but keeps its slashes; moto encodes those too.
    obj["key"] = quote_plus(unquote_plus(obj.get("key", "")), safe="/")
    return record


def scheduled_event(rule: str, when: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


def failed_item_ids(response: Any, message_ids: list[str]) -> set[str]:
    """The messages a ReportBatchItemFailures response asks to keep.

    As Lambda does: no response or an empty list is complete success; a malformed response or
    an identifier that is not in the batch fails the whole batch.
    """
    if response is None or response == {} or response == "":
        return set()
    if not isinstance(response, dict):
        return set(message_ids)
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in message_ids:
            return set(message_ids)
        failed.add(identifier)
    return failed


# ---------------------------------------------------------------- the component

@dataclass
class _Consumer:
    """One queue polled on behalf of one function."""

    function: str
    queue_name: str
    batch_size: int
    batching_window: int
    report_batch_item_failures: bool
    s3: bool = False  # an internal queue carrying S3 notifications
    max_receive_count: int | None = None
    dlq_name: str | None = None
    url: str = ""
    arn: str = ""


@dataclass
class _Schedule:
    spec: ScheduleSpec
    next_run: datetime | None = None
    last_run: datetime | None = None
    last_status: str | None = None
    runs: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class EventSources:
    """SQS, S3 and schedule triggers of the stack's functions (and state machines)."""

    name = "event-sources"

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.consumers: list[_Consumer] = []
        self.schedules: dict[str, _Schedule] = {
            spec.name: _Schedule(spec) for spec in cloud.stack.schedules}
        self.tasks: list[asyncio.Task[None]] = []
        # Set first thing on stop: a long poll still out when this cloud stops must not keep
        # what it receives (see _poll).
        self.stopping = threading.Event()
        # Only from worker threads: the first use of each client builds it, which blocks.
        self.client = LocalClients(cloud)

    @property
    def sqs(self) -> Any:
        return self.client("sqs")

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        stack = self.cloud.stack
        for source in stack.sqs_sources:
            if source.enabled:
                self.consumers.append(self._sqs_consumer(source))
        if stack.s3_sources:
            self.consumers.extend(await asyncio.to_thread(self._s3_consumers, stack.s3_sources))
        for consumer in self.consumers:
            consumer.url = f"{self.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}/{consumer.queue_name}"
            consumer.arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{consumer.queue_name}"
            self.tasks.append(asyncio.create_task(self._consume(consumer),
                                                  name=f"consume {consumer.queue_name}"))
        now = datetime.now(UTC)
        for schedule in self.schedules.values():
            try:
                schedule.next_run = next_run(schedule.spec.expression, now)
            except ScheduleError as error:
                # Runs on demand only: one odd expression must not keep the rest from serving.
                print(f"[localcloud] schedule {schedule.spec.name}: {error}", flush=True)
                schedule.last_status = f"not scheduled: {error}"
                continue
            if schedule.spec.enabled:
                schedule.task = asyncio.create_task(self._run_schedule(schedule),
                                                    name=f"schedule {schedule.spec.name}")
        self.cloud.status["schedules"] = self.schedule_status

    async def stop(self) -> None:
        self.stopping.set()
        self.cloud.status.pop("schedules", None)
        tasks = self.tasks + [s.task for s in self.schedules.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()

    def _sqs_consumer(self, source: SqsEventSource) -> _Consumer:
        queue = self.cloud.stack.queues[source.queue]
        dlq = self.cloud.stack.queues.get(queue.dead_letter_queue or "")
        return _Consumer(
            function=source.function, queue_name=queue.name, batch_size=source.batch_size,
            batching_window=source.batching_window,
            report_batch_item_failures=source.report_batch_item_failures,
            max_receive_count=queue.max_receive_count if dlq else None,
            dlq_name=dlq.name if dlq else None,
        )

    def _s3_consumers(self, sources: list[S3EventSource]) -> list[_Consumer]:
        """An internal queue per S3 trigger, and each bucket's notifications pointed at them."""
        consumers = []
        by_bucket: dict[str, list[dict[str, Any]]] = {}
        for index, source in enumerate(sources):
            # Per stack: another cloud running alongside must not drain this one's uploads.
            queue_name = f"{self.cloud.stack.name}-s3-{index}-{source.function}"[:80]
            self.sqs.create_queue(QueueName=queue_name,
                                  Attributes={"VisibilityTimeout": str(S3_RETRY_SECONDS)})
            rules = [{"Name": name, "Value": value}
                     for name, value in (("prefix", source.prefix), ("suffix", source.suffix))
                     if value]
            configuration: dict[str, Any] = {
                "Id": queue_name,
                "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}",
                "Events": source.events or ["s3:ObjectCreated:*"],
            }
            if rules:
                configuration["Filter"] = {"Key": {"FilterRules": rules}}
            bucket = self.cloud.stack.buckets[source.bucket].name
            by_bucket.setdefault(bucket, []).append(configuration)
            consumers.append(_Consumer(function=source.function, queue_name=queue_name,
                                       batch_size=10, batching_window=0,
                                       report_batch_item_failures=False, s3=True))
        own = {bucket.name: bucket.queue_notifications for bucket in self.cloud.stack.buckets.values()}
        for bucket, configurations in by_bucket.items():
            self.client("s3").put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={
                    "QueueConfigurations": configurations + own.get(bucket, [])})
        return consumers

    # ------------------------------------------------------------ SQS / S3 consumers

    def _receive(self, consumer: _Consumer) -> list[dict[str, Any]]:
        """Long-poll for a batch; with a batching window, keep gathering until it closes.

        Once the window is closed, what the queue already holds still joins the batch: moto's
        long poll answers on the first message of a SendMessageBatch, where SQS would return
        the whole batch, and a batch split in two runs in two containers, one of them cold.
        """
        messages: list[dict[str, Any]] = []
        deadline: float | None = None
        received: list[dict[str, Any]] = []
        while len(messages) < consumer.batch_size:
            remaining = LONG_POLL_SECONDS if deadline is None else deadline - time.monotonic()
            if remaining <= 0 and not (received and self._holds_visible(consumer)):
                break
            wait = max(0, int(remaining))  # SQS waits whole seconds
            received = self.sqs.receive_message(
                QueueUrl=consumer.url, WaitTimeSeconds=wait,
                MaxNumberOfMessages=min(10, consumer.batch_size - len(messages)),
                AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages") or []
            if not received and not messages:
                return messages  # a long poll that found nothing
            if deadline is None:
                deadline = time.monotonic() + consumer.batching_window
            for message in received:
                # Seen again when the window outlasts the visibility timeout: the newest
                # receipt handle is the one that can delete it.
                messages = [m for m in messages if m["MessageId"] != message["MessageId"]]
                messages.append(message)
            if not received and wait == 0 and remaining > 0:
                time.sleep(min(0.05, remaining))  # under a second of window left: short polls
        return messages

    def _poll(self, consumer: _Consumer) -> list[dict[str, Any]]:
        """`_receive`, handing back what a poll got after this cloud began to stop.

        A long poll cannot be cancelled: it runs on in a thread for up to 20 s after its cloud
        stops, and moto's backends are shared by every cloud in the process. Whatever it takes
        then would be invisible for the queue's whole visibility timeout and never delivered:
        a later cloud's message on a queue of the same name vanished that way (the e2e broadcast
        test, when another test's cloud kept moto from being reset between modules).
        """
        messages = self._receive(consumer)
        if messages and self.stopping.is_set():
            self._release(consumer, messages)
            return []
        return messages

    @staticmethod
    def _release(consumer: _Consumer, messages: list[dict[str, Any]]) -> None:
        """Make received messages visible again at once, through moto's backend (this cloud's
        server may be gone already)."""
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[ACCOUNT_ID][REGION]
        for message in messages:
            # A queue deleted or reset meanwhile: nothing is left to give back.
            with contextlib.suppress(Exception):
                backend.change_message_visibility(consumer.queue_name, message["ReceiptHandle"], 0)

    @staticmethod
    def _holds_visible(consumer: _Consumer) -> bool:
        """Whether the queue has a message to receive now, read from moto without a request."""
        from moto.sqs.models import sqs_backends

        try:
            queue = sqs_backends[ACCOUNT_ID][REGION].get_queue(consumer.queue_name)
            return bool(queue.approximate_number_of_messages)
        except Exception:  # noqa: BLE001 - a deleted queue: the receive reports it
            return True

    async def _consume(self, consumer: _Consumer) -> None:
        runtime = self.cloud.runtime
        assert runtime is not None
        spec = runtime.spec(consumer.function)
        # Lambda scales SQS pollers up to the function's concurrency; so do we, within reason.
        slots = asyncio.Semaphore(max(1, min(spec.reserved_concurrency or 5, 5)))
        deliveries: set[asyncio.Task[None]] = set()

        def delivered(task: asyncio.Task[None]) -> None:
            deliveries.discard(task)
            slots.release()
            if not task.cancelled() and task.exception() is not None:
                self.cloud.recorder.record("queue", {
                    "queue": consumer.queue_name, "function": consumer.function,
                    "action": "delivery-error", "error": repr(task.exception())})

        try:
            while True:
                # A slot first: received messages must not wait out their visibility timeout.
                await slots.acquire()
                try:
                    messages = await in_thread(self._poll, consumer)
                except Exception as error:  # noqa: BLE001 - a deleted queue, moto stopping
                    slots.release()
                    self.cloud.recorder.record("queue", {
                        "queue": consumer.queue_name, "function": consumer.function,
                        "action": "poll-error", "error": repr(error)})
                    await asyncio.sleep(1)
                    continue
                if not messages:
                    slots.release()
                    continue
                deliver = self._deliver_s3 if consumer.s3 else self._deliver_sqs
                task = asyncio.create_task(deliver(consumer, messages))
                deliveries.add(task)
                task.add_done_callback(delivered)
        finally:
            for task in deliveries:
                task.cancel()

    async def _deliver_sqs(self, consumer: _Consumer, messages: list[dict[str, Any]]) -> None:
        assert self.cloud.runtime is not None
        event = {"Records": [sqs_record(message, consumer.arn) for message in messages]}
        ids = [message["MessageId"] for message in messages]
        started = time.perf_counter()
        error: str | None = None
        try:
            response = await self.cloud.runtime.invoke(consumer.function, event, source="sqs")
        except FunctionError as failure:
            failed, error = set(ids), f"{failure.error_type}: {failure.message}"
        else:
            failed = (failed_item_ids(response, ids) if consumer.report_batch_item_failures
                      else set())
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            await in_thread(self._delete, consumer.url, done)
        self.cloud.recorder.record("queue", {
            "queue": consumer.queue_name, "function": consumer.function,
            "action": "failed" if failed else "delivered", "messages": len(messages),
            "deleted": [m["MessageId"] for m in done], "failed": sorted(failed), "error": error,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        })
        if consumer.max_receive_count is None:
            return
        for message in messages:
            receives = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", 1))
            if message["MessageId"] in failed and receives >= consumer.max_receive_count:
                # moto moves it to the DLQ on the next receive after its visibility timeout.
                self.cloud.recorder.record("queue", {
                    "queue": consumer.queue_name, "function": consumer.function,
                    "action": "dead-lettered", "message_id": message["MessageId"],
                    "dlq": consumer.dlq_name, "receives": receives,
                })

    async def _deliver_s3(self, consumer: _Consumer, messages: list[dict[str, Any]]) -> None:
        assert self.cloud.runtime is not None
        for message in messages:
            try:
                body = json.loads(message.get("Body") or "{}")
            except ValueError:
                body = {}
            records = body.get("Records") if isinstance(body, dict) else None
            failed = False
            for record in records or []:  # S3's test event has no records
                try:
                    await self.cloud.runtime.invoke(consumer.function,
                                                    {"Records": [s3_record(record)]}, source="s3")
                except FunctionError:
                    failed = True
            receives = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", 1))
            if not failed or receives >= S3_ATTEMPTS:
                await in_thread(self._delete, consumer.url, [message])

    def _delete(self, url: str, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages[start:start + 10])])

    def _queue(self, queue: str) -> QueueSpec:
        spec = self.cloud.stack.queues.get(queue) or next(
            (q for q in self.cloud.stack.queues.values() if q.name == queue), None)
        if spec is None:
            raise LookupError(f"no queue named {queue!r}")
        return spec

    async def trigger_queue(self, queue: str, body: str = "{}") -> str:
        """Send one message to a queue (by logical id or name), as a producer would; its id."""
        spec = self._queue(queue)
        entry: dict[str, Any] = {
            "QueueUrl": f"{self.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}/{spec.name}",
            "MessageBody": body}
        if spec.fifo:
            entry.update(MessageGroupId="console", MessageDeduplicationId=str(uuid.uuid4()))
        response = await in_thread(lambda: self.sqs.send_message(**entry))
        return str(response["MessageId"])

    async def redrive(self, queue: str, limit: int | None = None) -> int:
        """Move messages from `queue`'s DLQ back to it (by logical id or name); how many moved."""
        spec = self._queue(queue)
        if not spec.dead_letter_queue:
            raise LookupError(f"{queue} has no dead-letter queue")
        dlq = self.cloud.stack.queues[spec.dead_letter_queue]
        base = f"{self.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}"
        moved = await in_thread(self._move, f"{base}/{dlq.name}", f"{base}/{spec.name}",
                                spec.fifo, limit)
        self.cloud.recorder.record("queue", {"queue": spec.name, "action": "redriven",
                                             "dlq": dlq.name, "messages": moved})
        return moved

    def _move(self, source_url: str, target_url: str, fifo: bool, limit: int | None) -> int:
        moved = 0
        while limit is None or moved < limit:
            received = self.sqs.receive_message(
                QueueUrl=source_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                VisibilityTimeout=30, AttributeNames=["All"],
                MessageAttributeNames=["All"]).get("Messages") or []
            if not received:
                break
            for message in received[: None if limit is None else limit - moved]:
                entry: dict[str, Any] = {"QueueUrl": target_url, "MessageBody": message["Body"]}
                if message.get("MessageAttributes"):
                    entry["MessageAttributes"] = message["MessageAttributes"]
                if fifo:
                    attributes = message.get("Attributes") or {}
                    entry["MessageGroupId"] = attributes.get("MessageGroupId", "redrive")
                    entry["MessageDeduplicationId"] = attributes.get(
                        "MessageDeduplicationId", message["MessageId"])
                self.sqs.send_message(**entry)
                self.sqs.delete_message(QueueUrl=source_url,
                                        ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved

    # ------------------------------------------------------------ schedules

    async def _run_schedule(self, schedule: _Schedule) -> None:
        while True:
            assert schedule.next_run is not None
            delay = (schedule.next_run - datetime.now(UTC)).total_seconds()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            schedule.next_run = next_run(schedule.spec.expression, datetime.now(UTC))
            # A failure is recorded by _fire; the schedule keeps running.
            with contextlib.suppress(Exception):
                await self._fire(schedule, on_demand=False)

    async def trigger_schedule(self, schedule_name: str) -> Any:
        """Fire a schedule now (the console's "run now"); returns the target's result."""
        schedule = self.schedules.get(schedule_name) or next(
            (s for s in self.schedules.values()
             if schedule_name in (s.spec.function, s.spec.state_machine)), None)
        if schedule is None:
            raise LookupError(f"no schedule named {schedule_name!r}")
        return await self._fire(schedule, on_demand=True)

    async def _fire(self, schedule: _Schedule, *, on_demand: bool) -> Any:
        spec = schedule.spec
        now = datetime.now(UTC)
        event: Any = (json.loads(spec.input) if isinstance(spec.input, str)
                      else spec.input if spec.input is not None
                      else scheduled_event(spec.name, now))
        schedule.last_run, schedule.runs = now, schedule.runs + 1
        entry: dict[str, Any] = {"schedule": spec.name, "expression": spec.expression,
                                 "on_demand": on_demand}
        try:
            if spec.function:
                assert self.cloud.runtime is not None
                result = await self.cloud.runtime.invoke(spec.function, event, source="schedule")
                entry["function"] = spec.function
            else:
                result = await asyncio.to_thread(self._start_execution, spec, event)
                entry["execution"] = result
        except Exception as error:
            schedule.last_status = "error"
            self.cloud.recorder.record("schedule", {**entry, "status": "error",
                                                    "error": str(error)})
            raise
        schedule.last_status = "ok"
        self.cloud.recorder.record("schedule", {**entry, "status": "ok"})
        return result

    def _start_execution(self, spec: ScheduleSpec, event: Any) -> str:
        machine = self.cloud.stack.state_machines[spec.state_machine or ""]
        response = self.client("stepfunctions").start_execution(
            stateMachineArn=machine.arn, input=json.dumps(event))
        return str(response["executionArn"])

    def schedule_status(self) -> list[dict[str, Any]]:
        return [{
            "name": s.spec.name, "expression": s.spec.expression, "enabled": s.spec.enabled,
            "function": s.spec.function, "state_machine": s.spec.state_machine,
            "next_run": s.next_run.isoformat() if s.next_run and s.spec.enabled else None,
            "last_run": s.last_run.isoformat() if s.last_run else None,
            "last_status": s.last_status, "runs": s.runs,
        } for s in self.schedules.values()]
