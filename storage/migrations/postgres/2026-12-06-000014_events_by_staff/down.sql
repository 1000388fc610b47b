DROP INDEX events_staff;
ALTER TABLE events DROP COLUMN staff_id;
