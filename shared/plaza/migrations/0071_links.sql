-- Short links and their click analytics.
--
-- A link is never removed by its owner, only marked deleted: its code stays taken (GET /l/{code}
-- answers 410, never someone else's target). Clicks arrive through ClicksQueue and are rolled up
-- per day; each click id is recorded once (link_clicks_seen), in the transaction of its rollup,
-- so a redelivered message counts once. Visitors are salted daily hashes of an address (the
-- address itself is never stored): one row per (link, day, visitor) makes uniques exact.
CREATE TABLE IF NOT EXISTS links (
    code text PRIMARY KEY COLLATE "C",
    id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (length(url) <= 2048),
    is_alias boolean NOT NULL DEFAULT false,
    expires_at timestamptz,
    click_count bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz
);

-- GET /v1/links: the owner's live links, newest first, keyset pages.
CREATE INDEX IF NOT EXISTS links_by_owner ON links (owner_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

CREATE TABLE IF NOT EXISTS link_clicks_seen (
    click_id uuid PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE IF NOT EXISTS link_days (
    code text NOT NULL COLLATE "C" REFERENCES links (code) ON DELETE CASCADE,
    day date NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    uniques bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (code, day)
);

CREATE TABLE IF NOT EXISTS link_day_visitors (
    code text NOT NULL COLLATE "C" REFERENCES links (code) ON DELETE CASCADE,
    day date NOT NULL,
    visitor text NOT NULL,
    PRIMARY KEY (code, day, visitor)
);

-- Clicks per day by dimension: referrer (host), country, device (family), browser (family).
CREATE TABLE IF NOT EXISTS link_day_counts (
    code text NOT NULL COLLATE "C" REFERENCES links (code) ON DELETE CASCADE,
    day date NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('referrer', 'country', 'device', 'browser')),
    value text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (code, day, dimension, value)
);
