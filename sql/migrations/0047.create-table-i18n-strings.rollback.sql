-- Drops the organizations' overrides, then the global defaults: each soft-delete view, then
-- its table (and with it its policies, triggers, grants).
SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.active_i18n_overrides;

DROP TABLE cmms.i18n_overrides;

DROP VIEW cmms.active_i18n_strings;

DROP TABLE cmms.i18n_strings;
