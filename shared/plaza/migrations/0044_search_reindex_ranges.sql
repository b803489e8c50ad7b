-- The full reindex reads key ranges in bytewise order (plaza.search.repo, "full reindex"), the
-- order of Meilisearch ids: uuids use their primary keys; tags and synced document ids need an
-- index in the "C" collation, or each page would scan and sort the whole table.
CREATE INDEX IF NOT EXISTS hashtags_tag_bytewise_idx ON hashtags (tag COLLATE "C");
CREATE INDEX IF NOT EXISTS search_sync_versions_bytewise_idx
    ON search_sync_versions (index_name, doc_id COLLATE "C");
