"""The tenant API's own tests, every tests/test_api_*.py module, run as they are against
the cluster (migrated_db is the coordinator's database): a cmms_app login in a tenant
context creates and transitions work orders, consumes parts, searches, exports and erases a
person's data, sends and reads notifications, fires rules, generates preventive maintenance,
refreshes dashboards...

Each module's tests and fixtures are taken over by name; two modules giving one name to
different objects would run a test with the wrong fixture, so that fails the import. A
module's own fixture named like one of tests/conftest.py (test_api_maintenance's `app`, in
UTC) serves every module here: the cluster's servers run in UTC anyway."""

from importlib import import_module
from pathlib import Path
from typing import Any

MODULES = (
    "test_api_inventory",
    "test_api_privacy",
    "test_api_search",
    "test_api_work_orders",
    "test_api_notifications",
    "test_api_rule_events",
    "test_api_maintenance",
    "test_api_templates",
    "test_api_custom_fields",
    "test_api_calendar",
    "test_api_i18n",
    "test_api_permissions",
    "test_api_rules",
    "test_api_contractors",
)


def _tests_and_fixtures(module: Any) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(module).items()
        if name.startswith("test_")
        or hasattr(value, "_fixture_function_marker")
        or type(value).__name__ == "FixtureFunctionDefinition"
    }


for _name in MODULES:
    for _key, _value in _tests_and_fixtures(import_module(f"tests.{_name}")).items():
        if globals().setdefault(_key, _value) is not _value:
            raise ImportError(f"tests.{_name}.{_key} is not the {_key} of an earlier module")


def test_every_api_module_runs_on_the_cluster() -> None:
    """A new tests/test_api_*.py module is run here too, or this fails."""
    found = {p.stem for p in Path(__file__).parents[1].glob("test_api_*.py")}
    assert found == set(MODULES)
