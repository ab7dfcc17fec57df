"""The schedule of lock waits shared by migrate, rollback and partition maintenance."""

from __future__ import annotations

import pytest

from cmmsdb.session import lock_timeout, pause


@pytest.mark.serverless
def test_attempts_start_at_a_tenth_of_a_second_and_double_up_to_the_cap() -> None:
    assert [lock_timeout(n, 1.0) for n in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert [lock_timeout(n, 0.3) for n in range(3)] == [0.1, 0.2, 0.3]
    assert [pause(n) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
