-- Chat: conversations (direct or group), their members with a read position, messages ordered by
-- a per-conversation sequence, and delivery receipts.
--
-- Ordering: conversations.last_seq is the counter row. Sending a message bumps it with
-- `UPDATE ... SET last_seq = last_seq + 1 RETURNING last_seq`, which holds the conversation's row
-- lock until commit, so two senders get distinct, gap-free sequences in commit order.
-- Idempotency: (conversation_id, sender_id, client_msg_id) is unique; a repeated send finds the
-- stored message instead of storing a second one, even when both sends race.
CREATE TABLE IF NOT EXISTS conversations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('direct', 'group')),
    title text CHECK (char_length(title) <= 100),
    -- The two member ids in sorted order, for direct conversations only: one per pair of users.
    direct_key text UNIQUE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seq bigint NOT NULL DEFAULT 0,
    last_message_at timestamptz,
    CONSTRAINT conversations_direct_key CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);

CREATE TABLE IF NOT EXISTS conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The sequence of the last message this member has read: unread = last_seq - last_read_seq.
    last_read_seq bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
);

-- A user's conversations, and the partners they share one with.
CREATE INDEX IF NOT EXISTS conversation_members_user_idx
    ON conversation_members (user_id, conversation_id);

CREATE TABLE IF NOT EXISTS messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    sender_id uuid REFERENCES users (id) ON DELETE SET NULL,
    client_msg_id text NOT NULL CHECK (char_length(client_msg_id) BETWEEN 1 AND 100),
    text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Also the keyset of a conversation's history pages, newest first.
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, sender_id, client_msg_id)
);

CREATE TABLE IF NOT EXISTS message_deliveries (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    delivered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (message_id, user_id)
);
