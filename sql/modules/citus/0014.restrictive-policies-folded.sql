-- Citus 13.2.2 creates each shard's policies from the coordinator's without AS RESTRICTIVE:
-- on the workers, where the rows are, a restrictive policy becomes one more permissive
-- policy, ORed with the tenant's. notifications_team_* ("team_id IS NULL OR ...") then let
-- any login read every tenant's notifications, and notification_reads_own_* let a user read
-- the others' read marks. Here each restrictive policy's condition is ANDed into the
-- permissive policies of the same commands and roles, and the restrictive policy dropped:
-- (P1 OR P2) AND R is (P1 AND R) OR (P2 AND R), the same rows on the coordinator and on
-- every shard. cmmsdb verify (citus-distribution) names any restrictive policy left on a
-- distributed table, and the migration fails if one is left here.
-- reads_team_notifications, the team policies' check, becomes PL/pgSQL (not inlined into
-- the shard query, where its query on team_members would be a nested distributed query)
-- allowed to query team_members from inside a shard query: it reads the notification's
-- own tenant, whose shards are on the same worker (local execution). has_permission, now
-- in notification_reads_select, gets the same setting: it reads the context's tenant, and
-- the policy calls it after its organization_id test (a cheaper qual first), for that
-- tenant's rows only.
-- requires-extension: citus
-- cmmsdb: allow multiple-existing-tables because both tables' restrictive policies go for one reason
-- (Citus drops AS RESTRICTIVE on the shards), and only policies change: no row moves.

RESET ROLE;

-- Policy DDL on many shards, then function DDL, in one transaction: one connection per worker.
SELECT set_config('citus.multi_shard_modify_mode', 'sequential', TRUE);

ALTER POLICY notifications_select ON cmms.notifications
USING (
    organization_id = cmms.current_org_id()
    AND (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id))
);

ALTER POLICY notifications_update ON cmms.notifications
USING (
    organization_id = cmms.current_org_id()
    AND (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id))
)
WITH CHECK (
    organization_id = cmms.current_org_id()
    AND (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id))
);

ALTER POLICY notifications_delete ON cmms.notifications
USING (
    organization_id = cmms.current_org_id()
    AND (team_id IS NULL OR cmms.reads_team_notifications(organization_id, team_id))
);

ALTER POLICY notification_reads_select ON cmms.notification_reads
USING (
    organization_id = cmms.current_org_id()
    AND (
        cmms.current_user_id() IS NULL
        OR user_id = cmms.current_user_id()
        OR cmms.has_permission('notification.read_all')
    )
);

ALTER POLICY notification_reads_insert ON cmms.notification_reads
WITH CHECK (
    organization_id = cmms.current_org_id()
    AND (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id())
);

ALTER POLICY notification_reads_update ON cmms.notification_reads
USING (
    organization_id = cmms.current_org_id()
    AND (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id())
)
WITH CHECK (
    organization_id = cmms.current_org_id()
    AND (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id())
);

ALTER POLICY notification_reads_delete ON cmms.notification_reads
USING (
    organization_id = cmms.current_org_id()
    AND (cmms.current_user_id() IS NULL OR user_id = cmms.current_user_id())
);

-- Each DROP POLICY in a query string of its own: Citus sends the statement's query string
-- to the shards as it is, and a migration is sent as one string of many statements. IF
-- EXISTS: after this migration's rollback the restrictive policies are the coordinator's
-- only, and applying it again drops them there.
DO $$
BEGIN
    EXECUTE 'DROP POLICY IF EXISTS notifications_team_select ON cmms.notifications';
    EXECUTE 'DROP POLICY IF EXISTS notifications_team_update ON cmms.notifications';
    EXECUTE 'DROP POLICY IF EXISTS notifications_team_delete ON cmms.notifications';
    EXECUTE 'DROP POLICY IF EXISTS notification_reads_own_select ON cmms.notification_reads';
    EXECUTE 'DROP POLICY IF EXISTS notification_reads_own_insert ON cmms.notification_reads';
    EXECUTE 'DROP POLICY IF EXISTS notification_reads_own_update ON cmms.notification_reads';
    EXECUTE 'DROP POLICY IF EXISTS notification_reads_own_delete ON cmms.notification_reads';
END;
$$;

DO $$
DECLARE
    left_over pg_catalog.text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%s on %s', p.polname, p.polrelid::pg_catalog.regclass), ', ')
    INTO left_over
    FROM pg_catalog.pg_policy AS p
    INNER JOIN pg_catalog.pg_dist_partition AS d ON d.logicalrelid = p.polrelid
    WHERE NOT p.polpermissive;
    IF left_over IS NOT NULL THEN
        RAISE EXCEPTION 'citus/0014: restrictive policies on distributed tables: %', left_over
            USING HINT = 'fold each into the permissive policies of its commands, as this migration does';
    END IF;
    -- (in strings: sqlfluff does not parse a dotted setting's name)
    EXECUTE 'ALTER FUNCTION cmms.has_permission(text) SET citus.allow_nested_distributed_execution = on';
    EXECUTE $function$
        CREATE OR REPLACE FUNCTION cmms.reads_team_notifications(organization_id uuid, team_id uuid)
        RETURNS boolean
        LANGUAGE plpgsql
        STABLE
        SET search_path = pg_catalog, pg_temp
        SET citus.allow_nested_distributed_execution = on
        AS $body$
        BEGIN
            RETURN cmms.current_user_id() IS NULL OR EXISTS (
                SELECT FROM cmms.team_members AS m
                WHERE
                    m.organization_id = reads_team_notifications.organization_id
                    AND m.team_id = reads_team_notifications.team_id
                    AND m.user_id = cmms.current_user_id()
                    AND m.deleted_at IS NULL
            );
        END;
        $body$
    $function$;
END;
$$;
