-- Extensions every later migration may rely on: trigram search and case-insensitive text.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS citext;
