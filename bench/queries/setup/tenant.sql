-- The tenant with the most work orders, and samples of its rows to draw the benchmark's
-- parameters from: a live user, work orders (those with a checklist first), words of work
-- order titles that make a search query, and asset coordinates.
WITH tenant AS (
    SELECT wo.organization_id AS org
    FROM cmms.work_orders AS wo
    GROUP BY wo.organization_id
    ORDER BY count(*) DESC, wo.organization_id
    LIMIT 1
)

SELECT
    t.org,
    o.name,
    (
        SELECT wo.tableoid::regclass::text
        FROM cmms.work_orders AS wo
        WHERE wo.organization_id = t.org
        LIMIT 1
    ) AS partition,
    (
        SELECT count(*)
        FROM cmms.work_orders AS wo
        WHERE wo.organization_id = t.org
    ) AS work_orders,
    (
        SELECT u.id
        FROM cmms.users AS u
        WHERE u.organization_id = t.org AND u.deleted_at IS NULL
        ORDER BY u.id
        LIMIT 1
    ) AS user_id,
    (
        SELECT array_agg(s.id)
        FROM (
            SELECT wo.id
            FROM cmms.work_orders AS wo
            LEFT JOIN LATERAL (
                SELECT TRUE AS found
                FROM cmms.checklists AS c
                WHERE c.organization_id = wo.organization_id AND c.work_order_id = wo.id
                LIMIT 1
            ) AS checklist ON TRUE
            WHERE wo.organization_id = t.org AND wo.deleted_at IS NULL
            ORDER BY checklist.found NULLS LAST, wo.id
            LIMIT 200
        ) AS s
    ) AS work_order_ids,
    array(
        SELECT DISTINCT w.word
        FROM (
            SELECT wo.title
            FROM cmms.work_orders AS wo
            WHERE wo.organization_id = t.org
            ORDER BY wo.id
            LIMIT 200
        ) AS sample
        CROSS JOIN LATERAL regexp_split_to_table(lower(sample.title), '[^a-z]+') AS w (word)
        WHERE length(w.word) >= 3 AND to_tsvector('english', w.word) <> ''::tsvector
    ) AS words,
    array(
        SELECT ARRAY[a.latitude, a.longitude]
        FROM cmms.assets AS a
        WHERE a.organization_id = t.org AND a.latitude IS NOT NULL AND a.deleted_at IS NULL
        ORDER BY a.id
        LIMIT 200
    ) AS points
FROM tenant AS t
INNER JOIN cmms.organizations AS o ON t.org = o.id
