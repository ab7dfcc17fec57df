-- A bulk insert of work orders writes a maintenance log per work order
-- (cmms.record_work_orders_created), and each log's foreign key to the hash-partitioned
-- cmms.work_orders is checked by a query on the partitioned table. PostgreSQL caches that
-- check's plan, but for a partitioned table the generic plan (all 8 partitions, pruned at
-- run time) is costed far above a custom one (one partition, pruned at plan time), so the
-- plan cache plans the check again for every row: about 40 of the 100 microseconds a work
-- order cost (bench/write_speed.py). The function now runs with plan_cache_mode =
-- force_generic_plan, which applies to the statements it runs and to the checks their rows
-- fire: the check is planned once per session and pruned at run time. Same rows, same
-- checks; only the planning changes.
SET LOCAL ROLE cmms_owner;

ALTER FUNCTION cmms.record_work_orders_created() SET plan_cache_mode = force_generic_plan;
