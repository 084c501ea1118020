"""The embedded server: shared by desk processes, stopped by the last one, recovering after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from sqlalchemy import text

from homa_desk.connect import open_embedded
from homa_desk.db import migrate

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from homa_desk.db.embedded import EmbeddedServer
    server = EmbeddedServer(Path(sys.argv[1]))
    server.start()
    print(server.pid, flush=True)
    sys.stdin.readline()
    server.stop()
""")


def _holder(data_dir):
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    pid = int(process.stdout.readline())
    return process, pid


def _release(process):
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.wait(timeout=30) == 0


def _wait_gone(pid, seconds=15.0):
    deadline = time.monotonic() + seconds
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not psutil.pid_exists(pid)


@pytest.mark.slow
def test_first_start_creates_and_migrates_the_database(tmp_path):
    backend = open_embedded(tmp_path / "pgdata")
    try:
        assert backend.target.kind == "embedded"
        assert migrate.current_revision(backend.engine) == migrate.head_revision()
        with backend.engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar_one() == "homa"
        pid = backend.embedded.pid
    finally:
        backend.close()
    assert _wait_gone(pid), "the last desk to leave stops the server"


@pytest.mark.slow
def test_several_desk_processes_share_one_server_and_the_last_stops_it(tmp_path):
    data_dir = tmp_path / "pgdata"
    first, pid = _holder(data_dir)
    second, pid_again = _holder(data_dir)
    assert pid == pid_again
    _release(first)
    assert psutil.pid_exists(pid), "still used by the second desk"
    _release(second)
    assert _wait_gone(pid)
    assert not (data_dir / "postmaster.pid").exists()


@pytest.mark.slow
def test_recovers_after_the_server_and_a_desk_crash(tmp_path):
    data_dir = tmp_path / "pgdata"
    desk, pid = _holder(data_dir)
    desk.kill()  # the desk dies without leaving: its pid stays in the handle list
    desk.wait()
    os.kill(pid, signal.SIGKILL)  # and the server dies too: postmaster.pid stays behind
    assert _wait_gone(pid)
    assert (data_dir / "postmaster.pid").exists()
    # a pid that is alive but not postgres, as after pid reuse, must not block the restart
    squatter = subprocess.Popen(["sleep", "60"])
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        lines[0] = str(squatter.pid)
        (data_dir / "postmaster.pid").write_text("\n".join(lines) + "\n")
        backend = open_embedded(data_dir)
        try:
            with backend.engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
            new_pid = backend.embedded.pid
            assert new_pid != pid
        finally:
            backend.close()
        assert _wait_gone(new_pid), "the dead desk's stale handle does not keep the server alive"
    finally:
        squatter.kill()
