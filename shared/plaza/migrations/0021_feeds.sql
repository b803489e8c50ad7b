-- Home feeds, fanned out on write: one row per (reader, post) for authors at or below the fan-out
-- threshold (authors above it are merged in at read time, plaza.feeds.repo.home_page).
--
-- The primary key is the read order: a page is a backward range scan of (user_id, created_at,
-- post_id) from the cursor, however deep the reader pages. created_at is the post's own, copied,
-- so a retried batch writes the same key and ON CONFLICT DO NOTHING makes it a no-op.
-- No foreign keys on purpose: fan-out writes thousands of rows per statement and a per-row FK
-- check on posts and users would cost about as much as the insert itself. Reads join posts
-- (deleted_at IS NULL) and users (active) anyway, and the triggers below keep the table clean.
CREATE TABLE IF NOT EXISTS home_feed_entries (
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    post_id uuid NOT NULL,
    author_id uuid NOT NULL,
    PRIMARY KEY (user_id, created_at, post_id)
);

-- Removing a deleted post's rows, and an unfollowed author's rows from one reader's feed.
CREATE INDEX IF NOT EXISTS home_feed_entries_post_idx ON home_feed_entries (post_id);
CREATE INDEX IF NOT EXISTS home_feed_entries_author_idx ON home_feed_entries (user_id, author_id);

-- A soft-deleted (or hard-deleted) post leaves every feed in the same transaction.
CREATE OR REPLACE FUNCTION home_feed_remove_post() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed_entries WHERE post_id = OLD.id;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS home_feed_remove_deleted_post ON posts;
CREATE TRIGGER home_feed_remove_deleted_post AFTER UPDATE OF deleted_at ON posts
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
    EXECUTE FUNCTION home_feed_remove_post();

DROP TRIGGER IF EXISTS home_feed_remove_post ON posts;
CREATE TRIGGER home_feed_remove_post AFTER DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION home_feed_remove_post();

-- Unfollowing (and blocking, which deletes the follows both ways) takes the author's posts out
-- of the follower's feed: every path that removes a follow goes through this table.
CREATE OR REPLACE FUNCTION home_feed_remove_unfollowed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_feed_entries WHERE user_id = OLD.follower_id AND author_id = OLD.followee_id;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS home_feed_remove_unfollowed ON follows;
CREATE TRIGGER home_feed_remove_unfollowed AFTER DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION home_feed_remove_unfollowed();
