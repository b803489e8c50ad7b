-- Full-text search in Postgres: the search backend when Meilisearch is not configured, and the
-- fallback when it is down. Every write lands here, so a fallback always has the data.
CREATE TABLE IF NOT EXISTS search_documents (
    index_name text NOT NULL,
    doc_id text NOT NULL,
    title text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    data jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- 'simple': no stemming, so names, hashtags and mixed-language posts match as written.
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
    ) STORED,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (index_name, doc_id)
);

CREATE INDEX IF NOT EXISTS search_documents_tsv_idx ON search_documents USING gin (tsv);

-- Typo tolerance: word_similarity (`<%`) on the same expression the queries use.
CREATE INDEX IF NOT EXISTS search_documents_trgm_idx
    ON search_documents USING gin ((title || ' ' || body) gin_trgm_ops);
