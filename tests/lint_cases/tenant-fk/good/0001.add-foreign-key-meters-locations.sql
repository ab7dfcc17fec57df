-- Meters point at a location of their own organization.
SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.meters ADD CONSTRAINT meters_location_id_fkey
FOREIGN KEY (organization_id, location_id) REFERENCES cmms.locations (organization_id, id) NOT VALID;
