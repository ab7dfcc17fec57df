"""Connections as a tenant, for the services that app teams build on this schema.

Row-level security keys every tenant table on `cmms.current_org_id()`, which only honours a
context that `cmms.set_context(org, user)` set in the *current* transaction (migration 0087):
a context set with SET, at session level, or left by an earlier transaction is no context,
and no context means no rows. So a tenant connection must start every transaction with
`cmms.set_context`; that is what this module guarantees:

    from cmmsdb.tenancy import connect_as_tenant, TenantPool

    with connect_as_tenant(dsn, org_id, user_id) as conn:      # one connection
        conn.execute("SELECT id, title FROM cmms.work_orders").fetchall()

    pool = TenantPool(dsn, max_size=10)                         # a service's pool
    with pool.connection(org_id, user_id) as conn:
        conn.execute("SELECT cmms.create_work_order(...)")

- `TenantConnection` (a psycopg Connection) sends `SELECT cmms.set_context(...)` right after
  every BEGIN it issues: the implicit one before the first statement of a transaction, that
  of `conn.transaction()` in autocommit mode, and that of two-phase transactions. It costs
  no round trip: the context goes in the BEGIN's own message (simple query protocol, two
  statements), or, in pipeline mode, is queued with BEGIN and the first statements. In
  autocommit mode a statement outside `conn.transaction()` has no transaction of its own to
  start, so it runs without context and sees no tenant rows (fail closed).
- `TenantPool` wraps psycopg_pool.ConnectionPool: a checkout binds the connection to one
  tenant, the return unbinds it, ends its transaction (the context is transaction-local,
  so it ends with it) and runs RESET ROLE and RESET ALL: no connection goes back to the pool
  with a context, a role or a setting of the last tenant.
- Everything works behind PgBouncer in transaction pooling: the context lives in the
  transaction, and prepared statements are off (`prepare_threshold=None`) unless asked for.
- A login that row-level security does not bind is refused with UnsafeTenantLogin, before
  any tenant query runs: a superuser, a BYPASSRLS role, or the owner of the tables (a member
  of cmms_owner). Connect as a login role that is a member of cmms_app.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import generators, pq, sql
from psycopg.rows import TupleRow

from cmmsdb.errors import ConfigurationError, UnsafeTenantLogin
from cmmsdb.resources import query, statements
from cmmsdb.target import mask

if TYPE_CHECKING:
    from psycopg.abc import PQGen, QueryNoTemplate
    from psycopg.pq.abc import PGresult
    from psycopg_pool import ConnectionPool

__all__ = ["TenantConnection", "TenantPool", "check_login", "connect_as_tenant"]

FIX = "connect as a login role that is only a member of cmms_app (or cmms_readonly)"


class TenantConnection(psycopg.Connection[TupleRow]):
    """A psycopg connection whose every transaction starts with `cmms.set_context` for the
    tenant it is bound to; unbound, its transactions have no context and see no tenant rows."""

    _tenant_context: bytes | None = None
    organization_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None

    def bind(self, organization_id: uuid.UUID | str, user_id: uuid.UUID | str | None) -> None:
        """Give the next transactions this tenant's context (between transactions only)."""
        self._between_transactions("bind")
        org = uuid.UUID(str(organization_id))
        user = uuid.UUID(str(user_id)) if user_id is not None else None
        statement = sql.SQL(query("tenancy_set_context.sql")).format(
            organization_id=sql.Literal(str(org)),
            user_id=sql.Literal(str(user) if user else None),
        )
        self._tenant_context = statement.as_bytes(self)
        self.organization_id, self.user_id = org, user

    def unbind(self) -> None:
        """No context for the next transactions (between transactions only)."""
        self._between_transactions("unbind")
        self._tenant_context = None
        self.organization_id = self.user_id = None

    def _between_transactions(self, what: str) -> None:
        if self.pgconn.transaction_status != pq.TransactionStatus.IDLE:
            raise ConfigurationError(
                f"cannot {what} a tenant connection inside a transaction",
                "commit or roll back first",
            )

    def _exec_command(
        self, command: QueryNoTemplate, result_format: pq.Format = pq.Format.TEXT
    ) -> PQGen[PGresult | None]:
        # psycopg sends every BEGIN (implicit, conn.transaction(), tpc_begin) through here,
        # as the bytes of _get_tx_start_command(): follow it with the tenant's context.
        context = self._tenant_context
        if context is None or command != self._get_tx_start_command():
            return (yield from super()._exec_command(command, result_format))
        if self._pipeline:  # queued: sent with the next statements, no round trip of its own
            result = yield from super()._exec_command(command, result_format)
            yield from super()._exec_command(context)
            return result
        return (yield from self._begin_with_context(self._get_tx_start_command(), context))

    def _begin_with_context(self, begin: bytes, context: bytes) -> PQGen[PGresult | None]:
        """BEGIN and the context in one message of the simple query protocol: one round
        trip, as a plain connection's BEGIN (PgBouncer in transaction pooling passes it)."""
        self._check_connection_ok()
        self.pgconn.send_query(begin + b"; " + context)
        results: list[PGresult] = yield from generators.execute(self.pgconn)
        for result in results:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                raise psycopg.errors.error_from_result(result, encoding=self.pgconn._encoding)
        if len(results) != 2:
            raise psycopg.InterfaceError(f"{len(results)} results from BEGIN and the context")
        return results[0]


