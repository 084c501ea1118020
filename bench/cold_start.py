"""Cold start of the desk against a bare PySide6 window, both as fresh processes, in the same run.

`measure(url, email, password, rounds)` starts, alternately, `python -m bench.cold_start bare` (QApplication, an
empty QMainWindow shown, first idle turn of the event loop) and `python -m bench.cold_start desk …` (the desk's
imports, connecting to the database as a remote desk does, signing in with a real password, the main window with its
first view shown, every background load of the first view delivered and the event loop idle). Each child prints the
CLOCK_MONOTONIC moments of its phases (system-wide on Linux); the parent subtracts its own moment before spawning.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

PHASES = ("imported", "connected", "signed_in", "shown", "idle")


@dataclass(frozen=True)
class ColdStart:
    bare_ms: list[float]
    desk_ms: list[float]
    phases_ms: dict[str, float]  # median moment of each phase of the desk, from spawning

    @property
    def bare(self) -> float:
        return statistics.median(self.bare_ms)

    @property
    def desk(self) -> float:
        return statistics.median(self.desk_ms)

    @property
    def ratio(self) -> float:
        return self.desk / self.bare


def measure(url: str, email: str, password: str, *, rounds: int = 5) -> ColdStart:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    bare: list[float] = []
    desk: list[float] = []
    phases: dict[str, list[float]] = {p: [] for p in PHASES}
    _spawn(["bare"], env)  # the first start of all pays for the disk cache; not counted
    for _ in range(rounds):
        bare.append(_spawn(["bare"], env)["idle"])
        moments = _spawn(["desk", url, email], env, stdin=password)
        desk.append(moments["idle"])
        for phase in PHASES:
            phases[phase].append(moments[phase])
    return ColdStart(bare, desk, {p: statistics.median(v) for p, v in phases.items()})


def _spawn(args: list[str], env: dict[str, str], *, stdin: str = "") -> dict[str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bench.cold_start", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold start {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    moments = json.loads(done.stdout.strip().splitlines()[-1])
    return {phase: (moment - started) * 1000 for phase, moment in moments.items()}


def _bare() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1100, 720)
    window.show()
    QTimer.singleShot(0, lambda: _report(app, {}))
    app.exec()


def _desk(url: str, email: str, password: str) -> None:
    moments: dict[str, float] = {}
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from homa_desk.connect import open_remote
    from homa_desk.services.auth import sign_in
    from homa_desk.ui.app import DeskController
    from homa_desk.ui.resources import apply_style
    from homa_desk.ui.worker import pending_calls

    moments["imported"] = time.monotonic()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_style(app)
    backend = open_remote(url)
    moments["connected"] = time.monotonic()
    member = sign_in(backend.uow(), email, password)
    moments["signed_in"] = time.monotonic()
    controller = DeskController(backend)
    controller.show_main_window(member)
    moments["shown"] = time.monotonic()

    def idle_yet() -> None:
        if pending_calls():
            QTimer.singleShot(1, idle_yet)
        else:
            QTimer.singleShot(0, lambda: _report(app, moments))

    QTimer.singleShot(0, idle_yet)
    app.exec()
    backend.engine.dispose()


def _report(app, moments: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    moments["idle"] = time.monotonic()
    print(json.dumps(moments), flush=True)
    app.exit(0)


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        _bare()
    else:
        _desk(sys.argv[2], sys.argv[3], sys.stdin.read())
    os._exit(0)  # worker threads and open connections need not be torn down politely
