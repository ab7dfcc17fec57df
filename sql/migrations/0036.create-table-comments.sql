-- Comments: the discussion on a work order, with nested replies (a reply belongs to the
-- same work order as the comment it answers, and the replies form a tree) and a weighted
-- full-text search vector; with row-level security, grants, audit trigger and soft-delete
-- view (scaffolded by `cmmsdb new --template tenant-table`).
SET LOCAL ROLE cmms_owner;

CREATE TABLE cmms.comments (
    organization_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    work_order_id uuid NOT NULL,
    parent_id uuid,
    author_user_id uuid,
    body text NOT NULL,
    edited_at timestamptz,
    search_vector tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, body), 'A')) STORED,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at timestamptz,
    created_by uuid DEFAULT cmms.current_user_id(),
    updated_by uuid DEFAULT cmms.current_user_id(),
    CONSTRAINT comments_pkey PRIMARY KEY (organization_id, id),
    -- The target of comments_parent_fkey: a reply names its parent together with its own
    -- work order, so it cannot answer a comment on another work order.
    CONSTRAINT comments_organization_id_work_order_id_id_key UNIQUE (organization_id, work_order_id, id),
    CONSTRAINT comments_organization_id_fkey FOREIGN KEY (organization_id)
    REFERENCES cmms.organizations (id) ON DELETE CASCADE,
    CONSTRAINT comments_work_order_fkey FOREIGN KEY (organization_id, work_order_id)
    REFERENCES cmms.work_orders (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT comments_parent_fkey FOREIGN KEY (organization_id, work_order_id, parent_id)
    REFERENCES cmms.comments (organization_id, work_order_id, id) ON DELETE CASCADE,
    CONSTRAINT comments_author_user_fkey FOREIGN KEY (organization_id, author_user_id)
    REFERENCES cmms.users (organization_id, id) ON DELETE SET NULL (author_user_id),
    CONSTRAINT comments_parent_check CHECK (parent_id <> id),
    CONSTRAINT comments_body_check CHECK (length(body) <= 20000 AND btrim(body) <> '')
);

-- Serves comments_parent_fkey (the replies of a comment) and, by its leading columns,
-- comments_work_order_fkey (the comments of a work order).
CREATE INDEX comments_organization_id_work_order_id_parent_id_idx
ON cmms.comments (organization_id, work_order_id, parent_id);

CREATE INDEX comments_organization_id_author_user_id_idx
ON cmms.comments (organization_id, author_user_id);

CREATE INDEX comments_search_vector_idx
ON cmms.comments USING gin (search_vector);

CREATE TRIGGER comments_set_updated_at
BEFORE UPDATE ON cmms.comments
FOR EACH ROW EXECUTE FUNCTION cmms.set_updated_at();

CREATE TRIGGER comments_refuse_cycle
BEFORE INSERT OR UPDATE OF parent_id ON cmms.comments
FOR EACH ROW EXECUTE FUNCTION cmms.refuse_hierarchy_cycle();

COMMENT ON TABLE cmms.comments IS
'Discussion on a work order, with nested replies. The files attached to a comment are rows of cmms.attachments '
'with entity_type ''comment''.';
COMMENT ON COLUMN cmms.comments.work_order_id IS
'The work order discussed; deleting it deletes its comments.';
COMMENT ON COLUMN cmms.comments.parent_id IS
'The comment this one replies to (NULL for a top-level comment), on the same work order; '
'deleting it deletes the replies. The replies form a tree (no cycles).';
COMMENT ON COLUMN cmms.comments.author_user_id IS
'User who wrote the comment; cleared (only this column) when that user is deleted.';
COMMENT ON COLUMN cmms.comments.body IS
'Text of the comment: not blank, at most 20000 characters.';
COMMENT ON COLUMN cmms.comments.edited_at IS
'When the author last edited the body; NULL if never edited.';
COMMENT ON COLUMN cmms.comments.search_vector IS
'Full-text search vector (generated): the body, weight A.';
COMMENT ON COLUMN cmms.comments.deleted_at IS
'Soft delete: set when the row was removed; NULL while it is live.';
COMMENT ON COLUMN cmms.comments.created_by IS
'User who created the row (no foreign key: the user may have been erased).';
COMMENT ON COLUMN cmms.comments.updated_by IS
'User who last changed the row (no foreign key: the user may have been erased).';

ALTER TABLE cmms.comments ENABLE ROW LEVEL SECURITY;

ALTER TABLE cmms.comments FORCE ROW LEVEL SECURITY;

CREATE POLICY comments_select ON cmms.comments
FOR SELECT TO cmms_owner, cmms_app, cmms_readonly
USING (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY comments_insert ON cmms.comments
FOR INSERT TO cmms_owner, cmms_app
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY comments_update ON cmms.comments
FOR UPDATE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()))
WITH CHECK (organization_id = (SELECT cmms.current_org_id()));

CREATE POLICY comments_delete ON cmms.comments
FOR DELETE TO cmms_owner, cmms_app
USING (organization_id = (SELECT cmms.current_org_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON cmms.comments TO cmms_app;

GRANT SELECT ON cmms.comments TO cmms_readonly;

CREATE TRIGGER comments_audit
AFTER INSERT OR UPDATE OR DELETE ON cmms.comments
FOR EACH ROW EXECUTE FUNCTION cmms.audit_row_change();

CREATE VIEW cmms.active_comments WITH (security_invoker = TRUE) AS
SELECT *
FROM cmms.comments
WHERE deleted_at IS NULL;

COMMENT ON VIEW cmms.active_comments IS
'Rows that are not soft-deleted; runs with the privileges and row-level security of the caller.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.active_comments FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.active_comments TO cmms_app, cmms_readonly;
