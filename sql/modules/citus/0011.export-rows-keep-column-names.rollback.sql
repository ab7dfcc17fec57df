-- export_user_data's subqueries without OFFSET 0 again.
RESET ROLE;

DO $$
DECLARE
    def pg_catalog.text := pg_catalog.pg_get_functiondef(
        'cmms.export_user_data(pg_catalog.uuid)'::pg_catalog.regprocedure
    );
BEGIN
    def := pg_catalog.replace(def, 'AND id = $1 OFFSET 0) AS u''', 'AND id = $1) AS u''');
    def := pg_catalog.replace(def, 'AND %I = $1 OFFSET 0) AS r''', 'AND %I = $1) AS r''');
    EXECUTE def;
END;
$$;
