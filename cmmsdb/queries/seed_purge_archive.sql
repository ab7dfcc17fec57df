-- The fake organizations' records in one archived partition of the audit trail; returns
-- whether the partition is empty afterwards (then it held only theirs and is dropped, so
-- that maintenance can archive that month again). Composed with {archive}, a quoted name.
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
