-- The partition tool's session: partition bounds print in UTC and ISO format whatever the
-- role's settings (they are parsed back), and if a maintainer dies (even kill -9) mid-statement
-- the server notices within a second, rolls back and frees the maintenance lock.
SELECT
    set_config('TimeZone', 'UTC', false),
    set_config('DateStyle', 'ISO, MDY', false),
    set_config('client_connection_check_interval', '1000', false)
