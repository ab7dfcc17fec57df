-- The role a migration set (SET [LOCAL] ROLE cmms_owner), or 'none'.
SELECT current_setting('role')
