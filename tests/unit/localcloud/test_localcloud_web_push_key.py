"""The local cloud's development VAPID key (localcloud/web_push_key.py): the same on every run,
a valid P-256 key whose public half plaza.stores.webpush derives, and what functions get unless
WEB_PUSH_VAPID names another."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from localcloud.web_push_key import dev_vapid
from plaza.config import reset_settings
from plaza.stores import webpush


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    yield
    reset_settings()
    webpush.reset()


def test_the_dev_key_is_stable_and_its_public_half_is_what_browsers_get(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert dev_vapid() == dev_vapid.__wrapped__()
    config = json.loads(dev_vapid())
    assert config["subject"].startswith("mailto:")
    raw = base64.urlsafe_b64decode(config["private_key"] + "=")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    monkeypatch.setenv("WEB_PUSH_VAPID", dev_vapid())
    reset_settings()
    webpush.reset()
    assert webpush.public_key() == base64.urlsafe_b64encode(point).rstrip(b"=").decode()
