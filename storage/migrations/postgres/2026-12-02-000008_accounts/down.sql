DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE terminals;
ALTER TABLE staff DROP COLUMN pin_hash;
DROP INDEX staff_by_login;
DROP TABLE accounts;
