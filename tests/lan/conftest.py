"""A network path and a clinic host process, shared by the tests of a module (a host takes seconds to start)."""

from __future__ import annotations

import pytest

from tests.lan.network import HostProcess, LanNetwork


@pytest.fixture(scope="session")
def lan_network():
    network = LanNetwork()
    yield network
    if network.isolated:
        network.remove()


@pytest.fixture(scope="module")
def clinic_host(lan_network, tmp_path_factory):
    host = HostProcess(lan_network, tmp_path_factory.mktemp("host"), announce=lan_network.isolated).start()
    yield host
    host.stop()


@pytest.fixture
def joiner_settings(tmp_path):
    """The joining desk's own settings file (and, beside it, the pinned certificate)."""
    return tmp_path / "joiner" / "settings.json"
