"""What S3 enforces that moto does not, in front of moto's S3 (a WSGI middleware).

moto stores whatever a browser POSTs: it checks neither the policy of a presigned POST (its
expiry, its conditions: the key, the exact Content-Type, content-length-range) nor its
signature, and it serves every object to anyone. Here, as on AWS:

- a POST form upload to a stack bucket is refused unless its policy is signed with the local
  credentials, unexpired, and every condition holds (403 AccessDenied, 400 EntityTooLarge /
  EntityTooSmall, with S3's XML error bodies), and every form field is covered by a condition;
- a GET or HEAD of an object in a bucket that blocks public access needs an Authorization
  header (an SDK call) or a valid, unexpired presigned query (SigV4, recomputed here: moto checks
  neither signature nor expiry), unless the bucket's policy lets anyone or a CDN read its prefix.
  Those reads the front passes on signed, as CloudFront's Origin Access Control does: the bucket,
  path-style on the local S3 endpoint, is "the CDN" locally.

The local credentials are the ones the local cloud gives its functions (cloud.aws_env).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

LOCAL_SECRET = "testing"  # noqa: S105 - the local cloud's own fake credentials (cloud.aws_env)
_EXEMPT_FIELDS = {"policy", "x-amz-signature", "file", "signature", "awsaccesskeyid"}

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class S3Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class S3Front:
    """Wraps moto's WSGI app; `buckets()` gives {name: (private, public prefixes)}."""

    def __init__(self, app: WsgiApp,
                 buckets: Callable[[], dict[str, tuple[bool, list[str]]]]) -> None:
        self.app = app
        self.buckets = buckets

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self._check(environ)
        except S3Refusal as refusal:
            body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{refusal.code}</Code>'
                    f"<Message>{refusal.message}</Message></Error>").encode()
            headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
            origin = environ.get("HTTP_ORIGIN")
            if origin:  # a browser reads the error only with CORS headers
                headers.append(("Access-Control-Allow-Origin", origin))
            start_response(f"{refusal.status} {_REASONS[refusal.status]}", headers)
            return [body]
        return self.app(environ, start_response)

    def _check(self, environ: Environ) -> None:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("POST", "GET", "HEAD"):
            return
        path = environ.get("PATH_INFO", "")
        bucket, _, key = path.lstrip("/").partition("/")
        known = self.buckets().get(bucket)
        if known is None:
            return
        query = environ.get("QUERY_STRING", "")
        if method == "POST":
            content_type = environ.get("CONTENT_TYPE", "")
            if not key and not query and content_type.startswith("multipart/form-data"):
                check_post_policy(environ, bucket)
            return
        private, public_prefixes = known
        if not key or not private or query.startswith(("list-type", "uploads", "location")):
            return
        if any(key.startswith(prefix) for prefix in public_prefixes):
            if not environ.get("HTTP_AUTHORIZATION"):
                # As CloudFront's Origin Access Control does, the front signs the read for the
                # client: moto serves an object without public-read ACL only to a signed request.
                environ["HTTP_AUTHORIZATION"] = _CDN_AUTHORIZATION
            return
        if environ.get("HTTP_AUTHORIZATION"):
            return
        check_presigned_get(environ, method)


_REASONS = {400: "Bad Request", 403: "Forbidden"}
# What the CDN's reads carry to moto (which checks that a request is signed, not the signature).
_CDN_AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request,"
                      " SignedHeaders=host, Signature=local-cdn")


# ---------------------------------------------------------------- presigned POST


def check_post_policy(environ: Environ, bucket: str, now: dt.datetime | None = None) -> None:
    """Refuse the form upload unless its policy holds; the body is put back for moto."""
    from werkzeug.formparser import parse_form_data

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    parsed = dict(environ, **{"wsgi.input": io.BytesIO(body)})
    _, form, files = parse_form_data(parsed)
    environ["wsgi.input"] = io.BytesIO(body)
    fields = {name.lower(): value for name, value in form.items()}
    upload = files.get("file")
    size = len(upload.read()) if upload is not None else 0
    check_policy(fields, bucket, size, now or dt.datetime.now(dt.UTC))


