-- The migrator's session: if the migrator dies (even kill -9) while a statement runs, the
-- server notices within a second, rolls back and frees the migration lock.
SELECT set_config('client_connection_check_interval', '1000', false)
