-- Drops the notification functions and takes their two permissions out of the catalog (an
-- organization's overrides of them go first: the catalog no longer names them).
SET LOCAL ROLE cmms_owner;

DROP FUNCTION cmms.mark_notifications_read(uuid[]);

DROP FUNCTION cmms.my_notifications(boolean, integer);

DROP FUNCTION cmms.notify_team(uuid, text, text, text, text, uuid);

DROP FUNCTION cmms.notify_organization(text, text, text, text, uuid);

DROP FUNCTION cmms.send_notification(uuid, text, text, text, text, uuid);

DROP FUNCTION cmms.notification_reader();

DELETE FROM cmms.role_permission_overrides
WHERE permission IN ('notification.send', 'notification.mark_read');

CREATE OR REPLACE VIEW cmms.permissions AS
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
