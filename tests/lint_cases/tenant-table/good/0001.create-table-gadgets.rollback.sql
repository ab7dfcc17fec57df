-- Undoes 0001.create-table-gadgets (with the table go its policy, grants and trigger).
SET LOCAL ROLE cmms_owner;

DROP TABLE cmms.gadgets;
