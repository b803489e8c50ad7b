"""boto3 clients against the local AWS services."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from localcloud.template.account import REGION

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud


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
                # boto3's stubs type the service name as a Literal per service.
                client = self._clients[service] = boto3.client(  # type: ignore[call-overload]
                    service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name=REGION,
                    aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
            return client
