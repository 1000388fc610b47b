-- The staff member an event is by or about (sqlite). Twin: ../../postgres/<same name>/up.sql.
-- Set by the server from the subject (`staff:7`) or the payload's `by` or `staff`
-- (`regulars_core::event::staff_of`); earlier rows the same way here. The portal's event log
-- filters by it.
ALTER TABLE events ADD COLUMN staff_id BIGINT;
UPDATE events SET staff_id = CASE
    WHEN subject LIKE 'staff:%' THEN CAST(substr(subject, 7) AS INTEGER)
    WHEN json_type(payload, '$.by') = 'integer' THEN json_extract(payload, '$.by')
    WHEN json_type(payload, '$.staff') = 'integer' THEN json_extract(payload, '$.staff')
END;
CREATE INDEX events_staff ON events (chain_id, staff_id, id);
