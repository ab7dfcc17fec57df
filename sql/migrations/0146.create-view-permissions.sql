-- The permission catalog (issue 16, item 2): every permission a stored function of the
-- data layer checks, with the roles that hold it by default. A view over constant rows,
-- global like cmms.i18n_strings and read-only: the catalog is part of the schema, changed
-- by a migration (CREATE OR REPLACE VIEW) together with the functions that check a new
-- permission, never by a tenant. An organization changes the defaults with rows of
-- cmms.role_permission_overrides (0147), so seeded tenants and new organizations get the
-- defaults with nothing to copy. The defaults reproduce what every role could do before
-- permissions existed (every state-changing function, for every role); only
-- permission.manage, which is new, is the admins' alone.
SET LOCAL ROLE cmms_owner;

CREATE VIEW cmms.permissions AS
SELECT
    p.name,
    p.description,
    p.default_roles::text[] AS default_roles
FROM (
    VALUES
    (
        'work_order.create',
        'Create work orders, from a template or not (create_work_order, apply_work_order_template).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'work_order.transition',
        'Change a work order''s status (transition_work_order); closing and cancelling need more.',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'work_order.close',
        'Close a work order (transition_work_order to closed).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'work_order.cancel',
        'Cancel a work order (transition_work_order to cancelled).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'inventory.consume',
        'Issue stocked parts to a work order (consume_part).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'purchase_order.receive',
        'Receive a purchase order into stock (receive_purchase_order).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'pm.generate',
        'Generate the due preventive maintenance work orders (generate_pm_work_orders).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'dashboard.refresh',
        'Recompute the dashboard figures (refresh_dashboard_metrics).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'user.erase',
        'Erase a user''s personal data (erase_user).',
        '{admin,manager,technician,requester,viewer}'
    ),
    (
        'permission.manage',
        'Grant or revoke permissions of roles in the organization (set_role_permission).',
        '{admin}'
    )
) AS p (name, description, default_roles);

COMMENT ON VIEW cmms.permissions IS
'The permissions stored functions check (cmms.has_permission), with the roles that hold each by default; '
'global and constant (changed by migrations). An organization''s changes are rows of '
'cmms.role_permission_overrides.';
COMMENT ON COLUMN cmms.permissions.name IS
'The permission, object.action (work_order.close), as named in the error of a function that needs it.';
COMMENT ON COLUMN cmms.permissions.description IS
'What the permission allows, and which functions check it.';
COMMENT ON COLUMN cmms.permissions.default_roles IS
'The roles (cmms.users.role) that hold the permission unless their organization overrides it.';

-- Read-only: cmms_owner's default privileges would also let cmms_app write through it.
REVOKE ALL ON cmms.permissions FROM cmms_app, cmms_readonly;

GRANT SELECT ON cmms.permissions TO cmms_app, cmms_readonly;
