-- Data exports (GDPR access): one row per request (at most one a day per user), carried out by
-- the data_export state machine: a plan of pages, one part file per page on S3 (each recorded
-- once here, so progress counts parts and a retried page counts once), then one zip.
CREATE TABLE IF NOT EXISTS data_exports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'ready', 'failed')),
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    parts_total integer CHECK (parts_total > 0),
    object_key text,
    size_bytes bigint,
    completed_at timestamptz,
    expires_at timestamptz
);

-- "One a day": the user's latest request.
CREATE INDEX IF NOT EXISTS data_exports_user_idx ON data_exports (user_id, requested_at DESC);

CREATE TABLE IF NOT EXISTS data_export_parts (
    export_id uuid NOT NULL REFERENCES data_exports (id) ON DELETE CASCADE,
    part integer NOT NULL CHECK (part > 0),
    rows_written integer NOT NULL,
    PRIMARY KEY (export_id, part)
);

-- An export reads a user's messages and comments by author; so does account deletion.
CREATE INDEX IF NOT EXISTS messages_sender_idx ON messages (sender_id, id) WHERE sender_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS comments_author_idx ON comments (author_id, id);

-- "Your data export is ready" is a notification without an actor (Plaza sends it).
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message', 'moderation', 'export_ready'));
ALTER TABLE notification_preferences DROP CONSTRAINT IF EXISTS notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
    CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message', 'moderation', 'export_ready'));
