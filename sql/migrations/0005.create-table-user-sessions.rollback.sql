DROP TABLE cmms.user_sessions;
