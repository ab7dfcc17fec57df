"""The tenant API's own tests, run as they are against the cluster: a cmms_app login in a
tenant context creates and transitions work orders, consumes parts, searches, exports and
erases a person's data (tests/test_api_*.py, with migrated_db the coordinator's database)."""

from tests.test_api_inventory import *  # noqa: F403
from tests.test_api_privacy import *  # noqa: F403
from tests.test_api_search import *  # noqa: F403
from tests.test_api_work_orders import *  # noqa: F403
