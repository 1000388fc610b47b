DROP TRIGGER guest_names_delete;
DROP TRIGGER guest_names_update;
DROP TRIGGER guest_names_insert;
DROP TABLE guest_names;
