"""A real network path on this machine for the LAN tests, and a clinic host in a process of its own.

`LanNetwork`: a network namespace joined to this one by a veth pair (the host at 10.231.<n>.1 inside it, this test
process at 10.231.<n>.2 outside), when the machine lets us make one (root, iproute2); else the loopback address
127.0.0.2 for the host (no multicast there: the discovery test is skipped with its reason).

`HostProcess`: `python -m homa_desk lan serve` with its own settings, data and certificate folders (XDG dirs of
its own) and no keyring (its owner and application roles sign in by the local trust rule, as on a computer
without one; the joined desks' roles always have passwords). `admin(...)` runs `homa-desk lan code|desks|remove`
as the host computer's owner would, in a second process on the same data folder.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
DATABASE_PORT, JOIN_PORT = 54320, 54321
START_SECONDS = 90


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)


PUBLIC_DESK_HOST = 202  # 203.0.113.202 and up, one address each
_NETWORKS = itertools.count()


def _remove_stale_namespaces() -> None:
    """A run that was killed leaves its namespace and veth behind (named after its process id): take them away."""
    listed = _ip("netns", "list")
    for line in listed.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        tag = name.removeprefix("homa-h")
        pid = tag.split("n", 1)[0]
        if name.startswith("homa-h") and pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _ip("link", "del", f"hv{tag}")
            _ip("netns", "del", name)


class LanNetwork:
    def __init__(self) -> None:
        number = next(_NETWORKS)  # a session may hold two (tests/faults borrows the fixture): each its own names
        self.tag = f"{os.getpid()}n{number}"  # the process id, so a stale namespace is known by its process being gone
        self.namespace = f"homa-h{self.tag}"
        self.outside, self.inside = f"hv{self.tag}", f"hh{self.tag}"
        subnet = (os.getpid() + 37 * number) % 200 + 20
        self.host_address, self.desk_address = f"10.231.{subnet}.1", f"10.231.{subnet}.2"
        self.public_desk_address = f"203.0.113.{PUBLIC_DESK_HOST + number % 40}"
        self.isolated = False
        self.why_not = ""
        if shutil.which("ip") is None:
            self.why_not = "no `ip` command (iproute2)"
        else:
            _remove_stale_namespaces()
            made = _ip("netns", "add", self.namespace)
            if made.returncode != 0:
                self.why_not = f"`ip netns add` not allowed here: {made.stderr.strip()[:120]}"
            else:
                self.isolated = self._wire()
        if not self.isolated:
            self.host_address = self.desk_address = "127.0.0.2"

    def _wire(self) -> bool:
        steps = [("link", "add", self.outside, "type", "veth", "peer", "name", self.inside),
                 ("link", "set", self.inside, "netns", self.namespace),
                 ("addr", "add", f"{self.desk_address}/24", "dev", self.outside),
                 ("link", "set", self.outside, "up"),
                 ("-n", self.namespace, "addr", "add", f"{self.host_address}/24", "dev", self.inside),
                 ("-n", self.namespace, "link", "set", self.inside, "up"),
                 ("-n", self.namespace, "link", "set", "lo", "up"),
                 # a public (documentation, RFC 5737) address on this side too, which the host must refuse; one
                 # address (/32), never a whole network: this machine may reach its package registries in one
                 ("addr", "add", f"{self.public_desk_address}/32", "dev", self.outside),
                 ("-n", self.namespace, "route", "add", f"{self.public_desk_address}/32", "dev", self.inside)]
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                self.why_not = f"cannot wire the veth pair: {done.stderr.strip()[:120]}"
                self.remove()
                return False
        return True

    def prefix(self) -> list[str]:
        """What runs a command on the host's side of the network."""
        return ["ip", "netns", "exec", self.namespace] if self.isolated else []

    def remove(self) -> None:
        _ip("link", "del", self.outside)
        _ip("netns", "del", self.namespace)


class HostProcess:
    def __init__(self, network: LanNetwork, folder: Path, *, announce: bool = False) -> None:
        self.network = network
        self.folder = folder
        self.data_dir = folder / "data" / "pgdata"
        self.announce = announce
        self.process: subprocess.Popen | None = None
        self.fingerprint = ""

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "HOMA_DATABASE_URL"}
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                         ("XDG_CACHE_HOME", "cache")):
            env[var] = str(self.folder / sub)
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        env["PYTHONPATH"] = str(ROOT)
        return env

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "homa_desk", "--data-dir", str(self.data_dir), "lan", *args]

    def start(self) -> HostProcess:
        args = ["serve", "--address", self.network.host_address]
        if not self.announce:
            args.append("--no-announce")
        self.process = subprocess.Popen([*self.network.prefix(), *self._command(*args)], env=self.env(),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + START_SECONDS
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "hosting on …; certificate <hex> (…)"
        if "certificate" not in line:
            self.process.kill()
            raise RuntimeError(f"the host did not start: {line!r} {self.process.stderr.read()[-2000:]}")
        self.fingerprint = line.split("certificate ", 1)[1].split()[0]
        while time.monotonic() < deadline:  # the port answers
            try:
                import socket

                with socket.create_connection((self.network.host_address, DATABASE_PORT), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the host's database port never answered")

    def stop(self) -> None:
        """As the host's desk being closed: the ports close, its database stops (no other desk uses it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def kill(self) -> None:
        """As a crash or a pulled power cord of the host's desk process: no goodbye."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def admin(self, *args: str) -> str:
        done = subprocess.run(self._command(*args), env=self.env(), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    def code(self) -> str:
        """A join code, as the host's Settings → Desks makes one (the same function), minus a process start."""
        from homa_desk.db.lan import desks

        engine = self.superuser_engine()
        try:
            return desks.new_code(engine)
        finally:
            engine.dispose()

    def superuser_engine(self):  # type: ignore[no-untyped-def]
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return create_engine(f"postgresql+psycopg://postgres@/homa?host={lines[4]}&port={lines[3]}",
                             poolclass=NullPool)

    def superuser(self) -> psycopg.Connection:
        """The host's database as its cluster superuser, on its local socket (the test's own look behind)."""
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return psycopg.connect(host=lines[4], port=int(lines[3]), user="postgres", dbname="homa", autocommit=True)

    def new_certificate(self) -> None:
        """The host's certificate and key deleted (set up again): the next start makes a different one."""
        shutil.rmtree(self.folder / "data" / "lan-host")
