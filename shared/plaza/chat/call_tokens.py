"""Call tokens behind a provider interface: a `CallProvider` signs who may join which channel
until when. Agora's is built with its official builder (agora-token-builder, shipped only in
functions/calls/); another provider is one more class here.

The Agora app id and certificate come from CALL_PROVIDER_CREDENTIALS, a Secrets Manager reference
resolved once per container (plaza.config): JSON {"app_id", "app_certificate"}. On the local and
test stages an empty value means a fixed development pair, as the JWT keys do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from plaza.config import ConfigurationError, settings

DEV_CREDENTIALS = {"app_id": "0" * 24 + "localdev", "app_certificate": "1" * 24 + "localdev"}


class CallProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def app_id(self) -> str: ...

    def token(self, channel: str, uid: int, expires_at_epoch: int) -> str:
        """A token letting `uid` publish and subscribe in `channel` until the given second."""
        ...


@dataclass(frozen=True)
class AgoraProvider:
    app_id: str
    app_certificate: str
    name: str = "agora"

    def token(self, channel: str, uid: int, expires_at_epoch: int) -> str:
        # lazy: the builder ships in functions/calls/ only (its requirements.txt)
        from agora_token_builder.RtcTokenBuilder import Role_Publisher, RtcTokenBuilder

        return str(RtcTokenBuilder.buildTokenWithUid(
            self.app_id, self.app_certificate, channel, uid, Role_Publisher, expires_at_epoch))


_provider: CallProvider | None = None


def provider() -> CallProvider:
    """This container's provider, from the settings on first use."""
    global _provider
    if _provider is None:
        config = settings()
        raw = config.call_provider_credentials
        if not raw and config.stage in ("local", "test"):
            credentials = DEV_CREDENTIALS
        else:
            try:
                credentials = json.loads(raw)
                credentials = {"app_id": str(credentials["app_id"]),
                               "app_certificate": str(credentials["app_certificate"])}
            except (ValueError, TypeError, KeyError) as error:
                raise ConfigurationError("CALL_PROVIDER_CREDENTIALS must be JSON with app_id and"
                                         " app_certificate") from error
        _provider = AgoraProvider(credentials["app_id"], credentials["app_certificate"])
    return _provider


def reset() -> None:
    global _provider
    _provider = None
