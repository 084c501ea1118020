"""What every benchmark needs: the machine's name, and a database (given by URL, or a throwaway embedded one)."""

from __future__ import annotations

import platform
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from homa_desk.connect import upgrade_as_owner
from homa_desk.db import migrate
from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.engine import make_engine


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@contextmanager
def bench_database(database_url: str | None, *, pool_size: int = 5) -> Iterator[Engine]:
    """An engine on `database_url` (migrated to head), or on a throwaway embedded server deleted afterwards."""
    if database_url:
        engine = make_engine(database_url, pool_size=pool_size)
        try:
            migrate.upgrade(engine)
            yield engine
        finally:
            engine.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="homa-bench-") as tmp:
        server = EmbeddedServer(Path(tmp) / "pgdata", delete_on_stop=True)
        try:
            server.start()
            upgrade_as_owner(server)
            # a throwaway: its fills skip per-row triggers (session_replication_role), which takes the superuser
            engine = make_engine(server.url(), pool_size=pool_size)
            try:
                migrate.upgrade(engine)
                yield engine
            finally:
                engine.dispose()
        finally:
            server.stop()
