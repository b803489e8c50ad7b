-- Media: files users upload straight to S3 (presigned POST, or multipart for video), their
-- processing outcome (pending -> ready | rejected), the variants written beside them, and what
-- each is attached to (a post, a chat message, an avatar), which decides who else may see it.
CREATE TABLE IF NOT EXISTS media (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('avatar', 'post', 'chat', 'document', 'video')),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
    -- As declared when the upload was signed; the stored object's real type is decided by
    -- processing from its bytes, and a mismatch rejects it.
    content_type text NOT NULL,
    declared_size bigint NOT NULL CHECK (declared_size > 0),
    -- The bytes kept (original and variants), set by processing: what the quota counts.
    size bigint,
    filename text CHECK (char_length(filename) <= 255),
    upload_key text NOT NULL UNIQUE,
    multipart_upload_id text,
    width integer,
    height integer,
    blurhash text,
    pages integer,
    -- variant name -> object key (original, thumb, medium)
    variants jsonb NOT NULL DEFAULT '{}',
    reason text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    processed_at timestamptz,
    -- First attached: media never attached within a day is cleaned up.
    attached_at timestamptz
);
CREATE INDEX IF NOT EXISTS media_owner_idx ON media (owner_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS media_unattached_idx ON media (created_at) WHERE attached_at IS NULL;

-- kind: post | message | avatar; target_id: the post's, message's or user's id. A rule the
-- owning domain registers (plaza.media.access) says who may see media attached to a target.
CREATE TABLE IF NOT EXISTS media_attachments (
    media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('post', 'message', 'avatar')),
    target_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (media_id, kind, target_id)
);
CREATE INDEX IF NOT EXISTS media_attachments_target_idx ON media_attachments (kind, target_id);

-- Chat messages may carry media (plaza.chat checks them with plaza.media).
ALTER TABLE messages ADD COLUMN IF NOT EXISTS media_ids uuid[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(media_ids) <= 10);
