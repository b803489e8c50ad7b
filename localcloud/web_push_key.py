"""The local cloud's development Web Push (VAPID) key, so a browser can subscribe to pushes from
`make dev` without any setup: derived from a fixed seed, so it is the same on every run and every
machine (a subscription survives restarts). Public in this source, so local only: a stage in AWS
takes its key from Secrets Manager (WebPushVapidSecretName)."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache

SEED = b"plaza local cloud web push VAPID key"
SUBJECT = "mailto:dev@localhost"
# The order of P-256's group: a private key is a scalar in [1, N - 1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@cache
def dev_vapid() -> str:
    """WEB_PUSH_VAPID's value for the local cloud: {"private_key": base64url scalar, "subject"}."""
    from cryptography.hazmat.primitives.asymmetric import ec

    scalar = int.from_bytes(hashlib.sha256(SEED).digest(), "big") % (P256_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    raw = private.private_numbers().private_value.to_bytes(32, "big")
    return json.dumps({"private_key": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
                       "subject": SUBJECT})
