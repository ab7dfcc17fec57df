-- The edits of citus/0017 undone, last first: the functions as they were before it.

RESET ROLE;

SELECT cmms_citus.edit_functions('citus/0017', undo => TRUE);

DELETE FROM cmms_citus.function_edits WHERE migration = 'citus/0017';
