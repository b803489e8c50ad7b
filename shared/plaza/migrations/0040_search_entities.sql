-- Search over the domain tables themselves: on the Postgres backend the "index" of users, posts
-- and hashtags is these tables, with generated tsvector columns, so a post edit, a delete, a
-- block or a suspension is reflected by the very transaction that makes it (no sync to lag).
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent(text) is STABLE (it finds its dictionary through search_path); generated columns and
-- index expressions need IMMUTABLE, which naming the dictionary makes true.
CREATE OR REPLACE FUNCTION plaza_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- One query term (a word and its synonyms, each a word or a phrase) as a tsquery: any variant,
-- each word stemmed as English, as Spanish, or as a prefix of the word as written ('simple').
-- Built from words split on non-word characters, so the text is data, never tsquery syntax:
-- to_tsquery only ever sees a quote_literal'd run of word characters followed by ':*'.
CREATE OR REPLACE FUNCTION plaza_search_term(variants text[]) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    result tsquery := '';
    phrase tsquery;
    variant text;
    word text;
BEGIN
    FOREACH variant IN ARRAY variants LOOP
        phrase := '';
        FOREACH word IN ARRAY regexp_split_to_array(plaza_unaccent(lower(variant)), '[^[:alnum:]]+') LOOP
            CONTINUE WHEN word = '';
            phrase := phrase && (plainto_tsquery('english', word) || plainto_tsquery('spanish', word)
                                 || to_tsquery('simple', quote_literal(word) || ':*'));
        END LOOP;
        result := result || phrase;
    END LOOP;
    RETURN result;
END;
$$;

-- Names match as written (simple); a bio also by its English and Spanish stems.
ALTER TABLE users ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', plaza_unaccent(username::text)), 'A')
    || setweight(to_tsvector('simple', plaza_unaccent(display_name)), 'A')
    || setweight(to_tsvector('simple', plaza_unaccent(bio)), 'C')
    || setweight(to_tsvector('english', plaza_unaccent(bio)), 'D')
    || setweight(to_tsvector('spanish', plaza_unaccent(bio)), 'D')
) STORED;

CREATE INDEX IF NOT EXISTS users_search_idx ON users USING gin (search_tsv) WHERE status = 'active';
-- Suggestions as one types, and typo tolerance, on the names.
CREATE INDEX IF NOT EXISTS users_username_prefix_idx ON users (lower(username::text) text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_names_trgm_idx ON users
    USING gin (plaza_unaccent(lower(username::text || ' ' || display_name)) gin_trgm_ops);

-- A post in any language: its words as written, and their English and Spanish stems.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', plaza_unaccent(text))
    || to_tsvector('english', plaza_unaccent(text))
    || to_tsvector('spanish', plaza_unaccent(text))
) STORED;

CREATE INDEX IF NOT EXISTS posts_search_idx ON posts USING gin (search_tsv) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS posts_text_trgm_idx ON posts
    USING gin (plaza_unaccent(lower(text)) gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE INDEX IF NOT EXISTS hashtags_prefix_idx ON hashtags (tag text_pattern_ops);
CREATE INDEX IF NOT EXISTS hashtags_trgm_idx ON hashtags USING gin (tag gin_trgm_ops);
