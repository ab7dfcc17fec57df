"""cmmsdb lint as CI and pre-commit run it: exit codes, the `file:line:col rule message`
lines, the JSON shape, errors, the pre-commit hook definition and the example workflow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli.test_migrations import assert_one_clean_error

ROOT = Path(__file__).parents[2]
CASES = ROOT / "tests" / "lint_cases"
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+) (?P<rule>[\w.-]+) (?P<message>.+)$")

# No server: the suite against another server (nox -s tests_system) leaves these out.
pytestmark = pytest.mark.serverless


def test_exits_0_and_says_clean_on_good_migrations(cli) -> None:
    run = cli("lint", "--all", str(CASES / "tenant-table" / "good"))

    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.stdout == "2 files clean (1 silenced)\n"  # the rollback's DROP TABLE: exempt


def test_exits_1_with_one_line_per_finding(cli, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(CASES / "tenant-table" / "bad", folder)

    run = cli("lint", "migrations")  # relative to the folder cmmsdb runs in

    assert run.exit_code == 1
    *lines, summary = run.stdout.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["file"], m["line"], m["col"], m["rule"]) for m in parsed if m] == [
        ("migrations/0001.create-table-gadgets.sql", "4", "1", rule)
        for rule in (
            "tenant-table-audit",
            "tenant-table-grants",
            "tenant-table-policies",
            "tenant-table-rls",
        )
    ]
    assert summary == "4 findings in 2 files (1 silenced)"


def test_takes_several_files_and_folders(cli) -> None:
    run = cli(
        "lint",
        "--all",
        str(CASES / "squawk" / "bad" / "0001.add-column-assets-serial-code.sql"),
        str(CASES / "concurrently" / "bad"),
    )

    assert run.exit_code == 1
    rules = [LINE.match(line)["rule"] for line in run.stdout.splitlines()[:-1]]  # type: ignore[index]
    assert sorted(rules) == [
        "adding-required-field",
        "concurrently-in-transaction",
        "concurrently-in-transaction",
    ]


def test_json_gives_findings_and_silences_as_data(cli, tmp_path: Path) -> None:
    path = tmp_path / "0001.add-column-assets-serial-code.sql"
    shutil.copy(CASES / "squawk" / "bad" / path.name, path)
    text = path.read_text()
    path.write_text(
        text.replace("ALTER", "-- cmmsdb: allow adding-required-field because backfilled\nALTER")
    )

    run = cli("lint", "--json", str(path))  # cmmsdb runs in tmp_path: paths are relative

    assert run.exit_code == 1  # the rollback file is missing
    data = json.loads(run.stdout)
    assert set(data) == {"files", "clean", "findings", "silenced", "unchanged"}
    assert data["clean"] is False
    assert data["files"] == [path.name]
    assert data["findings"] == [
        {
            "file": path.name,
            "line": 1,
            "column": 1,
            "rule": "missing-rollback",
            "message": "no rollback file 0001.add-column-assets-serial-code.rollback.sql",
            "source": "cmmsdb",
        }
    ]
    [silenced] = data["silenced"]
    assert silenced["rule"] == "adding-required-field"
    assert silenced["source"] == "squawk"
    assert (silenced["line"], silenced["reason"], silenced["by"]) == (5, "backfilled", "comment")


def test_json_on_clean_migrations(cli) -> None:
    run = cli("lint", "--all", "--json", str(CASES / "concurrently" / "good"))

    assert run.exit_code == 0
    data = json.loads(run.stdout)
    assert data["clean"] is True
    assert data["findings"] == data["silenced"] == []


def test_the_shipped_migrations_by_default_exit_0(cli) -> None:
    run = cli("lint", "--all", timeout=300)

    assert run.exit_code == 0, run.stdout
    assert re.fullmatch(r"\d+ files clean \(\d+ silenced\)\n", run.stdout)


def test_a_missing_path_exits_2_with_one_clean_error(cli) -> None:
    run = cli("lint", "nope.sql")

    assert_one_clean_error(run, "nope.sql does not exist")


def test_a_missing_squawk_binary_exits_2(cli) -> None:
    run = cli(
        "lint", "--all", str(CASES / "squawk" / "good"), env={"CMMSDB_SQUAWK": "/nowhere/squawk"}
    )

    assert_one_clean_error(run, "CMMSDB_SQUAWK=/nowhere/squawk is not a file")


def test_unparsable_sql_exits_1_with_a_parse_error_finding(cli, tmp_path: Path) -> None:
    (tmp_path / "0001.x.sql").write_text("SET LOCAL ROLE cmms_owner;\n\nCRATE TABLE cmms.x ();\n")
    (tmp_path / "0001.x.rollback.sql").write_text("SELECT 1;\n")

    run = cli("lint", ".")

    assert run.exit_code == 1
    assert run.stdout.splitlines() == [
        '0001.x.sql:3:1 parse-error does not parse: syntax error at or near "CRATE"',
        "1 finding in 2 files",
    ]


# --- for other repositories: the pre-commit hook and the example workflow -------------------


@pytest.fixture(scope="module")
def hooks() -> list[dict[str, object]]:
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())  # type: ignore[no-any-return]


def test_the_pre_commit_hook_runs_cmmsdb_lint_as_a_python_hook(hooks) -> None:
    [hook] = hooks

    assert hook["id"] == "cmmsdb-lint"
    assert hook["entry"] == "cmmsdb lint"
    assert hook["language"] == "python"
    assert {"id", "name", "entry", "language", "files"} <= set(hook)


@pytest.mark.parametrize(
    ("path", "linted"),
    [
        ("sql/migrations/0001.create-schema.sql", True),
        ("sql/migrations/0001.create-schema.rollback.sql", True),
        ("db/migrations/0054.add-column-assets-note.sql", True),
        ("0054.add-column-assets-note.sql", True),
        ("cmmsdb/queries/status.sql", False),
        ("sql/migrations/README.md", False),
    ],
)
def test_the_pre_commit_hook_lints_migration_files_only(hooks, path: str, linted: bool) -> None:
    [hook] = hooks

    assert bool(re.search(str(hook["files"]), path)) is linted


def test_the_pre_commit_hook_entry_is_a_command_cmmsdb_has(cli, hooks) -> None:
    [hook] = hooks
    command = str(hook["entry"]).split()

    run = cli(*command[1:], "--help")

    assert command[0] == "cmmsdb"
    assert run.exit_code == 0
    assert "PATHS" in run.stdout


def test_the_example_workflow_lints_changed_migrations_and_checks_drift() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions" / "cmmsdb.yml").read_text())
    steps = {
        job: " ".join(str(step.get("run", "")) for step in spec["steps"])
        for job, spec in workflow["jobs"].items()
    }

    assert "cmmsdb lint" in steps["lint"]
    assert 'cmmsdb drift --dsn "$STAGING_DSN"' in steps["drift"]


def git(folder: Path, *arguments: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(folder),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            *arguments,
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout with two committed, clean migrations."""
    folder = tmp_path / "migrations"
    shutil.copytree(CASES / "tenant-table" / "good", folder)
    shutil.copytree(CASES / "concurrently" / "good", folder, dirs_exist_ok=True)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "migrations")
    return folder


