-- SET [LOCAL] ROLE %(role)s ('none' resets to the session user).
SELECT set_config('role', %(role)s, %(is_local)s)
