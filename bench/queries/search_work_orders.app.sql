-- The application searches through the stored function (tenant from the context): under
-- row-level security @@ is not leakproof and cannot use the GIN index before the policy's
-- tenant check, so the function runs as cmms_search and filters by the context itself.
SELECT * FROM cmms.search_work_orders(%(words)s, 20)
