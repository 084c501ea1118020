"""A Backend on the test's own database, for the jobs that take one."""

from __future__ import annotations

import pytest

from homa_desk.backend import Backend, DatabaseTarget


@pytest.fixture
def backend(engine, db_url) -> Backend:
    return Backend(engine=engine, target=DatabaseTarget("embedded", db_url))
