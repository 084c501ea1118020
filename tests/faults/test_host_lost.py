"""Host lost: the process of the desk hosting the clinic dies (killed, no goodbye) while another computer's desk has
a form open; the host's desk is started again. The joined desk says so, keeps what was typed, reconnects by itself.
(Over a real network path: tests/lan/network.py.)"""

from __future__ import annotations

from tests.lan.conftest import joiner_settings, lan_network
from tests.lan.network import HostProcess
from tests.lan.outage import host_goes_away_and_comes_back

__all__ = ["joiner_settings", "lan_network"]


def test_host_lost(qtbot, lan_network, tmp_path, joiner_settings):
    host = HostProcess(lan_network, tmp_path / "host").start()
    try:
        host_goes_away_and_comes_back(qtbot, host, joiner_settings, host.kill)
    finally:
        host.stop()
