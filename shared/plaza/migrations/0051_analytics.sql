-- Analytics: the hourly rollup's numbers, one row per (granularity, metric, bucket).
--
-- The rollup rewrites its rows (INSERT … ON CONFLICT DO UPDATE), so rerunning an hour gives the
-- same table. Buckets are UTC hours and days. Active users are counted in Redis (HyperLogLog per
-- day and hour, with a TTL) and persisted here by the rollup; the other metrics are counted from
-- their tables.
CREATE TABLE IF NOT EXISTS analytics_rollups (
    granularity text NOT NULL CHECK (granularity IN ('hour', 'day')),
    metric text NOT NULL CHECK (char_length(metric) <= 40),
    bucket timestamptz NOT NULL,
    value bigint NOT NULL CHECK (value >= 0),
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (granularity, metric, bucket)
);

-- The rollup counts rows created within an hour or a day. These tables are appended in time
-- order, so a BRIN index on created_at finds a range for a few pages of index and costs writes
-- next to nothing (a B-tree per table would be paid on every like and message).
CREATE INDEX IF NOT EXISTS users_created_brin ON users USING brin (created_at);
CREATE INDEX IF NOT EXISTS likes_created_brin ON likes USING brin (created_at);
CREATE INDEX IF NOT EXISTS comments_created_brin ON comments USING brin (created_at);
CREATE INDEX IF NOT EXISTS conversations_created_brin ON conversations USING brin (created_at);
CREATE INDEX IF NOT EXISTS messages_created_brin ON messages USING brin (created_at);
CREATE INDEX IF NOT EXISTS reports_created_brin ON reports USING brin (created_at);
CREATE INDEX IF NOT EXISTS posts_created_brin ON posts USING brin (created_at);
