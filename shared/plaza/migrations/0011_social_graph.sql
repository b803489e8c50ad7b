-- Social graph: follows and blocks between users, with users.follower_count / following_count
-- (from 0010) kept exact by triggers on follows.
--
-- Why counters and not count(*): a profile is read far more often than anyone follows, and
-- counting a popular account's followers on every profile view costs O(followers). Why triggers:
-- every path that adds or removes a follow (follow, unfollow, a block, deleting an account through
-- ON DELETE CASCADE) then adjusts the counts in the same transaction, with no code path to forget.
-- Exact under concurrency: `count = count +/- 1` runs under the row lock the UPDATE takes, and the
-- follow row itself changes at most once per request (ON CONFLICT DO NOTHING / DELETE RETURNING).
-- The service locks both users' rows in id order first, so A->B and B->A at once cannot deadlock.
CREATE TABLE IF NOT EXISTS follows (
    follower_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (follower_id, followee_id),
    CONSTRAINT follows_not_self CHECK (follower_id <> followee_id)
);

-- Keyset pages, newest first: a user's followers, and who a user follows. The primary key answers
-- "does A follow B"; these two answer the lists without a sort.
CREATE INDEX IF NOT EXISTS follows_followee_idx ON follows (followee_id, created_at, follower_id);
CREATE INDEX IF NOT EXISTS follows_follower_idx ON follows (follower_id, created_at, followee_id);

CREATE TABLE IF NOT EXISTS blocks (
    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT blocks_not_self CHECK (blocker_id <> blocked_id)
);

-- "Who blocked me": the other half of "blocked either way".
CREATE INDEX IF NOT EXISTS blocks_blocked_idx ON blocks (blocked_id, blocker_id);

CREATE OR REPLACE FUNCTION follows_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET following_count = following_count + 1 WHERE id = NEW.follower_id;
        UPDATE users SET follower_count = follower_count + 1 WHERE id = NEW.followee_id;
        RETURN NEW;
    END IF;
    -- GREATEST: a count never goes negative, even for rows older than this trigger.
    UPDATE users SET following_count = GREATEST(following_count - 1, 0) WHERE id = OLD.follower_id;
    UPDATE users SET follower_count = GREATEST(follower_count - 1, 0) WHERE id = OLD.followee_id;
    RETURN OLD;
END;
$$;

DROP TRIGGER IF EXISTS follows_count ON follows;
CREATE TRIGGER follows_count AFTER INSERT OR DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION follows_count();
