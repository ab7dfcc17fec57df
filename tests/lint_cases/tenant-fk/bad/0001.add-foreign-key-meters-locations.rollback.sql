-- Undoes 0001.add-foreign-key-meters-locations.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.meters DROP CONSTRAINT meters_location_id_fkey;
