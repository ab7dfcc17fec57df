-- Signed-in sessions: one row per refresh token, so that a session can be listed,
-- expired and revoked. Only a hash of the token is stored.
CREATE TABLE cmms.user_sessions (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    refresh_token_hash text NOT NULL,
    ip_address inet,
    user_agent text,
    expires_at timestamptz NOT NULL,
    last_seen_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid,
    updated_by uuid,
    CONSTRAINT user_sessions_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT user_sessions_user_fkey FOREIGN KEY (organization_id, user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT user_sessions_expiry_check CHECK (expires_at > created_at),
    CONSTRAINT user_sessions_user_agent_check CHECK (length(user_agent) <= 1000)
);

CREATE UNIQUE INDEX user_sessions_refresh_token_hash_key
ON cmms.user_sessions (refresh_token_hash);

CREATE INDEX user_sessions_organization_id_user_id_idx
ON cmms.user_sessions (organization_id, user_id);

CREATE INDEX user_sessions_expires_at_idx
ON cmms.user_sessions (expires_at)
WHERE revoked_at IS NULL;

CREATE TRIGGER user_sessions_set_updated_at
BEFORE UPDATE ON cmms.user_sessions
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

COMMENT ON TABLE cmms.user_sessions IS 'Signed-in sessions, one per refresh token; only a hash of the token is kept.';
COMMENT ON COLUMN cmms.user_sessions.refresh_token_hash IS
'SHA-256 (hex) of the refresh token; the token itself is never stored.';
COMMENT ON COLUMN cmms.user_sessions.ip_address IS 'Client address when the session was created.';
COMMENT ON COLUMN cmms.user_sessions.user_agent IS
'Client User-Agent header when the session was created (at most 1000 characters).';
COMMENT ON COLUMN cmms.user_sessions.expires_at IS 'When the refresh token stops being accepted.';
COMMENT ON COLUMN cmms.user_sessions.last_seen_at IS 'Last time the token was used to refresh a session.';
COMMENT ON COLUMN cmms.user_sessions.revoked_at IS 'Set when the session was signed out or revoked; NULL while usable.';
COMMENT ON COLUMN cmms.user_sessions.deleted_at IS 'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.user_sessions.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.user_sessions.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';
