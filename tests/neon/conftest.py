"""The Neon stand-in for the tests in this folder: one endpoint per module, skipped with the reason where Debian's
PostgreSQL server or a PgBouncer 1.21+ is not installed (a developer's laptop; `.ci/run` installs both)."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import URL

from tests.neon.stand_in import NeonStandIn, missing

_names = itertools.count(1)


@dataclass(frozen=True)
class Clinic:
    """A database on the stand-in migrated by `homa-desk db upgrade`, and the desks' role it created."""

    database: str
    app_password: str


@pytest.fixture(scope="module")
def neon():
    reason = missing()
    if reason:
        pytest.skip(reason)
    endpoint = NeonStandIn()
    yield endpoint
    endpoint.stop()


def plain(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def upgrade_through_the_pooler(neon: NeonStandIn, database: str, tmp: str) -> str:
    """`homa-desk db upgrade` given the pooled owner URL and the direct one, as an admin would run it; returns the
    desks' password it prints once."""
    from homa_desk import cli

    with pytest.MonkeyPatch.context() as patch:
        for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
            patch.setenv(var, tmp)
        patch.setenv("HOMA_DATABASE_URL", plain(neon.pooled_url(database=database)))
        patch.setenv("HOMA_DIRECT_DATABASE_URL", plain(neon.direct_url(database=database)))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli.main(["db", "upgrade"]) == 0
    printed = re.search(r"password: (\S+)", out.getvalue())
    assert printed, out.getvalue()
    return printed[1]


@pytest.fixture(scope="module")
def clinic(neon, tmp_path_factory) -> Clinic:
    name = f"clinic_{next(_names)}"
    neon.new_database(name)
    return Clinic(name, upgrade_through_the_pooler(neon, name, str(tmp_path_factory.mktemp("config"))))
