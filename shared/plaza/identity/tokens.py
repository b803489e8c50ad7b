"""Access tokens: JWTs signed with a keyset (one active key, retired keys still verifying).

JWT_KEYS holds `{"active": "<kid>", "keys": [<JWK with private parts>, ...]}`: EC P-256 keys for
ES256 (the default) or `oct` keys of >= 32 bytes for HS256. Rotation: add a new key, make it
active, keep the old one listed until its last token has expired (15 minutes + leeway).

Only the functions that sign (login, refresh) hold JWT_KEYS. The ones that only verify (the
authorizer, jwks.json) hold JWT_PUBLIC_KEYS, the public JWKS of the same ES256 keys
(`{"keys": [<public JWK>, ...]}`), so a flaw in them cannot leak a signing key. HS256 secrets
have no public half: an HS256 deployment must give its verifiers JWT_KEYS.

Verification pins the algorithm to the key named by `kid`, so neither `alg: none` nor an HS256
token "signed" with an ES256 public key can pass; it also checks iss, aud, exp and that the
token's device (`did`) is the device presenting it.

PyJWT (and cryptography under it) is imported where tokens are signed; verification (and
loading public keys) goes through plaza.identity.jws, which loads only cryptography's EC
primitives: the authorizer's cold start pays for no JWKS client, x509 or ssl. Routes that only
read the caller import neither.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from plaza.config import ConfigurationError, settings
from plaza.errors import Unauthorized
from plaza.identity import dev_keyset, jws

ACCESS_TOKEN_TTL_S = 15 * 60
LEEWAY_S = 30
ALGORITHMS = ("ES256", "HS256")
ROLES = ("user", "moderator", "admin")
REQUIRED_CLAIMS = ("sub", "role", "did", "sid", "iat", "exp", "iss", "aud")
# Stages that may sign with a generated key kept on local disk; AWS stages are dev/staging/prod.
DEV_KEY_STAGES = ("local", "test")


class InvalidToken(Unauthorized):
    code = "invalid-token"


class KeysetError(ConfigurationError):
    """JWT_KEYS / JWT_PUBLIC_KEYS is missing or malformed: a deployment mistake, never the
    caller's fault."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: str
    device_id: str
    session_id: str
    issued_at: int
    expires_at: int
    # The `ev` claim; a token issued before it existed (15 minutes at most) counts as verified.
    email_verified: bool = True


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    signing: Any  # None for a public key: it only verifies
    verifying: Any
    public_jwk: dict[str, Any] | None  # None for shared secrets: never published


def _public_jwk(kid: str, alg: str, jwk: dict[str, Any]) -> dict[str, Any]:
    return {"kty": "EC", "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"], "kid": kid, "alg": alg,
            "use": "sig"}


def _load_key(jwk: dict[str, Any], *, public: bool = False) -> SigningKey:
    """A key from its JWK: a private one (it signs), or with `public` an ES256 public key."""
    kid, alg = jwk.get("kid"), jwk.get("alg")
    if not isinstance(kid, str) or not kid:
        raise KeysetError("every key needs a kid")
    if alg not in ALGORITHMS:
        raise KeysetError(f"key {kid}: alg must be one of {ALGORITHMS}")
    if public and alg == "ES256" and "d" not in jwk:
        # The verifiers' path (JWT_PUBLIC_KEYS): no PyJWT, see plaza.identity.jws.
        try:
            verifying = jws.ec_public_key(jwk)
        except (ValueError, TypeError) as exc:
            raise KeysetError(f"key {kid} is not a valid {alg} JWK: {exc}") from exc
        return SigningKey(kid, alg, None, verifying, _public_jwk(kid, alg, jwk))
    # lazy: PyJWT and cryptography load only where tokens are signed
    import jwt
    from jwt.algorithms import ECAlgorithm

    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
        raise KeysetError(f"key {kid} is not a valid {alg} JWK: {exc}") from exc
    if alg == "HS256":
        if public:
            raise KeysetError(f"key {kid}: an HS256 secret has no public form; verify with JWT_KEYS")
        if not isinstance(key, bytes) or len(key) < 32:
            raise KeysetError(f"key {kid}: an HS256 secret needs at least 32 bytes")
        return SigningKey(kid, alg, key, key, None)
    private = hasattr(key, "public_key")
    if public and private:
        raise KeysetError(f"key {kid}: JWT_PUBLIC_KEYS holds a private key (d); publish only x and y")
    if not public and not private:
        raise KeysetError(f"key {kid}: an ES256 key must include its private part (d)")
    verifying = key.public_key() if private else key
    public_jwk = {**ECAlgorithm.to_jwk(verifying, as_dict=True), "kid": kid, "alg": alg, "use": "sig"}
    return SigningKey(kid, alg, key if private else None, verifying, public_jwk)


