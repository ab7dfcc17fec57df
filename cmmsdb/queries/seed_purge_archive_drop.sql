-- An archived partition of the audit trail that held only fake organizations' records.
DROP TABLE {archive}
