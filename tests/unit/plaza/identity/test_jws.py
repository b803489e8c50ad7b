"""plaza.identity.jws (the authorizer's lean verifier) reaches PyJWT's verdict on genuine and
forged tokens, and verifying loads neither PyJWT nor cryptography's x509."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest

from plaza.identity import jws, tokens
from plaza.identity.tokens import KeySet

ROOT = Path(__file__).resolve().parents[4]
REQUIRED = tokens.REQUIRED_CLAIMS
CLAIMS = {"sub": "u1", "role": "user", "did": "device-0001", "sid": "s1", "ev": True,
          "iss": "plaza", "aud": "plaza-api"}


def _now() -> int:
    return int(time.time())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"x") -> str:
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()),
                     _b64(signature)])


@pytest.fixture(scope="module")
def es256() -> KeySet:
    return KeySet.from_json(tokens.generate_keyset_json("ES256"))


@pytest.fixture(scope="module")
def hs256() -> KeySet:
    return KeySet.from_json(tokens.generate_keyset_json("HS256"))


def _sign(keys: KeySet, **changes: Any) -> str:
    key = keys.active
    assert key is not None
    now = _now()
    claims = {key_: value for key_, value in
              {**CLAIMS, "iat": now, "exp": now + 900, **changes}.items() if value is not None}
    return jwt.encode(claims, key.signing, algorithm=key.alg, headers={"kid": key.kid})


def _pyjwt_accepts(token: str, key: Any, alg: str) -> bool:
    try:
        jwt.decode(token, key, algorithms=[alg], audience="plaza-api", issuer="plaza",
                   leeway=tokens.LEEWAY_S, options={"require": list(REQUIRED)})
    except jwt.PyJWTError:
        return False
    return True


def _ours_accepts(token: str, key: Any, alg: str) -> bool:
    try:
        jws.decode(token, key, alg=alg, audience="plaza-api", issuer="plaza",
                   leeway=tokens.LEEWAY_S, required=REQUIRED)
    except jws.InvalidJws:
        return False
    return True


def _tamper_signature(token: str) -> str:
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[-1] ^= 1
    return f"{head}.{body}.{_b64(bytes(raw))}"


def _tamper_claims(token: str) -> str:
    head, _, signature = token.split(".")
    claims = {**CLAIMS, "iat": _now(), "exp": _now() + 900, "role": "admin"}
    return f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"


CASES: dict[str, Callable[[KeySet], str]] = {
    "genuine": lambda keys: _sign(keys),
    "expired beyond the leeway": lambda keys: _sign(keys, exp=_now() - 60),
    "expired within the leeway": lambda keys: _sign(keys, exp=_now() - 5),
    "issued in the future": lambda keys: _sign(keys, iat=_now() + 600),
    "not before the future": lambda keys: _sign(keys, nbf=_now() + 600),
    "wrong audience": lambda keys: _sign(keys, aud="someone-else"),
    "audience list": lambda keys: _sign(keys, aud=["x", "plaza-api"]),
    "wrong issuer": lambda keys: _sign(keys, iss="evil"),
    "missing sid": lambda keys: _sign(keys, sid=None),
    "missing exp": lambda keys: _sign(keys, exp=None),
    "tampered signature": lambda keys: _tamper_signature(_sign(keys)),
    "tampered claims": lambda keys: _tamper_claims(_sign(keys)),
    "alg none": lambda keys: _forge({"alg": "none", "kid": "k"}, CLAIMS, b""),
    "truncated": lambda keys: ".".join(_sign(keys).split(".")[:2]),
    "garbage": lambda keys: "not-a-token",
    "header not an object": lambda keys: _forge([1, 2], CLAIMS),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("alg", ["ES256", "HS256"])
def test_the_lean_verifier_agrees_with_pyjwt(case: str, alg: str, es256: KeySet,
                                             hs256: KeySet) -> None:
    keys = es256 if alg == "ES256" else hs256
    token = CASES[case](keys)
    key = keys.active
    assert key is not None
    expected = _pyjwt_accepts(token, key.verifying, alg)
    assert _ours_accepts(token, key.verifying, alg) is expected
    assert expected is (case in ("genuine", "expired within the leeway", "audience list"))


def test_an_hs256_token_signed_with_the_es256_public_key_is_refused(es256: KeySet) -> None:
    public = KeySet.from_public_json(json.dumps(es256.jwks()))
    key = next(iter(public.by_kid.values()))
    pem = json.dumps(key.public_jwk).encode()
    forged = _forge({"alg": "HS256", "kid": key.kid}, CLAIMS)
    head, body, _ = forged.split(".")
    import hashlib
    import hmac

    signature = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(tokens.InvalidToken):
        public.verify(f"{head}.{body}.{_b64(signature)}", CLAIMS["did"])


def test_a_public_key_off_the_curve_is_refused(es256: KeySet) -> None:
    jwk = dict(next(iter(es256.jwks()["keys"])))
    jwk["y"] = jwk["x"]
    with pytest.raises(tokens.KeysetError, match="not a valid ES256 JWK"):
        KeySet.from_public_json(json.dumps({"keys": [jwk]}))


def test_verifying_loads_neither_pyjwt_nor_x509(tmp_path: Path) -> None:
    signer = KeySet.from_json(tokens.generate_keyset_json("ES256"))
    token = _sign(signer)
    script = (
        "import json, sys\n"
        "from plaza.identity.tokens import KeySet\n"
        "keys = KeySet.from_public_json(sys.argv[1])\n"
        "assert keys.verify(sys.argv[2], 'device-0001').user_id == 'u1'\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('jwt', 'ssl', 'http', 'email') or m.startswith(('cryptography.x509', "
        "'urllib.request')))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, json.dumps(signer.jwks()), token],
                          env={"PYTHONPATH": str(ROOT / "shared"), "STAGE": "prod"},
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
