"""The background jobs live below the UI: importing them loads neither Qt nor the desk's widgets."""

from __future__ import annotations

import subprocess
import sys


def test_the_jobs_import_no_qt_and_no_ui():
    probe = ("import sys, homa_desk.services.jobs.outbox, homa_desk.services.jobs.backup_schedule; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'PySide6' or m.startswith('homa_desk.ui')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
