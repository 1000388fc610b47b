-- Guests found by any part of their name without reading every name (postgres). Twin:
-- ../../sqlite/<same name>/up.sql, an FTS5 trigram index of the same column.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner
-- may create it, as on managed services. The GIN index serves `name_key LIKE '%...%'` for
-- three letters or more.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX guests_name_trigrams ON guests USING gin (name_key gin_trgm_ops);
