"""GET /v1/notifications/web-push-key through the local cloud: a signed-in browser gets the
applicationServerKey to subscribe with, the public half of the key the local cloud pushes with
by default (no WEB_PUSH_VAPID set up); without a token it is 401."""

from __future__ import annotations

import base64
import json
import uuid
from contextlib import ExitStack

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from localcloud.web_push_key import dev_vapid
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.local_only(reason="knows the local cloud's dev key")]


def _dev_public_key() -> str:
    raw = base64.urlsafe_b64decode(json.loads(dev_vapid())["private_key"] + "=")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def test_a_signed_in_browser_gets_the_local_clouds_web_push_key(
        main_cloud: RunningCloud, deployment: Deployment) -> None:
    with ExitStack() as stack:
        ann = Member(deployment, stack, f"ann_{uuid.uuid4().hex[:8]}")
        with ann.http() as http:
            answer = http.get("/v1/notifications/web-push-key")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"public_key": _dev_public_key()}
    point = base64.urlsafe_b64decode(answer.json()["public_key"] + "=")
    assert len(point) == 65 and point[0] == 4  # an uncompressed P-256 point

    with deployment.client() as anonymous:
        refused = anonymous.get("/v1/notifications/web-push-key")
    assert refused.status_code == 401