def check_login(conn: psycopg.Connection[Any]) -> str:
    """The login of `conn` if row-level security binds it; UnsafeTenantLogin otherwise.
    Leaves `conn` as it found it (a transaction it had to open is rolled back)."""
    idle = conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
    row = conn.execute(query("tenancy_login.sql")).fetchone()
    if idle and conn.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        conn.rollback()
    if row is None:  # current_user always has a pg_roles row
        raise UnsafeTenantLogin("could not read the login's role from pg_roles", FIX)
    login, superuser, bypassrls, owner, owns_tables, migrated = row
    why = None
    if superuser:
        why = f"role {login} is a superuser"
    elif bypassrls:
        why = f"role {login} has BYPASSRLS"
    elif owns_tables:
        why = f"role {login} owns the tenant tables (a member of {owner})"
    if why:
        raise UnsafeTenantLogin(
            f"{why}: row-level security does not bind it, so it would see every tenant's "
            "rows; refusing a tenant connection",
            FIX,
        )
    if not migrated:
        where = mask(conn.info.dsn)
        raise ConfigurationError(
            f"{where} has no cmms schema: a tenant connection needs a migrated database",
            "run `cmmsdb migrate` (or cmmsdb.migrate(dsn)) first",
        )
    return str(login)


@contextmanager
def connect_as_tenant(
    dsn: str,
    organization_id: uuid.UUID | str,
    user_id: uuid.UUID | str | None = None,
    **kwargs: Any,
) -> Iterator[TenantConnection]:
    """A connection whose every transaction runs as `organization_id` (acting user
    `user_id`), closed at the end of the block: committed if the block succeeds, rolled back
    if it raises (psycopg's rule). `kwargs` go to psycopg.connect (default
    prepare_threshold=None, for PgBouncer). Raises UnsafeTenantLogin for a login that
    row-level security does not bind, ConnectionFailed when the server cannot be reached."""
    kwargs.setdefault("prepare_threshold", None)
    with _connect(dsn, kwargs) as conn:
        check_login(conn)
        conn.bind(organization_id, user_id)
        yield conn


def _connect(dsn: str, kwargs: dict[str, Any]) -> TenantConnection:
    """A TenantConnection, or ConnectionFailed in one line (the password masked)."""
    from cmmsdb.target import Target, connection_error, parse

    parse(dsn)
    try:
        return TenantConnection.connect(dsn, **kwargs)
    except psycopg.OperationalError as exc:
        raise connection_error(Target(dsn, "tenancy"), exc) from None


class TenantPool:
    """A psycopg_pool.ConnectionPool of TenantConnections: `connection(org, user)` lends
    one bound to that tenant for the block, then unbinds and resets it.

    The login is checked once when the pool opens (UnsafeTenantLogin), and again on every
    new connection. Keyword arguments go to ConnectionPool (min_size, max_size, timeout,
    name, ...); `kwargs` to psycopg.connect (default prepare_threshold=None, for PgBouncer).
    """

    def __init__(
        self,
        dsn: str,
        *,
        kwargs: dict[str, Any] | None = None,
        open: bool = True,
        **pool_options: Any,
    ) -> None:
        from psycopg_pool import ConnectionPool

        self.dsn = dsn
        self.connect_kwargs = {"prepare_threshold": None, **(kwargs or {})}
        self.pool: ConnectionPool[TenantConnection] = ConnectionPool(
            dsn,
            connection_class=TenantConnection,
            kwargs=self.connect_kwargs,
            open=False,
            configure=_configure,
            reset=_reset,
            **pool_options,
        )
        if open:
            self.open()

    def open(self, wait: bool = False, timeout: float = 30.0) -> None:
        """Check the login on a connection of its own, then open the pool."""
        with _connect(self.dsn, self.connect_kwargs) as conn:
            check_login(conn)
        self.pool.open(wait=wait, timeout=timeout)

    def close(self, timeout: float = 5.0) -> None:
        self.pool.close(timeout=timeout)

    def __enter__(self) -> TenantPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def connection(
        self,
        organization_id: uuid.UUID | str,
        user_id: uuid.UUID | str | None = None,
        timeout: float | None = None,
    ) -> Iterator[TenantConnection]:
        """A connection bound to the tenant for the block: committed at its end, rolled back
        if it raises (psycopg_pool's rule), then unbound and reset before the pool gets it."""
        with self.pool.connection(timeout=timeout) as conn:
            conn.bind(organization_id, user_id)
            try:
                yield conn
            finally:
                conn._tenant_context = None  # even mid-transaction: the pool ends it next
                conn.organization_id = conn.user_id = None


def _configure(conn: TenantConnection) -> None:
    """Every new connection of a pool: refuse an unsafe login."""
    check_login(conn)


def _reset(conn: TenantConnection) -> None:
    """A connection given back (idle, its transaction ended by the pool): unbound, role and
    session settings back to the login's defaults."""
    conn.unbind()
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        for statement in statements("tenancy_reset.sql"):
            conn.execute(statement.encode())
    finally:
        conn.autocommit = autocommit
