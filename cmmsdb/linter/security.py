"""cmmsdb's security rules: the statements that switch tenant isolation off or open a
privilege boundary, read from pglast's parse trees. squawk's opt-in rules on the same
statements (ban-drop-policy, ban-create-policy, ...) ban them whatever they do; these rules
know the project: a policy or trigger the same migration created, a rollback undoing its
forward migration, an audited table, a SECURITY DEFINER function.

Each finding can be silenced, with a reason, by `-- cmmsdb: allow RULE because REASON`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cmmsdb.conventions import DEFINER_OWNERS, OWNER_ROLE
from cmmsdb.linter.source import RuleHit, SqlFile, Statement, object_name

RULES: dict[str, str] = {
    "rls-off": "row-level security stays ENABLEd and FORCEd: DISABLE or NO FORCE ROW LEVEL "
    "SECURITY lets the application (or the owner) read every tenant's rows",
    "drop-policy": "a policy of an existing table is not dropped: with FORCEd row-level "
    "security the rows it let through disappear, and a replacement must come in the same "
    "statement's migration, reviewed",
    "audit-trigger-off": "the triggers of an audited table are neither dropped nor disabled: "
    "changes made meanwhile escape the audit trail",
    "definer-function": "ALTER FUNCTION ... SECURITY DEFINER turns a function into a "
    "privilege boundary without its review (fixed search_path, owner nobody inherits, "
    "EXECUTE to named roles): write the function again with CREATE OR REPLACE",
    "definer-search-path": "a SECURITY DEFINER function has SET search_path = pg_catalog, "
    "pg_temp (pg_catalog first, pg_temp last): without it, or with an empty path (which "
    "searches pg_temp first), any login's temporary objects run as the owner",
    "definer-unqualified": "every relation a SECURITY DEFINER function's body names is "
    "schema-qualified: with search_path = pg_catalog, pg_temp an unqualified name is looked "
    "up in pg_temp, where any login can create a table of that name",
    "role-bypassrls": "no role is made SUPERUSER or BYPASSRLS by a migration: either one "
    "reads every tenant's rows",
    "grant-role": "nobody is made a member of cmms_owner or of a definer owner (GRANT role TO "
    "...) with INHERIT or SET: the owner can switch row-level security off, a definer owner "
    "reads every tenant's rows",
    "grant-to-public": "nothing is granted to PUBLIC (every role, present and future): "
    "grant to cmms_app, cmms_readonly or another named role",
    "open-policy": "a policy does not let every row through (USING (true) or WITH CHECK "
    "(true)) except for a definer owner (conventions.toml's definer owners: a NOLOGIN role that "
    "only SECURITY DEFINER functions use, which filter by tenant themselves)",
}

_RLS_OFF = {
    "AT_DisableRowSecurity": ("AT_EnableRowSecurity", "DISABLE ROW LEVEL SECURITY"),
    "AT_NoForceRowSecurity": ("AT_ForceRowSecurity", "NO FORCE ROW LEVEL SECURITY"),
}
_TRIGGERS_OFF = {
    "AT_DisableTrig": "DISABLE TRIGGER",
    "AT_DisableTrigAll": "DISABLE TRIGGER ALL",
    "AT_DisableTrigUser": "DISABLE TRIGGER USER",
}
AUDIT_FUNCTION = "audit_row_change"


@dataclass
class Known:
    """What the known migrations (this run's files, the forward files beside them and the
    shipped ones) say: which tables are audited, which functions are SECURITY DEFINER."""

    audited: set[str] = field(default_factory=set)
    definers: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, files: Iterable[SqlFile]) -> Known:
        known = cls()
        for sql_file in files:
            for statement in sql_file.statements:
                node = statement.node
                kind = type(node).__name__
                if kind == "CreateTrigStmt" and object_name(node.funcname) == AUDIT_FUNCTION:
                    known.audited.add(object_name(node.relation))
                elif kind == "CreateFunctionStmt" and _option(node.options, "security"):
                    known.definers.add(object_name(node.funcname))
                elif kind == "AlterFunctionStmt" and _option(node.actions, "security"):
                    known.definers.add(object_name(node.func))
        return known


@dataclass
class _Made:
    """What a migration (a file and, for a rollback, its forward file) creates or turns on:
    policies and triggers by (table, name), row-level security switches by (table, subtype)."""

    policies: set[tuple[str, str]] = field(default_factory=set)
    triggers: set[tuple[str, str]] = field(default_factory=set)
    switches: set[tuple[str, str]] = field(default_factory=set)
    revoked: set[tuple[str, str]] = field(default_factory=set)

    def add(self, statements: Sequence[Statement]) -> None:
        for statement in statements:
            node = statement.node
            kind = type(node).__name__
            if kind == "CreatePolicyStmt":
                self.policies.add((object_name(node.table), node.policy_name.lower()))
            elif kind == "CreateTrigStmt":
                self.triggers.add((object_name(node.relation), node.trigname.lower()))
            elif kind == "AlterTableStmt" and node.relation is not None:
                table = object_name(node.relation)
                self.switches |= {(table, cmd.subtype.name) for cmd in node.cmds}
            elif kind == "GrantRoleStmt" and not node.is_grant:
                self.revoked |= {
                    (str(granted.priv_name), _role_name(grantee))
                    for granted in node.granted_roles or ()
                    for grantee in node.grantee_roles or ()
                }


def check(
    sql_file: SqlFile, forward: SqlFile | None, created: set[str], known: Known
) -> list[RuleHit]:
    """The security rules on one parsed file. `forward`: a rollback file's forward file;
    `created`: the objects its migration creates (their own policies and triggers may go)."""
    made = _Made()
    made.add(sql_file.statements)
    if forward is not None:
        made.add(forward.statements)
    hits: list[RuleHit] = []
    for statement in sql_file.statements:
        for rule, message in _statement_hits(statement.node, sql_file, made, created, known):
            hits.append(RuleHit(statement.start, statement.column, rule, message))
        node = statement.node
        if (
            type(node).__name__ == "CreateFunctionStmt"
            and _option(node.options, "security")
            and not sql_file.is_rollback
        ):
            hits += _unqualified(sql_file, statement)
    return hits


def _unqualified(sql_file: SqlFile, statement: Statement) -> list[RuleHit]:
    """The relations a SECURITY DEFINER function's body names without a schema (CTE names
    aside), each at its line in the file: every statement of an SQL body, every SQL
    statement and expression of a PL/pgSQL body (its DECLAREd %TYPE and %ROWTYPE too).
    Dynamic SQL (EXECUTE) is not read."""
    node = statement.node
    name = object_name(node.funcname)
    body = _body(node)
    if body is None:
        return []
    first = _body_line(sql_file, statement, body)
    language = next(
        (str(getattr(o.arg, "sval", "")) for o in node.options or () if o.defname == "language"),
        "sql",
    )
    found: list[tuple[int, str]] = []
    if language == "sql":
        for relation, offset in _relations(body):
            found.append((first + body.count("\n", 0, offset), relation))
    elif language == "plpgsql":
        for relation, lineno in _plpgsql_relations(node):
            found.append((first + lineno - 1, relation))
    return [
        RuleHit(
            line,
            1,
            "definer-unqualified",
            f"SECURITY DEFINER function {name} names {relation} without a schema: with "
            "search_path = pg_catalog, pg_temp any login's temporary table of that name is "
            "used; write cmms." + relation.split("%")[0],
        )
        for line, relation in sorted(set(found))
    ]


def _body(node: Any) -> str | None:
    for option in node.options or ():
        if option.defname == "as" and option.arg:
            return (
                str(getattr(option.arg[0], "sval", "")) if isinstance(option.arg, tuple) else None
            )
    return None


def _body_line(sql_file: SqlFile, statement: Statement, body: str) -> int:
    """The line of the file the body starts on (its first line may share the AS $$ line)."""
    lines = sql_file.text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: statement.start - 1])
    where = sql_file.text.find(body, offset)
    return statement.start if where < 0 else sql_file.text.count("\n", 0, where) + 1


def _relations(text: str) -> list[tuple[str, int]]:
    """Unqualified relation names in SQL text, with their offsets; [] if it does not parse."""
    from pglast import parse_sql
    from pglast.parser import ParseError
    from pglast.visitors import Visitor

    try:
        tree = parse_sql(text)
    except ParseError:
        return []
    ctes: set[str] = set()
    relations: list[tuple[str, int]] = []

    class Names(Visitor):
        def visit_CommonTableExpr(self, ancestors: Any, cte: Any) -> None:
            ctes.add(str(cte.ctename).lower())

        def visit_RangeVar(self, ancestors: Any, relation: Any) -> None:
            if not relation.schemaname:
                relations.append((str(relation.relname).lower(), relation.location or 0))

    Names()(tree)
    return [(name, offset) for name, offset in relations if name not in ctes]


def _plpgsql_relations(node: Any) -> Iterator[tuple[str, int]]:
    """(relation, line of the body) for a PL/pgSQL function's unqualified relations."""
    from pglast import parse_plpgsql
    from pglast.parser import ParseError
    from pglast.stream import RawStream

    try:
        tree = parse_plpgsql(RawStream()(node))
    except (ParseError, ValueError):
        return
    yield from _walk(tree, 1)


