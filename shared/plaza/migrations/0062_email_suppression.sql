-- Mail (plaza.emails): the suppression list SES bounces and complaints feed, which the sender
-- honours; the sends already made, so a redelivered queue message is not mailed twice; the
-- account flag of a hard bounce. Also Web Push subscriptions beside the mobile push tokens.
CREATE TABLE IF NOT EXISTS email_suppressions (
    -- citext: SES reports the address as the receiving server spelled it.
    address citext PRIMARY KEY,
    reason text NOT NULL CHECK (reason IN ('bounce', 'complaint')),
    detail text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per queued email sent (the id enqueue gave it); pruned after SQS's longest retention.
CREATE TABLE IF NOT EXISTS email_sends (
    id uuid PRIMARY KEY,
    template text NOT NULL,
    ses_message_id text NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS email_sends_sent_at_idx ON email_sends (sent_at);

ALTER TABLE users ADD COLUMN IF NOT EXISTS email_bounced_at timestamptz;

-- Web Push: the token is the subscription's endpoint, its keys (p256dh, auth) beside it.
ALTER TABLE push_tokens DROP CONSTRAINT IF EXISTS push_tokens_platform_check;
ALTER TABLE push_tokens ADD CONSTRAINT push_tokens_platform_check
    CHECK (platform IN ('apns', 'apns_sandbox', 'fcm', 'webpush'));
ALTER TABLE push_tokens ADD COLUMN IF NOT EXISTS web_push_keys jsonb;
ALTER TABLE push_tokens DROP CONSTRAINT IF EXISTS push_tokens_web_push_keys_check;
ALTER TABLE push_tokens ADD CONSTRAINT push_tokens_web_push_keys_check
    CHECK ((platform = 'webpush') = (web_push_keys IS NOT NULL));
