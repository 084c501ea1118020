"""Cold start of the desk against a bare PySide6 window, both as fresh processes, in the same run.

`measure(url, email, password, rounds)` starts, alternately, `python -m bench.cold_start bare` (QApplication, an
empty QMainWindow shown, first idle turn of the event loop) and `python -m bench.cold_start desk …`: the desk's real
start as its desktop shortcut runs it, `homa-desk` without arguments (`homa_desk.cli.main([])`) on a desk set up for
a remote database (`HOMA_DATABASE_URL`), watched from outside (the desk's classes are wrapped, not replaced). The
desk child records:

- `window`: its first window (the sign-in) shown, painted, the e-mail field focused and the event loop idle;
- then it types the e-mail and the real password at once and presses Sign in, which waits for the database:
  `connected` (database open, schema and first-run check done), `signed_in` (bcrypt answered), `shown` (the main
  window shown) and `idle` (every background load of the first view delivered and the event loop idle).

Each child prints the CLOCK_MONOTONIC moments of its phases (system-wide on Linux); the parent subtracts its own
moment before spawning. The desk runs with its own settings folder (no daily backup, no reminder queueing, the
missing keyring already answered) so that it never writes to the benchmark's database on its own. Its bytecode is
compiled first, as pip and the installer ship it (a checkout with PYTHONDONTWRITEBYTECODE would otherwise compile
every module at every start).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PHASES = ("window", "connected", "signed_in", "shown", "idle")
DESK_SETTINGS = {"keyring_fallback": "declined", "backup_time": "", "reminder_hour": 24}


@dataclass(frozen=True)
class ColdStart:
    bare_ms: list[float]
    window_ms: list[float]  # the first interactive window (the sign-in)
    desk_ms: list[float]  # signed in, the main window's first view loaded and idle
    phases_ms: dict[str, float]  # median moment of each phase of the desk, from spawning

    @property
    def bare(self) -> float:
        return statistics.median(self.bare_ms)

    @property
    def window(self) -> float:
        return statistics.median(self.window_ms)

    @property
    def desk(self) -> float:
        return statistics.median(self.desk_ms)

    @property
    def ratio(self) -> float:
        """The first interactive window against the bare window: the issue's ≤ 1.3x."""
        return self.window / self.bare

    @property
    def signed_in_ratio(self) -> float:
        return self.desk / self.bare


def measure(url: str, email: str, password: str, *, rounds: int = 5) -> ColdStart:
    import compileall
    import tempfile

    import homa_desk

    bare: list[float] = []
    window: list[float] = []
    desk: list[float] = []
    phases: dict[str, list[float]] = {p: [] for p in PHASES}
    compileall.compile_dir(Path(homa_desk.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="homa-cold-") as home:
        env = _environment(Path(home))
        _spawn(["bare"], env)  # the first start of all pays for the disk cache; not counted
        for _ in range(rounds):
            bare.append(_spawn(["bare"], env)["idle"])
            moments = _spawn(["desk", url, email], env, stdin=password)
            window.append(moments["window"])
            desk.append(moments["idle"])
            for phase in PHASES:
                phases[phase].append(moments[phase])
    return ColdStart(bare, window, desk, {p: statistics.median(v) for p, v in phases.items()})


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    settings = home / "config" / "homa-desk" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps(DESK_SETTINGS), encoding="utf-8")
    return env


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
    """`homa-desk` on a desk using the database at `url`, with its phases timed by wrapping the controller's steps."""
    from homa_desk import cli
    from homa_desk.ui.shell import app as desk

    moments: dict[str, float] = {}
    start, show_main_window = desk.DeskController.start, desk.DeskController.show_main_window

    def started(controller: desk.DeskController) -> None:
        start(controller)
        controller.database_opened.connect(lambda: moments.setdefault("connected", time.monotonic()))
        _when_interactive(controller.login_dialog, lambda: sign_in(controller.login_dialog))

    def sign_in(login) -> None:  # type: ignore[no-untyped-def]
        moments["window"] = time.monotonic()
        login.email.setText(email)
        login.password.setText(password)
        login.sign_in_button.click()
        _fail_on_refusal(login)

    def shown(controller: desk.DeskController, member):  # type: ignore[no-untyped-def]
        moments["signed_in"] = time.monotonic()
        window = show_main_window(controller, member)
        moments["shown"] = time.monotonic()
        _when_idle(lambda: _report(None, moments))
        return window

    desk.DeskController.start = started  # type: ignore[method-assign]
    desk.DeskController.show_main_window = shown  # type: ignore[method-assign]
    os.environ["HOMA_DATABASE_URL"] = url
    cli.main([])
    raise RuntimeError("the desk ended before it was signed in and idle")


def _when_interactive(login, then) -> None:  # type: ignore[no-untyped-def]
    """`then()` on the first idle turn after the sign-in has been painted with its e-mail field focused."""
    from PySide6.QtCore import QTimer

    def check() -> None:
        if login.email.hasFocus():
            QTimer.singleShot(0, then)
        else:
            QTimer.singleShot(1, check)

    login.painted.connect(check)  # emitted on the turn after the window's first paint


def _fail_on_refusal(login) -> None:  # type: ignore[no-untyped-def]
    """A refused sign-in or a database that cannot be opened ends the child at once, saying why."""
    import shiboken6
    from PySide6.QtCore import QTimer

    def check() -> None:
        if not shiboken6.isValid(login) or login.member is not None:
            return
        if login.error.text():
            print(f"the desk did not sign in: {login.error.text()}", file=sys.stderr, flush=True)
            os._exit(1)
        QTimer.singleShot(20, check)

    check()


def _when_idle(then) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    from homa_desk.ui.common.worker import pending_calls

    def idle_yet() -> None:
        if pending_calls():
            QTimer.singleShot(1, idle_yet)
        else:
            QTimer.singleShot(0, then)

    QTimer.singleShot(0, idle_yet)


def _report(app, moments: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    moments["idle"] = time.monotonic()
    print(json.dumps(moments), flush=True)
    if app is not None:
        app.exit(0)
    else:
        os._exit(0)  # the desk's threads, timers and connections need not be torn down politely


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        _bare()
    else:
        _desk(sys.argv[2], sys.argv[3], sys.stdin.read())
    os._exit(0)  # worker threads and open connections need not be torn down politely
