-- Full-text search through the stored function (ranked, 20 results).
\set n random(1, :tenants)
\set k random(0, 49)
BEGIN;
SELECT cmms.set_context(org, usr) FROM public.bench_tenants WHERE n = :n;
SELECT * FROM cmms.search_work_orders(
    (SELECT t.words[1 + :k % cardinality(t.words)] FROM public.bench_tenants AS t WHERE t.n = :n),
    20
);
COMMIT;
