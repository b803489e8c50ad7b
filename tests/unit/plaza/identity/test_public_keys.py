"""plaza.identity.tokens: verifiers need only the public keys (JWT_PUBLIC_KEYS); signers hold the
private ones (JWT_KEYS); the key tool prints both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from plaza import config
from plaza.identity import tokens
from plaza.identity.tokens import KeySet, KeysetError

DEVICE = "phone-0000-aaaa"


@pytest.fixture(autouse=True)
def fresh_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("JWT_KEYS", "JWT_PUBLIC_KEYS", "JWT_ALGORITHM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PLAZA_DEV_JWT_KEYS_FILE", str(tmp_path / "jwt-keys.json"))
    config.reset_settings()
    tokens.reset_keyset()
    yield
    config.reset_settings()
    tokens.reset_keyset()


def _token(keys: KeySet) -> str:
    return keys.issue(user_id="u1", role="user", device_id=DEVICE, session_id="s1")


def test_a_public_keyset_verifies_what_the_private_one_signed_and_cannot_sign() -> None:
    private = KeySet.from_json(tokens.generate_keyset_json("ES256"))
    public = KeySet.from_public_json(json.dumps(private.jwks()))
    assert public.verify(_token(private), DEVICE).user_id == "u1"
    assert all(key.signing is None for key in public.by_kid.values())
    with pytest.raises(KeysetError, match="only verifies"):
        _token(public)
    stranger = KeySet.from_json(tokens.generate_keyset_json("ES256"))
    with pytest.raises(tokens.InvalidToken):
        public.verify(_token(stranger), DEVICE)


def test_public_keys_that_carry_a_private_part_are_refused() -> None:
    private = json.loads(tokens.generate_keyset_json("ES256"))
    with pytest.raises(KeysetError, match="private key"):
        KeySet.from_public_json(json.dumps({"keys": private["keys"]}))
    with pytest.raises(KeysetError, match="no public form"):
        KeySet.from_public_json(json.dumps(json.loads(tokens.generate_keyset_json("HS256"))))


def test_an_aws_stage_verifies_from_public_keys_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = KeySet.from_json(tokens.generate_keyset_json("ES256"))
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("JWT_PUBLIC_KEYS", json.dumps(signer.jwks()))
    claims = tokens.verifying_keyset().verify(_token(signer), DEVICE)
    assert claims.session_id == "s1"
    # The verifier holds no private key and cannot come by one: signing here fails.
    with pytest.raises(KeysetError, match="JWT_KEYS is not configured"):
        tokens.keyset()


def test_an_aws_stage_without_keys_refuses_to_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    with pytest.raises(KeysetError, match="JWT_PUBLIC_KEYS is not configured"):
        tokens.verifying_keyset()


def test_local_stages_verify_with_the_public_half_of_the_dev_keyset(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "test")
    verifier = tokens.verifying_keyset()
    assert all(key.signing is None for key in verifier.by_kid.values())
    assert verifier.verify(_token(tokens.keyset()), DEVICE).user_id == "u1"
    assert verifier.jwks() == tokens.keyset().jwks()


def test_the_key_tool_prints_the_private_keyset_and_its_public_jwks(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tokens.main(["ES256"])
    private_line, public_line = capsys.readouterr().out.splitlines()
    private = KeySet.from_json(private_line)
    public = KeySet.from_public_json(public_line)
    assert json.loads(public_line) == private.jwks()
    assert public.verify(_token(private), DEVICE).user_id == "u1"
    # Rotation reads the file the tool wrote, both lines of it; the old key keeps verifying.
    written = tmp_path / "current.json"
    written.write_text(f"{private_line}\n{public_line}\n")
    tokens.main(["ES256", str(written)])
    rotated_private, rotated_public = capsys.readouterr().out.splitlines()
    assert KeySet.from_public_json(rotated_public).verify(_token(private), DEVICE).user_id == "u1"
    assert len(json.loads(rotated_private)["keys"]) == 2
    tokens.main(["public", str(written)])
    assert json.loads(capsys.readouterr().out) == private.jwks()
