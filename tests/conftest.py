from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import passwords
from homa_desk.domain.roles import Role
from homa_desk.services import staff as staff_service
from tests import fake_messaging as fm
from tests.gateways.fake_whatsapp import FakeWhatsApp, approve_desk_templates
from tests.helpers import MemoryKeyring, TestCluster, engine_for, new_staff


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch) -> None:
    """Config, data and logs of the app go to the test's own folder, never the developer's."""
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv("HOMA_DATABASE_URL", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _fast_bcrypt() -> None:
    passwords.BCRYPT_ROUNDS = 4


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> TestCluster:
    cluster = TestCluster(tmp_path_factory.mktemp("pg"))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def offsite_server(tmp_path_factory):
    """A second PostgreSQL as the off-site copy's "remote" (tests/offsite_helpers.py), one per test module."""
    from tests.offsite_helpers import OffsiteServer

    found = OffsiteServer(tmp_path_factory.mktemp("offsite"))
    yield found
    found.server.stop()


@pytest.fixture
def db_url(cluster):
    url = cluster.fresh_database()
    yield url
    cluster.drop(url)


@pytest.fixture
def engine(db_url):
    engine = engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def owner_url(cluster, db_url):
    """The same database as the schema's owner role: migrations, restores, loads that alter tables."""
    return cluster.owner_url(db_url)


@pytest.fixture
def owner_engine(owner_url):
    engine = engine_for(owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine) -> UnitOfWork:
    return UnitOfWork(engine)


@pytest.fixture
def admin(uow):
    return staff_service.create_first_admin(uow, new_staff(Role.ADMIN, name="Meera Iyer"), "Sunrise Clinic").as_actor()


@pytest.fixture
def receptionist(uow, admin):
    return staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, name="Asha Verma")).as_actor()


@pytest.fixture
def doctor(uow, admin):
    return staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Rahul Menon")).as_actor()


@pytest.fixture
def providers():
    """A local server speaking Twilio's and Telegram's APIs (tests/fake_messaging.py)."""
    with fm.FakeProviders() as fake:
        yield fake


@pytest.fixture
def whatsapp():
    """Meta's WhatsApp Cloud API on 127.0.0.1 with the desk's templates approved (tests/gateways/fake_whatsapp.py)."""
    with FakeWhatsApp() as fake:
        approve_desk_templates(fake)
        yield fake


@pytest.fixture
def smtp(tmp_path):
    """A local SMTP server with STARTTLS and AUTH."""
    with fm.FakeSmtp(tmp_path / "tls") as server:
        yield server
