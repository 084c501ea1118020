"""The Neon stand-in for the tests in this folder: one endpoint per module, skipped with the reason where Debian's
PostgreSQL server or a PgBouncer 1.21+ is not installed (a developer's laptop; `.ci/run` installs both)."""

from __future__ import annotations

import pytest

from tests.neon.stand_in import NeonStandIn, missing


@pytest.fixture(scope="module")
def neon():
    reason = missing()
    if reason:
        pytest.skip(reason)
    endpoint = NeonStandIn()
    yield endpoint
    endpoint.stop()
