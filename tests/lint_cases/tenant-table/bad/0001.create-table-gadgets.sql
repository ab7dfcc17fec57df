-- Gadgets: a tenant table and nothing else.
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.gadgets (
    organization_id uuid NOT NULL REFERENCES cmms.organizations (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    PRIMARY KEY (organization_id, id)
);
