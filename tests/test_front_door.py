"""One front door: the functions of `cmmsdb` are what the CLI calls, fully typed."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import cmmsdb

CLI = Path(cmmsdb.__file__).parent / "cli"
# What a command may import besides the front door: its own rendering and options, the
# errors it catches, and the modules of commands that do not touch a database's schema.
# Keyword options a front-door name hands, untouched, to the library it wraps.
PASSED_THROUGH = {
    "TenantPool": "psycopg.connect's and psycopg_pool.ConnectionPool's own options",
    "connect_as_tenant": "psycopg.connect's own options",
}
CLI_MAY_IMPORT = {
    "cli",
    "errors",
    "session",
    "config",
    "target",
    "local",
    "citus_cluster",
    "scaffold",
    "archiving",
}


def test_every_public_function_is_typed_without_catch_all_options() -> None:
    for name in cmmsdb.__all__:
        if name == "__version__":
            continue
        found = getattr(cmmsdb, name)
        signature = inspect.signature(found)
        if not inspect.isclass(found):
            assert signature.return_annotation is not inspect.Signature.empty, name
        for parameter in signature.parameters.values():
            if name in PASSED_THROUGH:
                continue
            assert parameter.kind is not inspect.Parameter.VAR_KEYWORD, f"{name}(**{parameter})"
            assert parameter.annotation is not inspect.Parameter.empty, f"{name}({parameter})"
            assert "Any" not in str(parameter.annotation), f"{name}({parameter})"


def test_commands_reach_the_library_only_through_the_front_door() -> None:
    imported: set[str] = set()
    for path in CLI.glob("*.py"):
        for node in _runtime_imports(ast.parse(path.read_text())):
            module = node.module or ""
            if module.startswith("cmmsdb"):
                names = [a.name for a in node.names] if module == "cmmsdb" else [module]
                imported |= {n.removeprefix("cmmsdb.").split(".")[0] for n in names}
    assert imported - {"__version__"} - CLI_MAY_IMPORT == set()


def _runtime_imports(tree: ast.AST) -> list[ast.ImportFrom]:
    """The `from ... import` statements that run: not those for type checkers only."""
    found: list[ast.ImportFrom] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            continue
        if isinstance(node, ast.ImportFrom):
            found.append(node)
        found += _runtime_imports(node)
    return found
