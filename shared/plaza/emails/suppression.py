"""The suppression list and the record of sends: SQL over email_suppressions and email_sends.

An address SES reported as hard-bounced or complained about is never mailed again (sending to it
hurts the account's reputation and, past AWS's thresholds, pauses sending for everyone).
"""

from __future__ import annotations

from plaza.stores import db

REASONS = ("bounce", "complaint")
# SQS keeps a message at most 14 days: an older send cannot be redelivered.
SENDS_KEPT_DAYS = 14


def is_suppressed(address: str) -> bool:
    return db.fetch_one("SELECT 1 FROM email_suppressions WHERE address = %s", (address,)) is not None


def suppress(address: str, reason: str, detail: str = "") -> bool:
    """Put `address` on the list (a complaint outranks a bounce); whether it was new."""
    assert reason in REASONS
    row = db.fetch_one(
        "INSERT INTO email_suppressions (address, reason, detail) VALUES (%s, %s, %s)"
        " ON CONFLICT (address) DO UPDATE SET updated_at = now(),"
        " reason = CASE WHEN EXCLUDED.reason = 'complaint' THEN 'complaint'"
        " ELSE email_suppressions.reason END, detail = EXCLUDED.detail"
        " RETURNING (xmax = 0) AS inserted", (address, reason, detail[:500]))
    return bool(row and row["inserted"])


def lift(address: str) -> bool:
    """Take `address` off the list (support confirmed the mailbox works again)."""
    return db.execute("DELETE FROM email_suppressions WHERE address = %s", (address,)) > 0


def was_sent(message_id: str) -> bool:
    return db.fetch_one("SELECT 1 FROM email_sends WHERE id = %s", (message_id,)) is not None


def record_sent(message_id: str, template: str, ses_message_id: str) -> None:
    db.execute("INSERT INTO email_sends (id, template, ses_message_id) VALUES (%s, %s, %s)"
               " ON CONFLICT (id) DO NOTHING", (message_id, template, ses_message_id))


def prune_sends() -> int:
    """Forget sends no redelivery can repeat any more; bounded, so a backlog drains over runs."""
    return db.execute(
        "DELETE FROM email_sends WHERE id IN (SELECT id FROM email_sends"
        " WHERE sent_at < now() - make_interval(days => %s) LIMIT 1000)", (SENDS_KEPT_DAYS,))
