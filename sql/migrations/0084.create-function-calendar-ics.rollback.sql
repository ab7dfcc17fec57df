SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.calendar_ics(timestamptz, timestamptz);

DROP FUNCTION cmms.ics_fold(text);

DROP FUNCTION cmms.ics_escape(text);
