"""Logging, metrics and tracing through AWS Lambda Powertools, created on first use.

Importing this module imports no Powertools code: a function that never logs, counts or traces
pays nothing for them on cold start. Logs are JSON with the API Gateway request id as the
correlation id; metrics are EMF in the `Plaza` namespace.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "Plaza"

_logger: Logger | None = None
_metrics: Metrics | None = None
_tracer: Tracer | None = None
_correlation_id: str | None = None


def service_name() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME", "plaza")


def logger() -> Logger:
    global _logger
    if _logger is None:
        # lazy: Powertools loads only when a function logs, counts or traces
        from aws_lambda_powertools import Logger

        _logger = Logger(service=service_name())
        if _correlation_id:
            _logger.set_correlation_id(_correlation_id)
    return _logger


def bind_request(request_id: str | None, lambda_request_id: str | None = None) -> None:
    """Remember the request id of this invocation as the logs' correlation id."""
    global _correlation_id
    _correlation_id = request_id or lambda_request_id
    if _logger is not None:
        _logger.set_correlation_id(_correlation_id)


def request_id() -> str | None:
    """The request id bound to this invocation (the audit log records it), None outside one."""
    return _correlation_id


def log_info(message: str, **fields: Any) -> None:
    logger().info(message, extra=_plain(fields))


def log_warning(message: str, **fields: Any) -> None:
    logger().warning(message, extra=_plain(fields))


def log_error(message: str, **fields: Any) -> None:
    logger().error(message, extra=_plain(fields))


def log_exception(message: str, **fields: Any) -> None:
    logger().exception(message, extra=_plain(fields))


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: (value if isinstance(value, str | int | float | bool | None) else repr(value))
            for key, value in fields.items()}


def metrics() -> Metrics:
    global _metrics
    if _metrics is None:
        # lazy: Powertools loads only when a function logs, counts or traces
        from aws_lambda_powertools import Metrics

        _metrics = Metrics(namespace=NAMESPACE, service=service_name())
    return _metrics


def count(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    """Emit one EMF metric line now (no flush to remember at the end of the invocation)."""
    # Powertools' single_metric ignores the switch its Metrics class honours; honour it here too.
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").strip().lower() in ("1", "true", "yes", "on"):
        return
    # lazy: Powertools loads only when a function logs, counts or traces
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit(unit), value=value, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="service", value=service_name())
        for key, dim in dimensions.items():
            metric.add_dimension(name=key, value=dim)


def tracer() -> Tracer:
    global _tracer
    if _tracer is None:
        # lazy: Powertools loads only when a function logs, counts or traces
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service=service_name())
    return _tracer
