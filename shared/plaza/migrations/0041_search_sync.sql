-- Meilisearch sync: the last time each document was written there. The index consumer locks a
-- document's row before reading it from Postgres and writing it out, so of two events for one
-- document the later one reads the later state: an older event never overwrites a newer one.
CREATE TABLE IF NOT EXISTS search_sync_versions (
    index_name text NOT NULL,
    doc_id text NOT NULL,
    version bigint NOT NULL,
    PRIMARY KEY (index_name, doc_id)
);
