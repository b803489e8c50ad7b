"""The app pages the outbox's emails link to, so a link in a local email works without an app.

`make dev` sets APP_BASE_URL to `<http api>/_local/app`; the identity emails then link to
/_local/app/verify-email?token=... and /_local/app/reset-password?token=... These pages call
the HTTP API as an app would (POST /v1/auth/verify-email, POST /v1/auth/password/reset) and show
what it answered. Opening the verification link verifies, as the app's page would on load; the
reset page asks for the new password first. A page answers with the API's status.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

PREFIX = "/_local/app"
MAX_FORM_BYTES = 16 * 1024  # a token and a password
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}"
          "input,button{font-size:1rem;padding:.4rem}")


def _page(title: str, body: str) -> bytes:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}"
            f"<p><small>Plaza local cloud: a stand-in for your app's page.</small></p>"
            f"</body></html>").encode()


def _problem_text(response: Any) -> str:
    try:
        problem = response.json()
    except ValueError:
        return response.text
    return str(problem.get("detail") or problem.get("message") or problem)


class AppPages:
    """ASGI app for PREFIX/*, calling the HTTP API at `api_url`."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = scope["path"][len(PREFIX):]
        query = {key: values[-1] for key, values in
                 parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}
        if page == "/verify-email" and scope["method"] == "GET":
            status, body = await self._verify(query.get("token", ""))
        elif page == "/reset-password" and scope["method"] == "GET":
            status, body = 200, _reset_form(query.get("token", ""), "")
        elif page == "/reset-password" and scope["method"] == "POST":
            form = await _form(receive)
            status, body = await self._reset(form.get("token", ""), form.get("password", ""))
        else:
            status, body = 404, _page("Not found", "<p>No such local app page.</p>")
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _call(self, path: str, payload: dict[str, str]) -> Any:
        import httpx

        async with httpx.AsyncClient(base_url=self.api_url, timeout=30) as client:
            return await client.post(path, json=payload)

    async def _verify(self, token: str) -> tuple[int, bytes]:
        response = await self._call("/v1/auth/verify-email", {"token": token})
        if response.status_code == 204:
            return 200, _page("Email verified", "<p>Your email address is confirmed.</p>")
        return response.status_code, _page(
            "Not verified", f"<p>{html.escape(_problem_text(response))}</p>")

    async def _reset(self, token: str, password: str) -> tuple[int, bytes]:
        response = await self._call("/v1/auth/password/reset",
                                    {"token": token, "password": password})
        if response.status_code == 204:
            return 200, _page("Password changed",
                              "<p>Sign in with the new password; other sessions have ended.</p>")
        return response.status_code, _reset_form(token, _problem_text(response))


def _reset_form(token: str, error: str) -> bytes:
    shown = f"<p><strong>{html.escape(error)}</strong></p>" if error else ""
    return _page("Choose a new password", (
        f"{shown}<form method='post' action='{PREFIX}/reset-password'>"
        f"<input type='hidden' name='token' value='{html.escape(token, quote=True)}'>"
        "<p><input type='password' name='password' autocomplete='new-password' required "
        "minlength='8' placeholder='New password'></p><p><button>Set password</button></p>"
        "</form>"))


async def _form(receive: Receive) -> dict[str, str]:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body") or len(body) > MAX_FORM_BYTES:
            break
    return {key: values[-1] for key, values in parse_qs(body.decode()).items()}
