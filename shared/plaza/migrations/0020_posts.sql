-- Posts: the posts themselves (media ids inline), likes, comments, hashtags, mentions, and the
-- Idempotency-Key records of POST /v1/posts.
--
-- posts.like_count / comment_count are kept exact by triggers on likes and comments, the way
-- 0011 keeps follower counts: every path that adds or removes a like adjusts the count in the
-- same transaction, under the post row's lock, and a like row changes at most once per request
-- (ON CONFLICT DO NOTHING / DELETE), so 50 concurrent like/unlike requests leave the exact count.
CREATE TABLE IF NOT EXISTS posts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text text NOT NULL CHECK (char_length(text) <= 5000),
    -- Media ids as the media service hands them out; a post has at most 10 and no per-media data.
    media_ids text[] NOT NULL DEFAULT '{}' CHECK (cardinality(media_ids) <= 10),
    visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'followers')),
    reply_to uuid REFERENCES posts (id) ON DELETE SET NULL,
    -- Lower-cased, without '#', in order of first appearance: what the API returns.
    hashtags text[] NOT NULL DEFAULT '{}',
    like_count integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    comment_count integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    -- clock_timestamp(), not now(): posts made in one transaction still get distinct, ordered keys.
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    edited_at timestamptz,
    -- Soft delete: the row stays (replies, moderation); every read filters deleted_at IS NULL.
    deleted_at timestamptz,
    deleted_by uuid REFERENCES users (id) ON DELETE SET NULL
);

-- A user's posts, newest first (keyset on created_at, id); also the hybrid fan-out's read-time merge.
CREATE INDEX IF NOT EXISTS posts_author_idx ON posts (author_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- Recent public posts (explore, trending candidates).
CREATE INDEX IF NOT EXISTS posts_public_recent_idx ON posts (created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX IF NOT EXISTS posts_reply_to_idx ON posts (reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE IF NOT EXISTS likes (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (post_id, user_id)
);

-- What a user liked, newest first (recommendations: posts liked by the people one follows).
CREATE INDEX IF NOT EXISTS likes_user_idx ON likes (user_id, created_at DESC, post_id);

CREATE TABLE IF NOT EXISTS comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 2000),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz
);

-- A post's comments, oldest first (a conversation reads top to bottom), keyset on (created_at, id).
CREATE INDEX IF NOT EXISTS comments_post_idx ON comments (post_id, created_at, id)
    WHERE deleted_at IS NULL;

-- Every hashtag ever used, with when it first appeared (search and trending look tags up here).
CREATE TABLE IF NOT EXISTS hashtags (
    tag text PRIMARY KEY CHECK (tag = lower(tag) AND char_length(tag) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A hashtag's posts; created_at copied from the post so a tag page is one index range scan.
CREATE TABLE IF NOT EXISTS post_hashtags (
    tag text NOT NULL REFERENCES hashtags (tag),
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tag, post_id)
);

CREATE INDEX IF NOT EXISTS post_hashtags_page_idx ON post_hashtags (tag, created_at DESC, post_id DESC);
CREATE INDEX IF NOT EXISTS post_hashtags_post_idx ON post_hashtags (post_id);

-- Users a post mentions (resolved when written: unknown or blocked names are not mentions).
CREATE TABLE IF NOT EXISTS mentions (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);

CREATE INDEX IF NOT EXISTS mentions_user_idx ON mentions (user_id, created_at DESC, post_id);

-- Idempotency-Key of a create: claimed in the same transaction as the post it creates, so of two
-- concurrent identical requests the second waits on the primary key, then reads the first's
-- stored response. request_hash tells "the same body" (replay) from "another body" (409).
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE INDEX IF NOT EXISTS idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

CREATE OR REPLACE FUNCTION likes_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE posts SET like_count = like_count + 1 WHERE id = NEW.post_id;
        RETURN NEW;
    END IF;
    -- GREATEST: a count never goes negative.
    UPDATE posts SET like_count = GREATEST(like_count - 1, 0) WHERE id = OLD.post_id;
    RETURN OLD;
END;
$$;

DROP TRIGGER IF EXISTS likes_count ON likes;
CREATE TRIGGER likes_count AFTER INSERT OR DELETE ON likes
    FOR EACH ROW EXECUTE FUNCTION likes_count();

-- A comment counts while it exists and is not deleted (soft or hard).
CREATE OR REPLACE FUNCTION comments_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    delta integer := 0;
BEGIN
    IF TG_OP = 'INSERT' THEN
        delta := CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE 0 END;
    ELSIF TG_OP = 'DELETE' THEN
        delta := CASE WHEN OLD.deleted_at IS NULL THEN -1 ELSE 0 END;
    ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
        delta := -1;
    ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
        delta := 1;
    END IF;
    IF delta <> 0 THEN
        UPDATE posts SET comment_count = GREATEST(comment_count + delta, 0)
            WHERE id = COALESCE(NEW.post_id, OLD.post_id);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS comments_count ON comments;
CREATE TRIGGER comments_count AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_count();