def _walk(value: Any, lineno: int) -> Iterator[tuple[str, int]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, lineno)
        return
    if not isinstance(value, dict):
        return
    lineno = int(value.get("lineno", lineno))
    expression = value.get("PLpgSQL_expr")
    if isinstance(expression, dict) and isinstance(expression.get("query"), str):
        query = expression["query"]
        text = query if expression.get("parseMode", 0) == 0 else f"SELECT {query}"
        for relation, _ in _relations(text):
            yield relation, lineno
        return
    kind = value.get("PLpgSQL_type")
    if isinstance(kind, dict):
        typname = str(kind.get("typname", ""))
        if "%" in typname and "." not in typname.split("%")[0]:
            yield typname.lower(), lineno
        return
    for item in value.values():
        yield from _walk(item, lineno)


def _statement_hits(
    node: Any, sql_file: SqlFile, made: _Made, created: set[str], known: Known
) -> Iterator[tuple[str, str]]:
    kind = type(node).__name__
    if kind == "AlterTableStmt" and node.relation is not None:
        yield from _alter_table(node, sql_file, made, created, known)
    elif kind == "DropStmt":
        yield from _drop(node, made, created, known)
    elif kind == "CreateFunctionStmt" and _option(node.options, "security"):
        if not sql_file.is_rollback:
            yield from _definer_path(object_name(node.funcname), node.options)
    elif kind == "AlterFunctionStmt":
        name = object_name(node.func)
        if _option(node.actions, "security"):
            yield (
                "definer-function",
                f"ALTER FUNCTION {name} SECURITY DEFINER: redefine it with CREATE OR REPLACE "
                "FUNCTION ... SECURITY DEFINER SET search_path = pg_catalog, pg_temp, reviewed "
                "as a privilege boundary",
            )
        elif name in known.definers and not sql_file.is_rollback:
            yield from _definer_path(name, node.actions, only_if_set=True)
    elif kind in ("CreateRoleStmt", "AlterRoleStmt"):
        yield from _role(node)
    elif kind == "GrantRoleStmt" and node.is_grant:
        yield from _grant_role(node, sql_file, made)
    elif kind == "GrantStmt" or kind == "AlterDefaultPrivilegesStmt":
        yield from _grant(node if kind == "GrantStmt" else node.action, known)
    elif kind in ("CreatePolicyStmt", "AlterPolicyStmt"):
        yield from _open_policy(node)


