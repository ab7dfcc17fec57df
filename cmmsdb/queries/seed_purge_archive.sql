-- The fake organizations' rows in one table of cmms_archive (an archived partition of the
-- audit trail, or an archive table of `cmmsdb archive`); returns how many went, and whether
-- the table is empty afterwards (a partition that held only theirs is dropped, so that
-- maintenance can archive that month again). Composed with {archive}, a quoted name.
WITH gone AS (
    DELETE FROM {archive} WHERE organization_id = ANY(%(organizations)s::uuid [])
    RETURNING organization_id
)
SELECT
    (SELECT count(*) FROM gone),
    NOT EXISTS (
        SELECT FROM {archive} AS a
        WHERE a.organization_id <> ALL(%(organizations)s::uuid [])
    )
