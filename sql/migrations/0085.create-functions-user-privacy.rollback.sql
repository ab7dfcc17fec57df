SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.erase_user(uuid);

DROP FUNCTION cmms.export_user_data(uuid);

DROP POLICY activity_logs_update ON cmms.activity_logs;

CREATE OR REPLACE FUNCTION cmms.refuse_audit_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    RAISE EXCEPTION 'cmms.activity_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
        HINT = 'retention detaches whole partitions: cmmsdb partitions maintain --retain N';
END;
$$;

COMMENT ON FUNCTION cmms.refuse_audit_change() IS
'Trigger that refuses UPDATE, DELETE and TRUNCATE on the audit trail, whoever runs them.';

DROP FUNCTION cmms.is_erasure_of(jsonb, jsonb);
