"""The EmailQueue consumer against the real Postgres and moto's SES: it sends what it can, reports
only the failed messages, drops junk, never mails a suppressed address or the same message twice,
and the SES feedback it is told of fills the suppression list."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg

from localcloud.embedded import EmbeddedStores
from plaza import emails
from plaza.emails import feedback, suppression
from plaza.identity import repo
from tests.support.identity import Outbox
from tests.support.lambdas import FakeContext, load_function
from tests.support.users import insert_user


def _message(template: str, *, to_user_id: str | None = None, to_address: str | None = None,
             context: dict[str, Any] | None = None, message_id: str | None = None) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "template": template, "to_user_id": to_user_id,
            "to_address": to_address, "context": context or {}}
    return {"MessageId": message_id or f"m-{uuid.uuid4().hex[:8]}", "Body": json.dumps(body)}


def test_a_batch_reports_only_the_message_ses_refused_and_drops_junk(mail_env: Outbox) -> None:
    ann = insert_user("ann")
    result = mail_env.deliver([
        _message("deletion_scheduled", to_user_id=ann, context={"delete_at": "2026-12-13"},
                 message_id="ok"),
        _message("deletion_cancelled", to_address="not an address", message_id="refused"),
        {"MessageId": "junk", "Body": "not json"},
        _message("export_ready", to_user_id=ann, message_id="unrenderable"),  # no download_url
    ])
    assert result == {"batchItemFailures": [{"itemIdentifier": "refused"}]}
    [sent] = mail_env.messages("ann@example.edu")
    assert sent.subject == "Your Plaza account will be deleted"
    assert "on 2026-12-13 the account" in sent.body and "Hi Ann," in sent.body


def test_a_redelivered_message_is_not_mailed_twice(mail_env: Outbox) -> None:
    ann = insert_user("ann")
    message = _message("deletion_cancelled", to_user_id=ann)
    assert mail_env.deliver([message]) == {"batchItemFailures": []}
    assert mail_env.deliver([message]) == {"batchItemFailures": []}
    assert len(mail_env.messages("ann@example.edu")) == 1


def test_a_suppressed_address_gets_no_mail_until_it_is_lifted(mail_env: Outbox) -> None:
    ann = insert_user("ann")
    suppression.suppress("ANN@example.edu", "bounce", "Permanent/General")  # any case
    assert mail_env.deliver([_message("deletion_cancelled", to_user_id=ann)]) == {
        "batchItemFailures": []}
    assert mail_env.messages("ann@example.edu") == []
    assert suppression.lift("ann@example.edu")
    mail_env.deliver([_message("deletion_cancelled", to_user_id=ann)])
    assert len(mail_env.messages("ann@example.edu")) == 1


def test_verification_mail_carries_a_fresh_working_token_and_none_once_verified(
        mail_env: Outbox, clean_stores: EmbeddedStores) -> None:
    ann = insert_user("ann")
    emails.enqueue("verify_email", to_user_id=ann, context={})
    [queued] = mail_env.queued()
    assert "token" not in queued["Body"]  # minted when sent, never waiting in the queue
    mail_env.deliver([queued])
    token = mail_env.last_token("ann@example.edu", "confirm")
    with psycopg.connect(clean_stores.database_url) as conn:
        [count] = conn.execute("SELECT count(*) FROM email_tokens WHERE purpose = 'verify_email'"
                               " AND user_id = %s", (ann,)).fetchone() or (0,)
    assert count == 1 and len(token) > 20
    repo.mark_email_verified(ann)
    mail_env.deliver([_message("verify_email", to_user_id=ann)])
    assert len(mail_env.messages("ann@example.edu")) == 1


def test_a_reset_for_an_unknown_or_suspended_account_sends_nothing(
        mail_env: Outbox, clean_stores: EmbeddedStores) -> None:
    insert_user("ann")
    with psycopg.connect(clean_stores.database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET status = 'suspended' WHERE username = 'ann'")
    mail_env.deliver([_message("reset_password", to_address="ann@example.edu"),
                      _message("reset_password", to_address="ghost@example.edu")])
    assert mail_env.messages() == []


def _bounce(kind: str, address: str) -> dict[str, Any]:
    return {"eventType": "Bounce", "mail": {"messageId": "m"}, "bounce": {
        "bounceType": kind, "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"}]}}


def test_feedback_suppresses_hard_bounces_and_complaints_and_flags_bounced_accounts(
        mail_env: Outbox, clean_stores: EmbeddedStores) -> None:
    insert_user("ann")
    insert_user("bob")
    handler = load_function("functions/auth/email_feedback.py").handler

    def notify(*messages: dict[str, Any]) -> dict[str, int]:
        records = [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(m)}} for m in messages]
        return dict(handler({"Records": records}, FakeContext()))

    assert notify(_bounce("Transient", "ann@example.edu")) == {"suppressed": 0,
                                                               "accounts_flagged": 0}
    assert not suppression.is_suppressed("ann@example.edu")
    complaint = {"notificationType": "Complaint", "complaint": {
        "complainedRecipients": [{"emailAddress": "bob@example.edu"}],
        "complaintFeedbackType": "abuse"}}
    assert notify(_bounce("Permanent", "Ann@Example.edu"), complaint) == {
        "suppressed": 2, "accounts_flagged": 1}
    # Redelivered by SNS: nothing changes twice.
    assert notify(_bounce("Permanent", "ann@example.edu"))["suppressed"] == 1
    with psycopg.connect(clean_stores.database_url) as conn:
        rows = conn.execute("SELECT u.username::text, u.email_bounced_at IS NOT NULL, s.reason"
                            " FROM users u JOIN email_suppressions s ON s.address = u.email"
                            " ORDER BY 1").fetchall()
    assert rows == [("ann", True, "bounce"), ("bob", False, "complaint")]
    assert feedback.record({"eventType": "Delivery"}).suppressed == []