class KeySet:
    """Keys by kid; `active` signs. A public keyset (no active key) only verifies."""

    def __init__(self, active: str | None, keys: list[SigningKey], issuer: str,
                 audience: str) -> None:
        self.by_kid = {key.kid: key for key in keys}
        if len(self.by_kid) != len(keys):
            raise KeysetError("two keys share a kid")
        if active is not None and active not in self.by_kid:
            raise KeysetError(f"the active kid {active!r} is not in the keyset")
        self.active = self.by_kid[active] if active is not None else None
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def from_json(cls, text: str, issuer: str = "plaza", audience: str = "plaza-api") -> KeySet:
        try:
            data = json.loads(text)
            keys = [_load_key(jwk) for jwk in data["keys"]]
            return cls(data["active"], keys, issuer, audience)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeysetError(f"JWT_KEYS is not a valid keyset: {exc}") from exc

    @classmethod
    def from_public_json(cls, text: str, issuer: str = "plaza",
                         audience: str = "plaza-api") -> KeySet:
        """A verify-only keyset from a JWKS (JWT_PUBLIC_KEYS: what jwks.json publishes)."""
        try:
            keys = [_load_key(jwk, public=True) for jwk in json.loads(text)["keys"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeysetError(f"JWT_PUBLIC_KEYS is not a valid JWKS: {exc}") from exc
        if not keys:
            raise KeysetError("JWT_PUBLIC_KEYS holds no key")
        return cls(None, keys, issuer, audience)

    def public(self) -> KeySet:
        """The verify-only keyset of this one's public keys (itself for HS256: no public half)."""
        if any(key.public_jwk is None for key in self.by_kid.values()):
            return self
        return KeySet.from_public_json(json.dumps(self.jwks()), self.issuer, self.audience)

    def issue(self, *, user_id: str, role: str, device_id: str, session_id: str,
              now: int | None = None, ttl_s: int = ACCESS_TOKEN_TTL_S,
              email_verified: bool = True) -> str:
        issued_at = int(time.time()) if now is None else now
        claims = {
            "sub": user_id, "role": role, "did": device_id, "sid": session_id,
            "ev": email_verified, "iat": issued_at, "exp": issued_at + ttl_s, "iss": self.issuer,
            "aud": self.audience,
        }
        # lazy: PyJWT and cryptography load only where tokens are signed or verified
        import jwt

        key = self.active
        if key is None:
            raise KeysetError("a public keyset only verifies: signing needs JWT_KEYS")
        return jwt.encode(claims, key.signing, algorithm=key.alg, headers={"kid": key.kid})

    def verify(self, token: str, device_id: str | None) -> AccessClaims:
        """The token's claims; InvalidToken unless every check passes."""
        try:
            header = jws.header(token)
        except jws.InvalidJws as exc:
            raise InvalidToken("The access token is malformed") from exc
        key = self.by_kid.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("The access token was signed with an unknown key")
        if header.get("alg") != key.alg:
            raise InvalidToken("The access token's algorithm is not allowed for its key")
        try:
            claims = jws.decode(token, key.verifying, alg=key.alg, audience=self.audience,
                                issuer=self.issuer, leeway=LEEWAY_S, required=REQUIRED_CLAIMS)
        except jws.Expired as exc:
            raise InvalidToken("The access token has expired") from exc
        except jws.InvalidJws as exc:
            raise InvalidToken(f"The access token is invalid: {exc}") from exc
        for name in ("sub", "role", "did", "sid"):
            if not isinstance(claims[name], str) or not claims[name]:
                raise InvalidToken(f"The access token's {name} claim is invalid")
        if claims["role"] not in ROLES:
            raise InvalidToken("The access token's role is unknown")
        if not device_id or not hmac.compare_digest(claims["did"].encode(), device_id.encode()):
            raise InvalidToken("The access token belongs to another device")
        if not isinstance(claims.get("ev", True), bool):
            raise InvalidToken("The access token's ev claim is invalid")
        return AccessClaims(claims["sub"], claims["role"], claims["did"], claims["sid"],
                            int(claims["iat"]), int(claims["exp"]), claims.get("ev", True))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self.by_kid.values() if key.public_jwk]}


