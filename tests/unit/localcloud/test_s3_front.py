"""The local S3 front enforces a presigned POST's policy as S3 does (moto does not): signature,
expiry, the pinned key and Content-Type, the size range, no unlisted fields; and it recomputes
a presigned GET's signature."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from typing import Any

import boto3
import pytest
from botocore.config import Config

from localcloud.aws import s3_front
from localcloud.aws.s3_front import S3Refusal, check_policy, check_presigned_get

BUCKET = "plaza-dev-media"



def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _client(secret: str = s3_front.LOCAL_SECRET) -> Any:
    return boto3.client("s3", endpoint_url="http://127.0.0.1:4566", region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key=secret,
                        config=Config(signature_version="s3v4"))


def _signed(size: int = 100, secret: str = s3_front.LOCAL_SECRET) -> dict[str, str]:
    post = _client(secret).generate_presigned_post(
        BUCKET, "uploads/abc", Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, size]],
        ExpiresIn=900)
    return {name.lower(): value for name, value in post["fields"].items()}


def test_a_signed_upload_within_its_policy_passes() -> None:
    check_policy(_signed(), BUCKET, 100, _now())


@pytest.mark.parametrize(("change", "size", "code"), [
    ({}, 101, "EntityTooLarge"),
    ({}, 0, "EntityTooSmall"),
    ({"content-type": "text/html"}, 10, "AccessDenied"),
    ({"key": "public/abc/original.png"}, 10, "AccessDenied"),
    ({"x-amz-meta-owner": "someone"}, 10, "AccessDenied"),
    ({"x-amz-signature": "0" * 64}, 10, "SignatureDoesNotMatch"),
])
def test_what_the_policy_does_not_allow_is_refused(change: dict[str, str], size: int,
                                                   code: str) -> None:
    with pytest.raises(S3Refusal) as refused:
        check_policy({**_signed(), **change}, BUCKET, size, _now())
    assert refused.value.code == code


def test_another_bucket_or_an_expired_policy_is_refused() -> None:
    with pytest.raises(S3Refusal, match="Policy Condition failed"):
        check_policy(_signed(), "another-bucket", 10, _now())
    with pytest.raises(S3Refusal, match="Policy expired"):
        check_policy(_signed(), BUCKET, 10, _now() + dt.timedelta(minutes=16))


def test_a_policy_signed_with_other_credentials_is_refused() -> None:
    with pytest.raises(S3Refusal) as refused:
        check_policy(_signed(secret="not-the-local-one"), BUCKET, 10, _now())
    assert refused.value.code == "SignatureDoesNotMatch"


def test_a_sigv2_policy_is_checked_too() -> None:
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key=s3_front.LOCAL_SECRET)
    post = client.generate_presigned_post(BUCKET, "incoming/a.bin", ExpiresIn=300)
    fields = {name.lower(): value for name, value in post["fields"].items()}
    assert "signature" in fields
    check_policy(fields, BUCKET, 3, _now())
    with pytest.raises(S3Refusal):
        check_policy({**fields, "signature": "AAAA"}, BUCKET, 3, _now())


def test_a_rewritten_policy_no_longer_matches_its_signature() -> None:
    fields = _signed(size=100)
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"][1] = ["content-length-range", 1, 10 ** 9]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    with pytest.raises(S3Refusal) as refused:
        check_policy(fields, BUCKET, 10 ** 6, _now())
    assert refused.value.code == "SignatureDoesNotMatch"


def _environ(url: str, method: str = "GET") -> dict[str, Any]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {"REQUEST_METHOD": method, "PATH_INFO": parts.path, "RAW_URI": f"{parts.path}?{parts.query}",
            "QUERY_STRING": parts.query, "HTTP_HOST": parts.netloc, "wsgi.input": io.BytesIO()}


def test_a_presigned_get_passes_until_it_expires_and_not_once_tampered() -> None:
    url = _client().generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "private/abc/medium.webp"}, ExpiresIn=900)
    check_presigned_get(_environ(url), "GET")
    with pytest.raises(S3Refusal, match="expired"):
        check_presigned_get(_environ(url), "GET", now=_now() + dt.timedelta(minutes=16))
    for tampered in (url.replace("private/abc", "private/xyz"),
                     url.replace("X-Amz-Expires=900", "X-Amz-Expires=9000")):
        with pytest.raises(S3Refusal):
            check_presigned_get(_environ(tampered), "GET")
    with pytest.raises(S3Refusal):
        check_presigned_get(_environ(url.split("?")[0]), "GET")


def test_the_front_serves_public_prefixes_to_anyone_and_private_ones_only_signed() -> None:
    seen: list[dict[str, Any]] = []

    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ)
        start_response("200 OK", [])
        return [b"ok"]

    front = s3_front.S3Front(moto, lambda: {BUCKET: (True, ["public/"])})
    statuses: list[str] = []

    def start(status: str, headers: Any) -> None:
        statuses.append(status)

    front(_environ(f"http://127.0.0.1:4566/{BUCKET}/public/abc/thumb.webp"), start)
    front(_environ(f"http://127.0.0.1:4566/{BUCKET}/private/abc/thumb.webp"), start)
    front(_environ(f"http://127.0.0.1:4566/{BUCKET}/uploads/abc"), start)
    assert statuses == ["200 OK", "403 Forbidden", "403 Forbidden"]
    assert seen[0]["HTTP_AUTHORIZATION"].startswith("AWS4-HMAC-SHA256")  # signed as OAC does
