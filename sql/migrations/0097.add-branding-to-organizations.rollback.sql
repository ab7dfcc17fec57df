SET LOCAL ROLE cmms_owner;

ALTER TABLE cmms.organizations
DROP COLUMN display_name,
DROP COLUMN logo_attachment_id,
DROP COLUMN primary_colour,
DROP COLUMN custom_domain;

COMMENT ON COLUMN cmms.organizations.settings IS 'Organization-wide preferences as a JSON object.';