def _alter_table(
    node: Any, sql_file: SqlFile, made: _Made, created: set[str], known: Known
) -> Iterator[tuple[str, str]]:
    table = object_name(node.relation)
    if table in created:
        return
    for cmd in node.cmds:
        subtype = cmd.subtype.name
        if subtype in _RLS_OFF:
            undone, words = _RLS_OFF[subtype]
            if sql_file.is_rollback and (table, undone) in made.switches:
                continue  # a rollback undoing its forward migration's ENABLE or FORCE
            yield (
                "rls-off",
                f"{words} on {table}: the application (and for NO FORCE the owner) would "
                "read every tenant's rows",
            )
        elif subtype in _TRIGGERS_OFF and table in known.audited:
            trigger = f" {cmd.name}" if cmd.name else ""
            yield (
                "audit-trigger-off",
                f"{_TRIGGERS_OFF[subtype]}{trigger} on audited table {table}: changes made "
                "while it is off escape the audit trail",
            )


def _drop(node: Any, made: _Made, created: set[str], known: Known) -> Iterator[tuple[str, str]]:
    what = node.removeType.name
    if what not in ("OBJECT_POLICY", "OBJECT_TRIGGER"):
        return
    for parts in node.objects:
        table, name = object_name(parts[-2]), object_name(parts[-1])
        if table in created:
            continue
        if what == "OBJECT_POLICY" and (table, name) not in made.policies:
            yield (
                "drop-policy",
                f"DROP POLICY {name} ON {table}: with forced row-level security the rows it "
                "let through disappear; replace it in the same migration, reviewed",
            )
        elif (
            what == "OBJECT_TRIGGER"
            and table in known.audited
            and (table, name) not in made.triggers
        ):
            yield (
                "audit-trigger-off",
                f"DROP TRIGGER {name} ON audited table {table}: changes made without it "
                "escape the audit trail",
            )


def _definer_path(
    name: str, options: Sequence[Any] | None, *, only_if_set: bool = False
) -> Iterator[tuple[str, str]]:
    path = _search_path(options)
    if path is None and only_if_set:
        return
    if path is not None and path[:1] == ["pg_catalog"] and path[-1:] == ["pg_temp"]:
        return
    shown = (
        "no SET search_path"
        if path is None
        else "search_path = " + (", ".join(p or "''" for p in path))
    )
    yield (
        "definer-search-path",
        f"SECURITY DEFINER function {name} has {shown}: SET search_path = pg_catalog, "
        "pg_temp (an empty path searches pg_temp first for types and relations)",
    )


