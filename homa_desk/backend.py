"""The connection of one desk process to its database: what the UI holds and hands to every service call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DatabaseTarget:
    kind: Literal["embedded", "remote"]
    url: URL = field(repr=False)  # may carry the password: never log or show it

    @property
    def label(self) -> str:
        return "Embedded database" if self.kind == "embedded" else f"Remote database ({self.url.host})"


@dataclass
class Backend:
    engine: Engine
    target: DatabaseTarget
    embedded: EmbeddedServer | None = None

    def uow(self) -> UnitOfWork:
        """A new unit of work; services take one per call."""
        return UnitOfWork(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()
