"""The repo's email templates: every one renders its subject, text and HTML from the context its
callers give; HTML escapes what users wrote, text keeps it; a missing variable is refused."""

from __future__ import annotations

import email
import email.policy

import pytest

from plaza import emails, errors
from plaza.emails import rendering
from plaza.stores import mail

BASE = {"display_name": "Ann", "to_address": "ann@example.edu",
        "app_base_url": "https://app.example"}
CONTEXTS = {
    "verify_email": {"token": "tok_123", "link": "https://app.example/verify-email?token=tok_123"},
    "reset_password": {"token": "tok_456",
                       "link": "https://app.example/reset-password?token=tok_456"},
    "new_device_sign_in": {"device": "Firefox", "ip": "203.0.113.9",
                           "signed_in_at": "2026-12-06 09:00 UTC",
                           "sessions_url": "https://app.example/settings/sessions"},
    "export_ready": {"download_url": "https://s3.example/export.zip?X-Amz-Signature=abc&x=1",
                     "expires_at": "2026-12-13 09:00 UTC"},
    "deletion_scheduled": {"delete_at": "2026-12-13 09:00 UTC"},
    "deletion_cancelled": {},
}


def test_every_template_has_a_context_here() -> None:
    assert set(CONTEXTS) == emails.TEMPLATES


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_each_template_renders_a_one_line_subject_text_and_html(template: str) -> None:
    rendered = rendering.render(template, {**BASE, **CONTEXTS[template]})
    assert rendered.subject and "\n" not in rendered.subject and "Plaza" in rendered.subject
    assert rendered.text.startswith("Hi Ann,")
    assert rendered.html.startswith("<!doctype html>") and "Hi Ann," in rendered.html
    for value in CONTEXTS[template].values():
        assert value in rendered.text
    assert "ann@example.edu" in rendered.html


def test_html_escapes_what_users_wrote_and_text_keeps_it() -> None:
    context = {**BASE, **CONTEXTS["new_device_sign_in"],
               "display_name": 'Eve <img src=x onerror="alert(1)">', "device": "<script>x</script>"}
    rendered = rendering.render("new_device_sign_in", context)
    assert "<script>" not in rendered.html and "&lt;script&gt;x&lt;/script&gt;" in rendered.html
    assert "<img" not in rendered.html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in rendered.html
    assert "<script>x</script>" in rendered.text
    assert 'Hi Eve <img src=x onerror="alert(1)">,' in rendered.text


def test_a_link_keeps_its_query_in_text_and_is_attribute_escaped_in_html() -> None:
    rendered = rendering.render("export_ready", {**BASE, **CONTEXTS["export_ready"]})
    assert "X-Amz-Signature=abc&x=1" in rendered.text
    assert 'href="https://s3.example/export.zip?X-Amz-Signature=abc&amp;x=1"' in rendered.html


def test_a_context_missing_a_variable_is_invalid_not_a_blank() -> None:
    with pytest.raises(errors.Invalid, match="download_url"):
        rendering.render("export_ready", {**BASE, "expires_at": "soon"})


def test_an_unknown_template_is_invalid() -> None:
    with pytest.raises(errors.Invalid):
        rendering.render("no_such_mail", BASE)


def test_the_mime_message_carries_text_and_html_alternatives() -> None:
    rendered = rendering.render("verify_email", {**BASE, **CONTEXTS["verify_email"]})
    raw = mail.build("Plaza <no-reply@plaza.dev>", "ann@example.edu", rendered.subject,
                     rendered.text, rendered.html)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["To"] == "ann@example.edu" and parsed["Subject"] == rendered.subject
    assert parsed.get_body(preferencelist=("plain",)).get_content() == rendered.text
    assert parsed.get_body(preferencelist=("html",)).get_content().rstrip() == rendered.html.rstrip()


def test_enqueue_refuses_an_unknown_template_or_an_ambiguous_recipient() -> None:
    with pytest.raises(ValueError):
        emails.enqueue("no_such_mail", to_address="a@b.c", context={})
    with pytest.raises(ValueError):
        emails.enqueue("verify_email", context={})
    with pytest.raises(ValueError):
        emails.enqueue("verify_email", to_user_id="u", to_address="a@b.c", context={})


@pytest.mark.parametrize("body", ["not json", "[]", '{"template": "spam", "id": "x"}',
                                  '{"template": "verify_email", "id": "x", "context": {}}',
                                  '{"template": "verify_email", "to_address": "a@b.c", "context": {}}'])
def test_parse_refuses_what_is_not_a_queued_email(body: str) -> None:
    with pytest.raises(errors.Invalid):
        emails.parse(body)