def test_in_a_git_checkout_only_changed_files_are_linted(cli, checkout: Path) -> None:
    run = cli("lint", str(checkout))

    assert run.exit_code == 0, run.stdout
    assert (
        run.stdout == "no changed file to lint; 4 unchanged files not linted (--all lints them)\n"
    )

    rollback = checkout / "0001.create-table-gadgets.rollback.sql"
    rollback.write_text(rollback.read_text() + "\nDROP TABLE cmms.assets;\n")
    run = cli("lint", "--json", str(checkout))

    assert run.exit_code == 1
    data = json.loads(run.stdout)
    # the changed rollback and its forward migration, read together
    assert sorted(Path(f).name for f in data["files"]) == [
        "0001.create-table-gadgets.rollback.sql",
        "0001.create-table-gadgets.sql",
    ]
    assert data["unchanged"] == 2
    assert [f["rule"] for f in data["findings"]] == ["ban-drop-table"]


def test_an_untracked_migration_is_a_changed_one(cli, checkout: Path) -> None:
    (checkout / "0002.x.sql").write_text("-- New.\nSET LOCAL ROLE cmms_owner;\n\nSELECT 1;\n")

    run = cli("lint", str(checkout))

    assert run.exit_code == 1
    assert [m["rule"] for m in map(LINE.match, run.stdout.splitlines()[:-1]) if m] == [
        "missing-rollback"
    ]


def test_all_lints_every_file_of_a_checkout(cli, checkout: Path) -> None:
    run = cli("lint", "--all", str(checkout))

    assert run.exit_code == 0, run.stdout
    assert run.stdout.startswith("4 files clean")


def test_a_file_named_explicitly_is_linted_even_unchanged(cli, checkout: Path) -> None:
    run = cli("lint", str(checkout / "0001.create-table-gadgets.sql"))

    assert run.stdout.startswith("1 file clean")


def test_a_folder_git_ignores_is_linted_whole(cli, tmp_path: Path) -> None:
    """Like a wheel installed in a virtualenv inside a repository: nothing there is tracked."""
    folder = tmp_path / "migrations"
    shutil.copytree(CASES / "tenant-table" / "good", folder)
    (tmp_path / ".gitignore").write_text("migrations/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "ignore")

    run = cli("lint", str(folder))

    assert run.stdout.startswith("2 files clean"), run.stdout
