-- The cmms_search functions under their names again (core 0081, 0089), without the
-- Citus setting; the invoker functions of citus/0019 dropped.
RESET ROLE;

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

DO $$
BEGIN
    -- One statement per query string (Citus sends some DDL's text to the workers as it is).
    EXECUTE 'DROP FUNCTION cmms.search_work_orders(text, integer)';
    EXECUTE 'DROP FUNCTION cmms.search_assets(text, integer)';
    -- (in strings: sqlfluff does not parse a dotted setting's name)
    EXECUTE 'ALTER FUNCTION cmms.search_work_orders_on_worker(text, integer)'
        ' RESET citus.allow_nested_distributed_execution';
    EXECUTE 'ALTER FUNCTION cmms.search_assets_on_worker(text, integer)'
        ' RESET citus.allow_nested_distributed_execution';
END;
$$;

-- cmmsdb: allow renaming-object because the cmms_search function takes back the name that the
-- invoker function, just dropped, had
ALTER FUNCTION cmms.search_work_orders_on_worker(text, integer) RENAME TO search_work_orders;

-- cmmsdb: allow renaming-object because the cmms_search function takes back the name that the
-- invoker function, just dropped, had
ALTER FUNCTION cmms.search_assets_on_worker(text, integer) RENAME TO search_assets;
