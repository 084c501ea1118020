"""The joining desk pinned the host's certificate: another certificate at the host's address (the host set up
again, or another computer that took its address) is refused with a clear message, never trusted silently."""

from __future__ import annotations

import pytest

from homa_desk.config import Settings
from homa_desk.connect import open_backend
from homa_desk.db.lan import join_client
from homa_desk.db.lan.join_client import CertificateChanged
from homa_desk.services import clinic_network
from tests.lan.network import DATABASE_PORT, HostProcess


def test_a_different_certificate_at_the_hosts_address_is_refused(lan_network, tmp_path_factory, joiner_settings):
    host = HostProcess(lan_network, tmp_path_factory.mktemp("rehost")).start()
    try:
        clinic_network.join_clinic(host.network.host_address, host.code(),
                                   settings_path=joiner_settings)
        host.stop()
        host.new_certificate()  # set up again, or another computer that took the host's address
        host.start()
        with pytest.raises(CertificateChanged, match="different certificate"):
            open_backend(Settings.load(joiner_settings))
        with pytest.raises(CertificateChanged):
            join_client.check_pinned(host.network.host_address, DATABASE_PORT,
                                     Settings.load(joiner_settings).lan_fingerprint)
    finally:
        host.stop()


def test_the_hosts_private_key_is_for_its_user_only(tmp_path):
    from homa_desk.db.lan.certificate import ensure_certificate, pem_fingerprint

    made = ensure_certificate(tmp_path / "lan-host", "Sunrise Clinic")
    assert made.key_path.stat().st_mode & 0o777 == 0o600
    assert ensure_certificate(tmp_path / "lan-host").fingerprint == made.fingerprint  # made once, then kept
    assert pem_fingerprint(made.cert_path.read_text()) == made.fingerprint and len(made.fingerprint) == 64
