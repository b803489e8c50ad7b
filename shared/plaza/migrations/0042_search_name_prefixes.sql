-- Suggestions by display-name prefix as one types: an index on the expression the query uses.
CREATE INDEX IF NOT EXISTS users_display_name_prefix_idx
    ON users (plaza_unaccent(lower(display_name)) text_pattern_ops) WHERE status = 'active';
