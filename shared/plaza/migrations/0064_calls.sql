-- Audio and video calls in a conversation (the media flows through the provider, Agora; Plaza
-- hands out tokens and keeps the log). One live (ringing or active) call per conversation. A call
-- nobody answers within the ring timeout ends as missed (the call_ring state machine).
CREATE TABLE IF NOT EXISTS calls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    caller_id uuid REFERENCES users (id) ON DELETE SET NULL,
    kind text NOT NULL CHECK (kind IN ('audio', 'video')),
    channel text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'ringing'
        CHECK (status IN ('ringing', 'active', 'ended', 'missed', 'declined')),
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    answered_at timestamptz,
    ended_at timestamptz,
    ended_by uuid REFERENCES users (id) ON DELETE SET NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS calls_one_live_idx ON calls (conversation_id)
    WHERE status IN ('ringing', 'active');
-- The call log: newest first per conversation.
CREATE INDEX IF NOT EXISTS calls_log_idx ON calls (conversation_id, started_at DESC, id DESC);

-- Who takes part: the caller and each member rung; `uid` is their Agora user id in the channel.
CREATE TABLE IF NOT EXISTS call_participants (
    call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    uid integer NOT NULL CHECK (uid > 0),
    state text NOT NULL CHECK (state IN ('caller', 'ringing', 'accepted', 'declined')),
    answered_at timestamptz,
    PRIMARY KEY (call_id, user_id),
    UNIQUE (call_id, uid)
);

-- "call" (someone is calling you, for a member no socket reached: a push) and "call_missed".
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message', 'moderation', 'export_ready',
                    'call', 'call_missed'));
ALTER TABLE notification_preferences DROP CONSTRAINT IF EXISTS notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
    CHECK (kind IN ('follow', 'like', 'comment', 'mention', 'message', 'moderation', 'export_ready',
                    'call', 'call_missed'));
