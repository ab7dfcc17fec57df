SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.contractors_within(double precision, double precision, double precision);
DROP FUNCTION cmms.radius_box(double precision, double precision, double precision);
