-- Meters point at a location by its id alone.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.meters ADD CONSTRAINT meters_location_id_fkey
FOREIGN KEY (location_id) REFERENCES cmms.locations (id) NOT VALID;
