-- Which posts' fan-out has run to its end, so the reconciler (plaza.feeds.reconcile) can find the
-- ones an outage stopped for good or never let start, and start them again.
--
-- fanout_completed_at: written by the post_fanout state machine's last step (after the feeds,
-- the search indexing and the mentions), NULL until then.
-- fanout_restarts: how many times the reconciler started the fan-out again; the next execution
-- is named post-<id>-r<n+1>, because an execution's name cannot be reused.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS fanout_completed_at timestamptz;
ALTER TABLE posts ADD COLUMN IF NOT EXISTS fanout_restarts integer NOT NULL DEFAULT 0;

-- Posts from before this migration had their one chance: they count as done.
UPDATE posts SET fanout_completed_at = created_at WHERE fanout_completed_at IS NULL;

-- The unfinished fan-outs, oldest first: a handful at any time, so the index stays tiny.
CREATE INDEX IF NOT EXISTS posts_fanout_pending_idx ON posts (created_at)
    WHERE fanout_completed_at IS NULL AND deleted_at IS NULL;
