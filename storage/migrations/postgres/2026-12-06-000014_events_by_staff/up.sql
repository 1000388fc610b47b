-- The staff member an event is by or about (postgres). Twin: ../../sqlite/<same name>/up.sql.
-- Set by the server from the subject (`staff:7`) or the payload's `by` or `staff`
-- (`regulars_core::event::staff_of`); earlier rows the same way here. The portal's event log
-- filters by it.
ALTER TABLE events ADD COLUMN staff_id BIGINT;
UPDATE events SET staff_id = CASE
    WHEN subject ~ '^staff:[0-9]+$' THEN substr(subject, 7)::bigint
    WHEN jsonb_typeof(payload::jsonb -> 'by') = 'number' THEN (payload::jsonb ->> 'by')::numeric::bigint
    WHEN jsonb_typeof(payload::jsonb -> 'staff') = 'number' THEN (payload::jsonb ->> 'staff')::numeric::bigint
END
WHERE subject LIKE 'staff:%' OR payload LIKE '%"by"%' OR payload LIKE '%"staff"%';
CREATE INDEX events_staff ON events (chain_id, staff_id, id);
