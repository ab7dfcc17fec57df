-- Rows of a table (what = *) or values of one of its columns that a rollback would drop.
SELECT count({what}) FROM {table}
