-- verify_definer_execute.sql: SECURITY DEFINER functions in a cmms schema that PUBLIC may
-- EXECUTE (granted explicitly, or by default: a function's default ACL grants EXECUTE to
-- PUBLIC unless default privileges or a REVOKE say otherwise). A privilege boundary is
-- crossed by named roles only.
SELECT
    p.oid::regprocedure::text AS object,
    'SECURITY DEFINER function executable by PUBLIC: REVOKE EXECUTE ... FROM PUBLIC and '
    || 'grant it to named roles' AS message
FROM pg_proc AS p
JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname IN (%(schema)s, %(archive_schema)s)
  AND p.prosecdef
  AND EXISTS (
      SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a
      WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'
  )
ORDER BY 1
