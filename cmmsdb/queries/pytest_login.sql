-- pytest_login.sql: a login role of a test session, a member of {member} (cmms_app or
-- cmms_readonly) and nothing else; roles belong to the cluster, so one serves every clone.
CREATE ROLE {role} LOGIN PASSWORD {password} IN ROLE {member}
