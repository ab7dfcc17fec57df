-- The benchmark's tenant table, made by the superuser in the benchmark's own database:
-- per seeded organization, a user, up to 200 of its live work orders, words of their
-- titles, and up to 50 of its parts (stock raised so that consuming never runs out).
-- pgbench scripts pick a tenant with \set n random(1, :tenants) and read this table (not
-- under row-level security) in the same statement that sets the tenant context.
CREATE TABLE public.bench_tenants AS
SELECT
    row_number() OVER (ORDER BY o.id)::int AS n,
    o.id AS org,
    (SELECT u.id FROM cmms.users AS u WHERE u.organization_id = o.id ORDER BY u.id LIMIT 1) AS usr,
    ARRAY(
        SELECT w.id FROM cmms.work_orders AS w
        WHERE w.organization_id = o.id AND w.deleted_at IS NULL
        ORDER BY w.id LIMIT 200
    ) AS work_orders,
    ARRAY(
        SELECT DISTINCT lower(word)
        FROM cmms.work_orders AS w,
            regexp_split_to_table(w.title, '\W+') AS word
        WHERE w.organization_id = o.id AND length(word) > 4
        LIMIT 50
    ) AS words,
    ARRAY(
        SELECT p.id FROM cmms.parts_inventory AS p
        WHERE p.organization_id = o.id AND p.deleted_at IS NULL
        ORDER BY p.id LIMIT 50
    ) AS parts
FROM cmms.organizations AS o
WHERE EXISTS (SELECT FROM cmms.parts_inventory AS p WHERE p.organization_id = o.id);

UPDATE cmms.parts_inventory SET quantity_on_hand = 100000000;
