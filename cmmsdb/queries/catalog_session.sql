-- catalog_session.sql: fix the settings that change how the catalog is deparsed, for the
-- current transaction only (is_local = true), before catalog_snapshot.sql runs.
--
-- * An empty search_path makes format_type, regclass, regprocedure and every pg_get_*def
--   schema-qualify all names outside pg_catalog, whatever the caller's search_path.
-- * DateStyle, IntervalStyle, TimeZone, extra_float_digits, bytea_output and
--   standard_conforming_strings decide how constants in defaults, checks, views and policies
--   are printed; fixing them makes two sessions print the same expression the same way.
SELECT
    set_config('search_path', '', true),
    set_config('DateStyle', 'ISO, MDY', true),
    set_config('IntervalStyle', 'postgres', true),
    set_config('TimeZone', 'UTC', true),
    set_config('extra_float_digits', '1', true),
    set_config('bytea_output', 'hex', true),
    set_config('standard_conforming_strings', 'on', true),
    set_config('quote_all_identifiers', 'off', true);
