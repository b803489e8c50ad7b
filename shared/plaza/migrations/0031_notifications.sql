-- Notifications: what each user was told (follow, like, comment, mention, message), their
-- per-kind preferences, and the push tokens of their devices.
--
-- One row per (recipient, dedupe_key): the consumer inserts with ON CONFLICT DO NOTHING, so an
-- SQS message delivered twice (or a like, unlike, like again) is stored, and delivered, once.
CREATE TABLE IF NOT EXISTS notifications (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message')),
    actor_id uuid REFERENCES users (id) ON DELETE CASCADE,
    data jsonb NOT NULL DEFAULT '{}',
    dedupe_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    CONSTRAINT notifications_dedupe_key UNIQUE (recipient_id, dedupe_key)
);

-- A page is a backward range scan from the cursor; the unread count reads only unread rows.
CREATE INDEX IF NOT EXISTS notifications_page_idx
    ON notifications (recipient_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS notifications_unread_idx
    ON notifications (recipient_id) WHERE read_at IS NULL;

-- Only the kinds a user turned off have a row: every kind is on by default.
CREATE TABLE IF NOT EXISTS notification_preferences (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message')),
    enabled boolean NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- One push token per (user, device). A token belongs to one device, so registering it for
-- another user (a shared phone, a new login) takes it from the previous one. endpoint_arn is
-- the SNS platform endpoint, created on the first push to the token.
CREATE TABLE IF NOT EXISTS push_tokens (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id text NOT NULL,
    platform text NOT NULL CHECK (platform IN ('apns', 'apns_sandbox', 'fcm')),
    token text NOT NULL,
    endpoint_arn text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, device_id),
    CONSTRAINT push_tokens_token_key UNIQUE (platform, token)
);
