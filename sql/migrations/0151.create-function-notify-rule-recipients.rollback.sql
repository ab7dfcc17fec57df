SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.notify_rule_recipients(text, jsonb);
