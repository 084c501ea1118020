"""Build the Windows bundle and installer under Wine and smoke-test them (installer/windows/build_under_wine.py).

The first run makes a 2.3 GB Debian 13 chroot in /var/cache/homa-desk-wine, so the test runs only where that
cache is ready (or HOMA_WINE_BUILD=1 allows making it) and the machine can enter it (Linux, root).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installer" / "windows" / "build_under_wine.py"
sys.path.insert(0, str(SCRIPT.parent))
from wine_chroot import WineChroot, why_not_available  # noqa: E402

CACHE = Path(os.environ.get("HOMA_WINE_CACHE", "/var/cache/homa-desk-wine"))


def _why_skip() -> str | None:
    if reason := why_not_available():
        return reason
    if not WineChroot(CACHE).is_ready() and os.environ.get("HOMA_WINE_BUILD") != "1":
        return f"no Wine chroot cached in {CACHE}; run {SCRIPT.relative_to(ROOT)} once (or set HOMA_WINE_BUILD=1)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_why_skip() is not None, reason=str(_why_skip()))]


@pytest.mark.timeout(3600)
def test_the_windows_installer_installs_runs_and_uninstalls_under_wine(tmp_path):
    # --fast-setup: the same files in the setup, packed with zip (lzma2/max alone takes ~10 minutes on 2 busy cores)
    run = subprocess.run([sys.executable, str(SCRIPT), "--cache", str(CACHE), "--out", str(tmp_path), "--fast-setup"],
                         capture_output=True, text=True, check=False, timeout=3500)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert len(list(tmp_path.glob("HomaDesk-*-setup.exe"))) == 1
    for user in ("Anita Rao", "अनिता"):
        assert f"{user!r}: installed, self-check OK, database made, uninstalled, database kept" in run.stdout
        assert f"self-check ({user}):" in run.stdout