def generate_key(alg: str, kid: str | None = None) -> dict[str, Any]:
    """A new private JWK for `alg`, ready to go into JWT_KEYS."""
    # lazy: PyJWT and cryptography load only where tokens are signed or verified
    from jwt.algorithms import ECAlgorithm, HMACAlgorithm

    kid = kid or f"{time.strftime('%Y%m%d')}-{secrets.token_hex(4)}"
    if alg == "ES256":
        # lazy: PyJWT and cryptography load only where tokens are signed or verified
        from cryptography.hazmat.primitives.asymmetric import ec

        private = ec.generate_private_key(ec.SECP256R1())
        jwk = ECAlgorithm.to_jwk(private, as_dict=True)
    elif alg == "HS256":
        jwk = HMACAlgorithm.to_jwk(secrets.token_bytes(32), as_dict=True)
    else:
        raise KeysetError(f"alg must be one of {ALGORITHMS}")
    return {**jwk, "kid": kid, "alg": alg}


def generate_keyset_json(alg: str) -> str:
    key = generate_key(alg)
    return json.dumps({"active": key["kid"], "keys": [key]})


def _dev_keyset_json(alg: str) -> str:
    """A keyset generated once per user and shared by every local process (a private file)."""
    return dev_keyset.read_or_create(dev_keyset.keyset_path(alg),
                                     lambda: generate_keyset_json(alg))


@cache
def keyset() -> KeySet:
    """This container's signing keyset, from JWT_KEYS (a dev keyset on local/test stages only)."""
    require_signing_keys()
    config = settings()
    text = config.jwt_keys or _dev_keyset_json(config.jwt_algorithm)
    keys = KeySet.from_json(text, config.jwt_issuer, config.jwt_audience)
    assert keys.active is not None  # from_json requires the active kid
    if keys.active.alg != config.jwt_algorithm:
        raise KeysetError(f"the active key is {keys.active.alg} but JWT_ALGORITHM is "
                          f"{config.jwt_algorithm}")
    return keys


@cache
def verifying_keyset() -> KeySet:
    """The keys this container verifies with: JWT_PUBLIC_KEYS; else the public half of JWT_KEYS
    (or of the dev keyset on local/test stages), so a verifier never needs the private keys."""
    config = settings()
    if config.jwt_public_keys:
        return KeySet.from_public_json(config.jwt_public_keys, config.jwt_issuer,
                                       config.jwt_audience)
    require_verifying_keys()
    if not config.jwt_keys and config.jwt_algorithm == "ES256":
        # The dev keyset: its public JWKS is its keys without their private parts, which
        # spares the local authorizer loading private keys through PyJWT.
        keys = json.loads(_dev_keyset_json(config.jwt_algorithm))["keys"]
        if all(key.get("kty") == "EC" for key in keys):
            public = {"keys": [{name: value for name, value in key.items() if name != "d"}
                               for key in keys]}
            return KeySet.from_public_json(json.dumps(public), config.jwt_issuer,
                                           config.jwt_audience)
    return keyset().public()


def require_signing_keys() -> None:
    """KeysetError if this container has no keys to sign with; loads no key (an init check)."""
    config = settings()
    if not config.jwt_keys and config.stage not in DEV_KEY_STAGES:
        raise KeysetError("JWT_KEYS is not configured")


def require_verifying_keys() -> None:
    """KeysetError if this container has no keys to verify with; loads no key (an init check)."""
    config = settings()
    if not (config.jwt_public_keys or config.jwt_keys) and config.stage not in DEV_KEY_STAGES:
        raise KeysetError("JWT_PUBLIC_KEYS is not configured")


def reset_keyset() -> None:
    keyset.cache_clear()
    verifying_keyset.cache_clear()


def _first_document(path: Path) -> Any:
    """The first JSON document in `path`: the keyset, in a file the key tool wrote both lines to."""
    return json.JSONDecoder().raw_decode(path.read_text().lstrip())[0]


def main(argv: list[str]) -> None:
    """`python -m plaza.identity.tokens [ES256|HS256] [current-keyset.json]`: print, on its first
    line, a keyset for JWT_KEYS whose new key is active (the current keyset's keys stay listed:
    rotation) and, for ES256, on the second, its public JWKS for JWT_PUBLIC_KEYS.

    `python -m plaza.identity.tokens public keyset.json`: print only the JWKS of a keyset."""
    if argv[:1] == ["public"]:
        print(json.dumps(KeySet.from_json(json.dumps(_first_document(Path(argv[1])))).jwks()))
        return
    alg = argv[0] if argv else "ES256"
    key = generate_key(alg)
    keys = [key]
    if len(argv) > 1:
        keys += _first_document(Path(argv[1]))["keys"]
    private = json.dumps({"active": key["kid"], "keys": keys})
    print(private)
    if alg == "ES256":
        print(json.dumps(KeySet.from_json(private).jwks()))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
