"""cmmsdb health as monitoring runs it: JSON shape, exit 1 on a red finding (a missing
partition of next month), a table for people, exit 2 with one line when unreachable."""

from __future__ import annotations

import json

from tests.test_health_checks import Conn, _next_month


def test_cli_json_shape_and_exit_code(cli, migrated_db: str) -> None:
    run = cli("health", "--dsn", migrated_db, "--json")

    data = json.loads(run.stdout)
    assert set(data) == {
        "target",
        "server_version",
        "checked_at",
        "ok",
        "worst",
        "counts",
        "findings",
    }
    assert set(data["counts"]) == {"green", "yellow", "red"}
    for finding in data["findings"]:
        assert set(finding) == {"check", "severity", "name", "detail", "advice", "data"}
        assert finding["severity"] in ("green", "yellow", "red")
        assert isinstance(finding["data"], list)
    red = any(f["severity"] == "red" for f in data["findings"])
    assert data["ok"] is not red
    assert run.exit_code == (1 if red else 0), run.stderr


def test_cli_exits_1_on_a_red_finding_and_prints_a_table(
    cli, migrated_db: str, admin: Conn
) -> None:
    admin.execute(f"DROP TABLE cmms.activity_logs_p{_next_month()}")

    run = cli("health", "--dsn", migrated_db, env={"COLUMNS": "160"})

    assert run.exit_code == 1, run.stderr
    line = next(x for x in run.stdout.splitlines() if "partitions of the coming months" in x)
    assert line.split()[0] == "red"
    assert "cmms.activity_logs" in line
    assert "red:" in run.stdout.splitlines()[-1] or " red" in run.stdout.splitlines()[-1]


def test_cli_connection_error_is_one_line_and_exit_2(cli) -> None:
    run = cli("health", "--dsn", "postgresql://nobody@127.0.0.1:1/none", "--connect-timeout", "1")

    assert run.exit_code == 2
    assert len(run.stderr.strip().splitlines()) <= 2
    assert "Traceback" not in run.stderr