def _search_path(options: Sequence[Any] | None) -> list[str] | None:
    """The elements of a SET search_path clause among a function's options, else None."""
    for option in options or ():
        arg = getattr(option, "arg", None)
        if option.defname == "set" and getattr(arg, "name", None) == "search_path":
            values = getattr(arg, "args", None) or ()
            return [str(getattr(a.val, "sval", "")).lower() for a in values]
    return None


def _role(node: Any) -> Iterator[tuple[str, str]]:
    role = node.role if isinstance(node.role, str) else getattr(node.role, "rolename", "")
    for attribute in ("superuser", "bypassrls"):
        if _option(node.options, attribute):
            verb = "CREATE" if type(node).__name__ == "CreateRoleStmt" else "ALTER"
            yield (
                "role-bypassrls",
                f"{verb} ROLE {role} {attribute.upper()}: the role reads every tenant's rows, "
                "past every policy",
            )


def _grant_role(node: Any, sql_file: SqlFile, made: _Made) -> Iterator[tuple[str, str]]:
    options = {o.defname: getattr(o.arg, "boolval", True) for o in node.opt or ()}
    if options.get("inherit") is False and options.get("set") is False:
        return  # ADMIN alone confers neither the role's rights nor SET ROLE
    for granted in node.granted_roles or ():
        role = str(granted.priv_name)
        if role != OWNER_ROLE and role not in DEFINER_OWNERS:
            continue
        for grantee in node.grantee_roles or ():
            member = _role_name(grantee)
            if sql_file.is_rollback and (role, member) in made.revoked:
                continue  # a rollback restoring the membership its forward file revoked
            why = (
                "the owner of every tenant table, which can switch row-level security off"
                if role == OWNER_ROLE
                else "a definer owner, whose policies let every tenant's rows through"
            )
            yield (
                "grant-role",
                f"GRANT {role} TO {member}: {member} can act as {role}, {why}",
            )


def _grant(node: Any, known: Known) -> Iterator[tuple[str, str]]:
    if not node.is_grant or not any(_is_public(g) for g in node.grantees or ()):
        return
    privileges = ", ".join(p.priv_name.upper() for p in node.privileges or ()) or "ALL"
    kind = node.objtype.name.removeprefix("OBJECT_").lower()
    if node.targtype.name == "ACL_TARGET_DEFAULTS":
        yield (
            "grant-to-public",
            f"default privileges grant {privileges} on new {kind}s to PUBLIC: every role, "
            "present and future, gets them; grant to a named role",
        )
        return
    names = [object_name(o) for o in node.objects or ()]
    definers = [n for n in names if kind == "function" and n in known.definers]
    if definers:
        yield (
            "grant-to-public",
            f"GRANT EXECUTE on SECURITY DEFINER function {definers[0]} to PUBLIC: any login "
            "runs it with its owner's rights; grant EXECUTE to named roles only",
        )
    else:
        yield (
            "grant-to-public",
            f"GRANT {privileges} on {kind} {', '.join(names)} to PUBLIC: every role, present "
            "and future, gets it; grant to a named role",
        )


def _open_policy(node: Any) -> Iterator[tuple[str, str]]:
    pairs = (("USING (true)", node.qual), ("WITH CHECK (true)", node.with_check))
    clauses = [words for words, expression in pairs if _is_true(expression)]
    if not clauses or not getattr(node, "permissive", True):
        return
    default = "PUBLIC" if type(node).__name__ == "CreatePolicyStmt" else "its roles"
    names = [_role_name(r) for r in node.roles or ()]
    if names and all(name in DEFINER_OWNERS for name in names):
        return
    roles = ", ".join(names) or default
    yield (
        "open-policy",
        f"policy {node.policy_name} on {object_name(node.table)} {' and '.join(clauses)} for "
        f"{roles} lets every row through: only a definer owner (a NOLOGIN role nobody can "
        "become, used by SECURITY DEFINER functions that filter by tenant) may have one",
    )


def _is_true(expression: Any) -> bool:
    value = getattr(expression, "val", None)
    return type(expression).__name__ == "A_Const" and getattr(value, "boolval", None) is True


def _is_public(role: Any) -> bool:
    return bool(role.roletype.name == "ROLESPEC_PUBLIC")


def _role_name(role: Any) -> str:
    return "PUBLIC" if _is_public(role) else str(role.rolename or role.roletype.name)


def _option(options: Sequence[Any] | None, name: str) -> bool:
    """Whether a boolean option (SECURITY DEFINER, BYPASSRLS, ...) is set to true."""
    for option in options or ():
        if option.defname == name:
            return getattr(option.arg, "boolval", None) is True
    return False
