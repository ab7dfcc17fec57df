-- Let the history of a ledger made by an earlier cmmsdb (which logged only apply and
-- rollback) log baselines and repairs too, with what each did (detail). Idempotent, and a
-- no-op once done; run under the migration lock before writing a baseline or a repair.
-- Earlier versions of cmmsdb keep working: they insert into named columns only.
DO $upgrade$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_attribute
        WHERE attrelid = 'cmmsdb.migration_history'::regclass AND attname = 'detail'
          AND NOT attisdropped
    ) THEN
        ALTER TABLE cmmsdb.migration_history ADD COLUMN detail text;
        COMMENT ON COLUMN cmmsdb.migration_history.detail IS 'What a baseline or a repair did, in words (null for apply and rollback).';
    END IF;
    IF NOT EXISTS (
        SELECT FROM pg_constraint
        WHERE conrelid = 'cmmsdb.migration_history'::regclass
          AND conname = 'migration_history_action_check'
          AND pg_get_constraintdef(oid) LIKE '%repair%'
    ) THEN
        ALTER TABLE cmmsdb.migration_history
            DROP CONSTRAINT IF EXISTS migration_history_action_check;
        ALTER TABLE cmmsdb.migration_history
            ADD CONSTRAINT migration_history_action_check
            CHECK (action IN ('apply', 'rollback', 'baseline', 'repair'));
    END IF;
END
$upgrade$
