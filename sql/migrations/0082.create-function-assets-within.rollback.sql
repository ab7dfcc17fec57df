SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.assets_within(double precision, double precision, double precision);

DROP FUNCTION cmms.earth_distance_m(double precision, double precision, double precision, double precision);
