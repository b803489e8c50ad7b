"""Compact JWS verification for the two algorithms Plaza signs with (ES256, HS256), on
cryptography's EC primitives and the standard library alone.

The authorizer sits in front of every signed-in route, and its cold start is mostly imports:
`import jwt` (PyJWT) loads its JWKS client (urllib.request, http.client, ssl, email) and, for
its EC algorithm, cryptography.x509 — about two thirds of the authorizer's first verification,
none of it needed to check a signature. Signing and key generation stay with PyJWT
(plaza.identity.tokens); tests/unit/plaza/identity/test_jws.py holds this module to PyJWT's
verdicts on genuine and forged tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

# P-256 coordinates and the halves (r, s) of an ES256 signature are 32 bytes each.
_P256_BYTES = 32


class InvalidJws(ValueError):
    """The token is malformed, its signature does not verify, or a registered claim fails."""


class Expired(InvalidJws):
    pass


def _b64decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidJws("Invalid base64 padding") from exc


def _b64uint(value: Any, what: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a base64url string")
    raw = _b64decode(value)
    if len(raw) != _P256_BYTES:
        raise ValueError(f"{what} must be {_P256_BYTES} bytes")
    return int.from_bytes(raw, "big")


def ec_public_key(jwk: dict[str, Any]) -> Any:
    """The P-256 public key of an EC JWK (its x and y); ValueError when it is not one."""
    # lazy: only a verifier with ES256 keys loads cryptography's EC module
    from cryptography.hazmat.primitives.asymmetric import ec

    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("an ES256 key must be an EC JWK on P-256")
    numbers = ec.EllipticCurvePublicNumbers(_b64uint(jwk.get("x"), "x"), _b64uint(jwk.get("y"), "y"),
                                            ec.SECP256R1())
    return numbers.public_key()  # ValueError when the point is not on the curve


def split(token: str) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """(header, signing input, payload bytes, signature) of a compact JWS; InvalidJws if it is
    not one."""
    if not isinstance(token, str):
        raise InvalidJws("Invalid token type")
    try:
        signing_input, signature_segment = token.encode("ascii").rsplit(b".", 1)
        header_segment, payload_segment = signing_input.split(b".", 1)
    except (ValueError, UnicodeEncodeError) as exc:
        raise InvalidJws("Not enough segments") from exc
    try:
        header = json.loads(_b64decode(header_segment.decode()))
    except ValueError as exc:
        raise InvalidJws("Invalid header padding or string") from exc
    if not isinstance(header, dict):
        raise InvalidJws("Invalid header string: must be a json object")
    return (header, signing_input, _b64decode(payload_segment.decode()),
            _b64decode(signature_segment.decode()))


def header(token: str) -> dict[str, Any]:
    """The token's header, unverified (to pick the key by kid)."""
    return split(token)[0]


def verify_signature(alg: str, key: Any, signing_input: bytes, signature: bytes) -> bool:
    if alg == "HS256":
        expected = hmac.new(key, signing_input, hashlib.sha256).digest()
        return hmac.compare_digest(expected, signature)
    if alg == "ES256":
        # lazy: only a verifier with ES256 keys loads cryptography's EC module
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        if len(signature) != 2 * _P256_BYTES or not isinstance(key, ec.EllipticCurvePublicKey) \
                or not isinstance(key.curve, ec.SECP256R1):
            return False
        r = int.from_bytes(signature[:_P256_BYTES], "big")
        s = int.from_bytes(signature[_P256_BYTES:], "big")
        try:
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True
    return False


def _int_claim(claims: dict[str, Any], name: str) -> int:
    try:
        return int(claims[name])
    except (TypeError, ValueError) as exc:
        raise InvalidJws(f"The {name} claim must be an integer") from exc


def decode(token: str, key: Any, *, alg: str, audience: str, issuer: str, leeway: int,
           required: tuple[str, ...], now: float | None = None) -> dict[str, Any]:
    """The verified claims of `token`, signed with `key` under `alg` (the only algorithm
    accepted); InvalidJws (Expired past exp + leeway) otherwise. Checks what PyJWT's decode does
    for these options: the signature, required claims, exp, iat and nbf, aud and iss."""
    header_, signing_input, payload, signature = split(token)
    if header_.get("alg") != alg:
        raise InvalidJws("The specified alg value is not allowed")
    if not verify_signature(alg, key, signing_input, signature):
        raise InvalidJws("Signature verification failed")
    try:
        claims = json.loads(payload)
    except ValueError as exc:
        raise InvalidJws("Invalid payload string") from exc
    if not isinstance(claims, dict):
        raise InvalidJws("Invalid payload string: must be a json object")
    for name in required:
        if claims.get(name) is None:
            raise InvalidJws(f'Token is missing the "{name}" claim')
    current = time.time() if now is None else now
    if "iat" in claims:
        if not isinstance(claims["iat"], int | float) or isinstance(claims["iat"], bool):
            raise InvalidJws("Issued At claim (iat) must be an integer.")
        if claims["iat"] > current + leeway:
            raise InvalidJws("The token is not yet valid (iat)")
    if "nbf" in claims and _int_claim(claims, "nbf") > current + leeway:
        raise InvalidJws("The token is not yet valid (nbf)")
    if "exp" in claims and _int_claim(claims, "exp") <= current - leeway:
        raise Expired("Signature has expired")
    audiences = claims.get("aud")
    if isinstance(audiences, str):
        audiences = [audiences]
    if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
        raise InvalidJws("Invalid claim format in token")
    if audience not in audiences:
        raise InvalidJws("Audience doesn't match")
    if claims.get("iss") != issuer:
        raise InvalidJws("Invalid issuer")
    return claims
