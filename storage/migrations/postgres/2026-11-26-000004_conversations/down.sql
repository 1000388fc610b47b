DROP TABLE conversations;
DROP INDEX guests_referred_by;
ALTER TABLE guests DROP COLUMN referred_by;
ALTER TABLE guests DROP COLUMN home_cafe_id;
