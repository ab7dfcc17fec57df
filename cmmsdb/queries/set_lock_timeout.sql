-- How long any statement may wait for a lock before it fails (and cmmsdb retries), for
-- this transaction only (is_local) or for the session. Returns the previous value.
SELECT current_setting('lock_timeout') AS previous, set_config('lock_timeout', %(timeout)s, %(is_local)s)
