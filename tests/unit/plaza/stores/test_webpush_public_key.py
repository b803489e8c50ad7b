"""The Web Push application server key (plaza.stores.webpush.public_key): the VAPID private key's
public half as browsers take it, whichever form the secret holds the private key in; none (and a
404 from the service) when Web Push is not configured."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from plaza import errors
from plaza.config import reset_settings
from plaza.notifications import service
from plaza.stores import webpush

SCALAR = 0x1D3B0C5E2A4F6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("WEB_PUSH_VAPID", raising=False)
    reset_settings()
    webpush.reset()
    yield
    reset_settings()
    webpush.reset()


def _configure(monkeypatch: pytest.MonkeyPatch, private_key: str) -> None:
    monkeypatch.setenv("WEB_PUSH_VAPID", json.dumps({"private_key": private_key,
                                                     "subject": "mailto:ops@plaza.dev"}))
    reset_settings()
    webpush.reset()


def _expected(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def _decoded(key: str) -> bytes:
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


@pytest.mark.parametrize("form", ["base64url", "pem"])
def test_the_public_key_is_the_private_keys_uncompressed_point(
        monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    key = ec.derive_private_key(SCALAR, ec.SECP256R1())
    if form == "pem":
        text = key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption()).decode()
    else:
        text = base64.urlsafe_b64encode(SCALAR.to_bytes(32, "big")).rstrip(b"=").decode()
    _configure(monkeypatch, text)
    public = webpush.public_key()
    assert public == _expected(key)
    assert "=" not in public and len(_decoded(public)) == 65 and _decoded(public)[0] == 4
    assert service.web_push_key().public_key == public


def test_without_a_vapid_key_there_is_no_public_key_and_the_route_is_404() -> None:
    assert webpush.public_key() is None
    with pytest.raises(errors.NotFound):
        service.web_push_key()
