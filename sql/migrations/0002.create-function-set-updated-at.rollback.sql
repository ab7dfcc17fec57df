DROP FUNCTION cmms.set_updated_at();
