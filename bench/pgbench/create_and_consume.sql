-- A technician's write: create a work order, start it, and consume a part for it.
\set n random(1, :tenants)
\set k random(0, 49)
BEGIN;
SELECT cmms.set_context(org, usr) FROM public.bench_tenants WHERE n = :n;
SELECT id AS wo FROM cmms.create_work_order('Pump noise', 'Found on the rounds', 'high') \gset
SELECT status FROM cmms.transition_work_order(:wo, 'in_progress', 'started');
SELECT balance_after FROM cmms.consume_part(
    :wo,
    (SELECT t.parts[1 + :k % cardinality(t.parts)] FROM public.bench_tenants AS t WHERE t.n = :n),
    1
);
COMMIT;
