-- Guests found by any part of their name without reading every name (sqlite). Twin:
-- ../../postgres/<same name>/up.sql, a pg_trgm index of the same column.
--
-- An FTS5 trigram index of guests.name_key with external content (the names live in guests
-- only). A row is indexed exactly when its name_key is set, so the triggers' deletes always
-- name what was indexed; merged guests stay indexed and the query leaves them out.
CREATE VIRTUAL TABLE guest_names USING fts5 (name_key, content = 'guests', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO guest_names (rowid, name_key) SELECT id, name_key FROM guests WHERE name_key IS NOT NULL;

CREATE TRIGGER guest_names_insert AFTER INSERT ON guests WHEN new.name_key IS NOT NULL BEGIN
    INSERT INTO guest_names (rowid, name_key) VALUES (new.id, new.name_key);
END;
CREATE TRIGGER guest_names_update AFTER UPDATE OF name_key ON guests
WHEN old.name_key IS NOT new.name_key BEGIN
    INSERT INTO guest_names (guest_names, rowid, name_key) SELECT 'delete', old.id, old.name_key
        WHERE old.name_key IS NOT NULL;
    INSERT INTO guest_names (rowid, name_key) SELECT new.id, new.name_key WHERE new.name_key IS NOT NULL;
END;
CREATE TRIGGER guest_names_delete AFTER DELETE ON guests WHEN old.name_key IS NOT NULL BEGIN
    INSERT INTO guest_names (guest_names, rowid, name_key) VALUES ('delete', old.id, old.name_key);
END;
