DROP VIEW cmms.active_users;

DROP TABLE cmms.users;
