-- citus_set_null_keys.sql (Citus coordinators): the foreign keys whose ON DELETE SET
-- NULL (col) a citus_fk_set_null trigger does (sql/modules/citus/0003), named as verify names
-- a constraint: table.constraint. The trigger's arguments: referencing table, its columns,
-- the referenced columns, the cleared columns, the constraint's name, its definition.
SELECT
    (string_to_array(encode(g.tgargs, 'escape'), '\000'))[1] || '.'
    || (string_to_array(encode(g.tgargs, 'escape'), '\000'))[5] AS object
FROM pg_trigger AS g
WHERE g.tgfoid = to_regprocedure('cmms.citus_fk_set_null()') AND NOT g.tgisinternal AND g.tgparentid = 0
