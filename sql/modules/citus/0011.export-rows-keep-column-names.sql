-- cmms.export_user_data turns rows into JSON with to_jsonb() over a subquery filtered by
-- cmms.current_org_id(). Citus cannot choose a shard from that function, runs the query on
-- every shard and hands the rows back as anonymous records: the JSON's keys come out as f1,
-- f2, ... instead of the column names (Citus 13.2.2). OFFSET 0 in the subquery makes Citus
-- plan it on its own first (recursive planning), and the row keeps its columns' names. Same
-- rows; the rollback removes the OFFSET 0.
-- requires-extension: citus

RESET ROLE;

DO $$
DECLARE
    def pg_catalog.text := pg_catalog.pg_get_functiondef(
        'cmms.export_user_data(pg_catalog.uuid)'::pg_catalog.regprocedure
    );
BEGIN
    def := pg_catalog.replace(def, 'AND id = $1) AS u''', 'AND id = $1 OFFSET 0) AS u''');
    def := pg_catalog.replace(def, 'AND %I = $1) AS r''', 'AND %I = $1 OFFSET 0) AS r''');
    EXECUTE def;
END;
$$;
