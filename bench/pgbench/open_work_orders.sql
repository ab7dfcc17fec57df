-- The list screen: open work orders of a tenant by priority, one page of 50.
\set n random(1, :tenants)
BEGIN;
SELECT cmms.set_context(org, usr) FROM public.bench_tenants WHERE n = :n;
SELECT id, reference, title, status, priority, due_at
FROM cmms.work_orders
WHERE status IN ('open', 'in_progress', 'on_hold') AND deleted_at IS NULL
ORDER BY priority_rank, due_at
LIMIT 50;
COMMIT;