def check_policy(fields: dict[str, str], bucket: str, size: int, now: dt.datetime) -> None:
    """S3's checks of a POST upload's form `fields` (names lowercased) and file `size`."""
    encoded = fields.get("policy")
    if not encoded:
        raise S3Refusal(403, "AccessDenied", "Bucket POST must contain a policy")
    _check_signature(fields, encoded)
    try:
        policy = json.loads(base64.b64decode(encoded))
        expiration = dt.datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError) as error:
        raise S3Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: {error}") from None
    if expiration <= now:
        raise S3Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = dict(fields, bucket=bucket)
    covered: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict):
            for name, expected in condition.items():
                name = name.lower()
                covered.add(name)
                if values.get(name) != expected:
                    raise _condition_failed(["eq", f"${name}", expected])
        elif isinstance(condition, list) and len(condition) == 3:
            operator, name, expected = (str(condition[0]).lower(), condition[1], condition[2])
            if operator == "content-length-range":
                if size > int(expected):
                    raise S3Refusal(400, "EntityTooLarge",
                                    "Your proposed upload exceeds the maximum allowed size")
                if size < int(name):
                    raise S3Refusal(400, "EntityTooSmall",
                                    "Your proposed upload is smaller than the minimum allowed size")
                continue
            field = str(name).lstrip("$").lower()
            covered.add(field)
            actual = values.get(field, "")
            if operator == "eq" and actual != expected:
                raise _condition_failed(condition)
            if operator == "starts-with" and not actual.startswith(str(expected)):
                raise _condition_failed(condition)
        else:
            raise S3Refusal(400, "InvalidPolicyDocument", "Invalid Policy: a condition is malformed")
    extra = sorted(name for name in fields if name not in covered and name not in _EXEMPT_FIELDS
                   and not name.startswith("x-ignore-"))
    if extra:
        raise S3Refusal(403, "AccessDenied", "Invalid according to Policy: Extra input fields:"
                                             f" {extra[0]}")


def _condition_failed(condition: Any) -> S3Refusal:
    return S3Refusal(403, "AccessDenied",
                     f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}")


def _check_signature(fields: dict[str, str], policy: str) -> None:
    if "signature" in fields and "x-amz-signature" not in fields:
        # SigV2 (boto3's default for a presigned POST without a SigV4 config): HMAC-SHA1.
        expected_v2 = base64.b64encode(hmac.new(LOCAL_SECRET.encode(), policy.encode(),
                                                hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected_v2, fields["signature"]):
            raise S3Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated"
                                                          " does not match the signature you provided")
        return
    credential = fields.get("x-amz-credential", "")
    parts = credential.split("/")
    if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256" or len(parts) != 5:
        raise S3Refusal(403, "AccessDenied", "A POST policy is signed with SigV4 or SigV2")
    _, date, region, service, _ = parts
    expected = hmac.new(_signing_key(date, region, service), policy.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise S3Refusal(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided")


def _signing_key(date: str, region: str, service: str) -> bytes:
    key = f"AWS4{LOCAL_SECRET}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


# ---------------------------------------------------------------- presigned GET


def check_presigned_get(environ: Environ, method: str, now: dt.datetime | None = None) -> None:
    """A SigV4 presigned query: unexpired, and its signature recomputed from the request."""
    raw_query = environ.get("QUERY_STRING", "")
    params = parse_qsl(raw_query, keep_blank_values=True)
    given = dict(params)
    signature = given.get("X-Amz-Signature")
    if not signature:
        raise S3Refusal(403, "AccessDenied", "Access Denied")
    try:
        signed_at = dt.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        expires = int(given["X-Amz-Expires"])
        _, date, region, service, _ = given["X-Amz-Credential"].split("/")
        signed_headers = given["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError):
        raise S3Refusal(403, "AccessDenied", "Access Denied") from None
    if signed_at + dt.timedelta(seconds=expires) < (now or dt.datetime.now(dt.UTC)):
        raise S3Refusal(403, "AccessDenied", "Request has expired")
    raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or
                   quote(environ.get("PATH_INFO", ""))).split("?", 1)[0]
    canonical_path = quote(unquote(raw_path), safe="/-_.~")
    canonical_query = "&".join(
        f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}"
        for name, value in sorted((n, v) for n, v in params if n != "X-Amz-Signature"))
    headers = {"host": environ.get("HTTP_HOST", "")}
    canonical_headers = "".join(f"{name}:{headers.get(name, _header(environ, name))}\n"
                                for name in signed_headers)
    canonical = "\n".join([method if method != "HEAD" else "HEAD", canonical_path, canonical_query,
                           canonical_headers, ";".join(signed_headers), "UNSIGNED-PAYLOAD"])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", given["X-Amz-Date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(_signing_key(date, region, service), to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise S3Refusal(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided")


def _header(environ: Environ, name: str) -> str:
    return str(environ.get("HTTP_" + name.upper().replace("-", "_"), "")).strip()
