-- Nothing to undo: the coordinator's privileges are what they were, and the workers' copies
-- of the functions and views go with the rest of the module's rollback (citus/0003).
SELECT 1;
