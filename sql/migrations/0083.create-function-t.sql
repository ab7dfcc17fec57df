-- Translations: cmms.t(key, locale) finds the text of a user interface string, the
-- organization's override (cmms.i18n_overrides) first, then the global default
-- (cmms.i18n_strings), for the locale, then its language (fr for fr-CA), then English.
SET LOCAL ROLE cmms_owner;

CREATE FUNCTION cmms.t(key text, locale text)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
    candidates text[];
    found text;
BEGIN
    IF key IS NULL OR pg_catalog.btrim(key) = '' THEN
        RAISE EXCEPTION 'cmms.t: key must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF locale IS NULL OR locale !~ '^[a-z]{2,3}(-[A-Z]{2})?$' THEN
        RAISE EXCEPTION 'cmms.t: locale must be a language code with an optional region (en, fr-CA), not %',
            coalesce(pg_catalog.quote_literal(locale), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    candidates := ARRAY[locale, pg_catalog.split_part(locale, '-', 1), 'en'];
    SELECT c.text INTO found
    FROM pg_catalog.unnest(candidates) WITH ORDINALITY AS l (locale, n)
    CROSS JOIN LATERAL (
        SELECT o.text, 1 AS source
        FROM cmms.i18n_overrides AS o
        WHERE
            o.organization_id = cmms.current_org_id()
            AND o.key = t.key
            AND o.locale = l.locale
            AND o.deleted_at IS NULL
        UNION ALL
        SELECT s.text, 2 AS source
        FROM cmms.i18n_strings AS s
        WHERE s.key = t.key AND s.locale = l.locale AND s.deleted_at IS NULL
    ) AS c
    ORDER BY l.n, c.source
    LIMIT 1;
    RETURN found;
END;
$$;

COMMENT ON FUNCTION cmms.t(text, text) IS
'The text of user interface string key in locale (en, fr-CA): the organization''s override (cmms.i18n_overrides) '
'else the global default (cmms.i18n_strings) for the locale, then for its language (fr), then for en; NULL when '
'none has the key. Raises invalid_parameter_value for an empty key or a malformed locale.';
