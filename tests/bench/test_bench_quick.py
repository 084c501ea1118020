"""`python -m bench --quick` runs end to end and prints every figure, so the one benchmark command cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FIGURES = [
    r"^machine: .+, nproc \d+, Python",
    r"^PostgreSQL \d+",
    r"^cold start to the first interactive window .*: desk \d+ ms / bare QMainWindow \d+ ms = [\d.]+x "
    r"\(target <= 1\.3x",
    r"^  signed in, main window's first view loaded and idle: \d+ ms = [\d.]+x bare; phases from spawn: "
    r"sign-in window \d+ ms, .* first view loaded and idle \d+ ms",
    r"^patient search over [\d,]+ patients: p95 [\d.]+ ms \(target <= 30 ms",
    r"^patient search vs unindexed ILIKE scan: p95 \d+ ms = \d+x",
    *(rf"^  view {re.escape(name)}: \d+ statements, \d+ round trips; \d+ ms / \d+ ms \(target <= \d+ ms"
      for name in ("dashboard", 'patients (search "sharma")', "patient profile", "appointments (day view)", "billing",
                   "payments history", "daily collection", "workstation (doctor)", "settings (admin)")),
    r"^longest UI-thread stall while views load at \+100 ms: \d+ ms; with \d+ UPI polls meanwhile: \d+ ms "
    r"\(target <= 50 ms",
    r"^round trips per view open, counted on the wire .*target <= 2 round trips\)",
    *(rf"^  {re.escape(name)} +\d+ round trips \(met\), \d+ statements; \d+ ms / \d+ ms"
      for name in ("home (dashboard)", "patient profile", "payments history", "consultation open (doctor)",
                   "settings → clinic", "customer display", "waiting-room board (each poll)")),
    r"^views over 2 round trips: 0 of \d+",
    r"^UPI paid-to-shown over \d+ sessions .*: p50 [\d.]+ s, p95 [\d.]+ s",
    r"^UPI gateway calls per active session per minute: [\d.]+ \(target <= \d+",
    r"^daily collection report over [\d,]+ payments, busiest day \d{4}-\d\d-\d\d: p50 [\d.]+ ms, p95 [\d.]+ ms "
    r"\(target <= 200 ms",
    r"^owner's reports over [\d,]+ payments, twelve months to \d\d/\d{4}",
    *(rf"^  {re.escape(name)}: p50 [\d.]+ ms, p95 [\d.]+ ms \((met|MISSED)\); \d+ rows"
      for name in ("collections (per month, method, doctor)", "visits, new and returning patients",
                   "top 20 procedures and medicines", "audit log, first page", "audit log, first page, next page",
                   "audit log, one person, a year", "audit log, one patient", "audit log, one action, a year",
                   "audit log, one action, a year, next page")),
]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quick_benchmark_prints_every_figure(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    done = subprocess.run([sys.executable, "-m", "bench", "--quick"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=850, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    missing = [pattern for pattern in FIGURES if not re.search(pattern, done.stdout, re.MULTILINE)]
    assert not missing, f"figures not printed: {missing}\n{done.stdout}"
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
