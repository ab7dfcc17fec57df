DROP TABLE cmms.organizations;
