-- Is this server able to take schema changes? A standby is in recovery; a database or
-- role can also be set read-only with default_transaction_read_only.
SELECT
    pg_is_in_recovery() AS in_recovery,
    current_setting('transaction_read_only') = 'on' AS read_only
