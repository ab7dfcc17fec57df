SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.t(text, text);
