-- Moderation: users' reports with a snapshot of what they reported, content hidden or removed by
-- moderation, and the append-only audit log of every admin and moderator action.
--
-- Hiding a post or comment sets its deleted_at, so every read that already leaves deleted content
-- out (feeds, pages, counts, search) leaves it out too; `moderation` says why it went ('hidden'
-- pending review after enough reports, 'removed' by a moderator) and lets a dismissal bring back
-- only what moderation hid. Messages have no soft delete: history shows a placeholder instead.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS moderation text
    CHECK (moderation IN ('hidden', 'removed'));
ALTER TABLE posts ADD COLUMN IF NOT EXISTS moderated_at timestamptz;
ALTER TABLE comments ADD COLUMN IF NOT EXISTS moderation text
    CHECK (moderation IN ('hidden', 'removed'));
ALTER TABLE comments ADD COLUMN IF NOT EXISTS moderated_at timestamptz;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS moderation text
    CHECK (moderation IN ('hidden', 'removed'));
ALTER TABLE messages ADD COLUMN IF NOT EXISTS moderated_at timestamptz;

-- A ban is a suspension that only an admin lifts (moderators may reinstate other suspensions).
ALTER TABLE users ADD COLUMN IF NOT EXISTS banned_at timestamptz;

CREATE TABLE IF NOT EXISTS reports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type text NOT NULL CHECK (target_type IN ('post', 'comment', 'user', 'message')),
    -- No foreign key: the report, and its snapshot, outlive the content it is about.
    target_id uuid NOT NULL,
    target_author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    reason text NOT NULL CHECK (reason IN ('spam', 'abuse', 'nudity', 'violence', 'other')),
    note text CHECK (char_length(note) <= 1000),
    -- The content as the reporter saw it: deleting or editing it later hides no evidence.
    snapshot jsonb NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    resolved_at timestamptz,
    resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    resolution text CHECK (resolution IN ('dismiss', 'take_down', 'warn', 'suspend', 'ban')),
    resolution_reason text
);

-- One open report per reporter and target: a repeat finds this one (and a race loses to it).
CREATE UNIQUE INDEX IF NOT EXISTS reports_open_once_idx
    ON reports (reporter_id, target_type, target_id) WHERE status = 'open';
-- The moderator queue groups by target.
CREATE INDEX IF NOT EXISTS reports_target_idx ON reports (target_type, target_id, status);
CREATE INDEX IF NOT EXISTS reports_status_idx ON reports (status, created_at DESC);

-- Moderation outcomes are notifications too.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message', 'moderation'));
ALTER TABLE notification_preferences DROP CONSTRAINT IF EXISTS notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
    CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message', 'moderation'));

-- The audit log: one row per admin or moderator action, written in the action's transaction.
-- No foreign keys: the record stays whatever happens to the accounts it names.
CREATE TABLE IF NOT EXISTS audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id uuid NOT NULL,
    actor_role text NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text NOT NULL,
    reason text,
    -- {"before": {...}, "after": {...}}: what the action changed.
    changes jsonb NOT NULL DEFAULT '{}',
    request_id text
);

CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX IF NOT EXISTS audit_log_target_idx ON audit_log (target_id, at DESC);

-- Append-only: UPDATE and DELETE are refused for every role, the application's included.
-- TRUNCATE is left to the table's owner (the test harness empties every table between tests,
-- and an operator's deliberate wipe is not the application's to refuse).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
