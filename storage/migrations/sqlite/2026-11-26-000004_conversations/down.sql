DROP TABLE conversations;
DROP INDEX guests_referred_by;
-- SQLite cannot drop a column that carries a foreign key: home_cafe_id and referred_by stay
-- (nullable and unused by older versions).
