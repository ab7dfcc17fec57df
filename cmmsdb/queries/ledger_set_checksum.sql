-- Accept an applied migration's edited file: record its new checksum (cmmsdb repair).
UPDATE cmmsdb.applied_migrations SET checksum = %(checksum)s WHERE id = %(id)s
