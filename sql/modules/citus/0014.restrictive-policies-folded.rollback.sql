-- The restrictive policies of core 0154 and 0156 again (in the form citus/0002 gave them),
-- the tenant policies without their conditions, reads_team_notifications in SQL. Until the
-- rest of the module is rolled back too (citus/0003 brings the rows back to the coordinator),
-- the shards hold the tenant policies only: within a tenant, every user reads the team
-- notifications and the read marks. Roll back the whole module, or migrate again.
-- cmmsdb: allow multiple-existing-tables because both tables' restrictive policies go for one reason
-- (Citus drops AS RESTRICTIVE on the shards), and only policies change: no row moves.
RESET ROLE;

SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

DO $$
BEGIN
    -- (in strings: sqlfluff does not parse a dotted setting's name)
    EXECUTE 'ALTER FUNCTION cmms.has_permission(text) RESET citus.allow_nested_distributed_execution';
    EXECUTE $function$
        CREATE OR REPLACE FUNCTION cmms.reads_team_notifications(organization_id uuid, team_id uuid)
        RETURNS boolean
        LANGUAGE sql
        STABLE
        SET search_path = pg_catalog, pg_temp
        RESET citus.allow_nested_distributed_execution
        AS $body$
    SELECT cmms.current_user_id() IS NULL OR EXISTS (
        SELECT FROM cmms.team_members AS m
        WHERE
            m.organization_id = reads_team_notifications.organization_id
            AND m.team_id = reads_team_notifications.team_id
            AND m.user_id = cmms.current_user_id()
            AND m.deleted_at IS NULL
    )
$body$
    $function$;
END;
$$;

ALTER POLICY notifications_select ON cmms.notifications
USING (organization_id = cmms.current_org_id());

ALTER POLICY notifications_update ON cmms.notifications
USING (organization_id = cmms.current_org_id())
WITH CHECK (organization_id = cmms.current_org_id());

ALTER POLICY notifications_delete ON cmms.notifications
USING (organization_id = cmms.current_org_id());

ALTER POLICY notification_reads_select ON cmms.notification_reads
USING (organization_id = cmms.current_org_id());

ALTER POLICY notification_reads_insert ON cmms.notification_reads
WITH CHECK (organization_id = cmms.current_org_id());

ALTER POLICY notification_reads_update ON cmms.notification_reads
USING (organization_id = cmms.current_org_id())
WITH CHECK (organization_id = cmms.current_org_id());

ALTER POLICY notification_reads_delete ON cmms.notification_reads
USING (organization_id = cmms.current_org_id());

-- On the coordinator only: Citus 13.2.2 cannot propagate a new policy holding IS NULL
-- ("unrecognized node type: 117"), and on the shards it would be a permissive policy anyway.
-- citus/0003's rollback then brings the rows back into the coordinator's tables, which
-- have them.
SELECT set_config('citus.enable_ddl_propagation', 'off', TRUE);

CREATE POLICY notifications_team_select ON cmms.notifications
AS RESTRICTIVE FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id));

CREATE POLICY notifications_team_update ON cmms.notifications
AS RESTRICTIVE FOR UPDATE TO cmms_owner, cmms_app
USING (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id));

CREATE POLICY notifications_team_delete ON cmms.notifications
AS RESTRICTIVE FOR DELETE TO cmms_owner, cmms_app
USING (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id));

CREATE POLICY notification_reads_own_select ON cmms.notification_reads
AS RESTRICTIVE FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (
    cmms.current_user_id() IS NULL
    OR user_id = cmms.current_user_id()
    OR cmms.has_permission('notification.read_all')
);

CREATE POLICY notification_reads_own_insert ON cmms.notification_reads
AS RESTRICTIVE FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id());

CREATE POLICY notification_reads_own_update ON cmms.notification_reads
AS RESTRICTIVE FOR UPDATE TO cmms_owner, cmms_app
USING (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id());

CREATE POLICY notification_reads_own_delete ON cmms.notification_reads
AS RESTRICTIVE FOR DELETE TO cmms_owner, cmms_app
USING (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id());
