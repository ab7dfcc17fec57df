SET LOCAL ROLE cmms_owner;

DROP VIEW cmms.permissions;
